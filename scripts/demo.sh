#!/usr/bin/env bash
# make demo: install what is missing, create (or reuse) crm_demo with every addon and its demo
# data in English, Arabic and Hebrew, prepare it (scripts/demo_setup.py: languages on the website,
# per-line discounts, lead enrichment manual, an accountant), print the logins and links to try,
# then serve Odoo on http://localhost:$PORT (login admin / admin).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"

addons=$(project_addons_csv)
if "$PY" "$ROOT/scripts/db_ready.py" "$DEMO_DB"; then
    say "Reusing $DEMO_DB (make demo-reset rebuilds it)"
else
    say "Building $DEMO_DB with demo data: ${addons:-no addon yet}"
    # -i on an existing database installs only what is missing; demo data is loaded. Arabic and
    # Hebrew are loaded before the addons, so that their demo data (people, pages) can use them;
    # English comes first: Odoo makes the first language the new database's default.
    odoo -d "$DEMO_DB" -i "${addons:-base}" --load-language=en_US,ar_001,he_IL --stop-after-init --log-level=warn
fi
say "Preparing $DEMO_DB for the demo"
links=$(cd "$ROOT" && "$PY" "$ROOT/scripts/demo_setup.py" -c "$ODOO_CONF" -d "$DEMO_DB" \
    --base-url "http://localhost:$PORT")
cd "$ROOT"
# The server runs in the background until it answers, so that the logins and links come after
# its start-up log; Ctrl-C (or a TERM) stops it.
"$PY" "$ODOO_BIN" -c "$ODOO_CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-port="$PORT" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; exit 0' INT TERM
for _ in $(seq 180); do
    "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
        "http://localhost:$PORT/web/login" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 1
done
say "Odoo on http://localhost:$PORT  (login admin, password admin; Ctrl-C stops it)"
printf '%s\n' "$links"
wait "$server"
