#!/usr/bin/env bash
# make demo: install what is missing, create (or reuse) crm_demo with every addon and its demo
# data, then serve Odoo on http://localhost:$PORT (login admin / admin).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"

addons=$(project_addons_csv)
if "$PY" "$ROOT/scripts/db_ready.py" "$DEMO_DB"; then
    say "Reusing $DEMO_DB (make demo-reset rebuilds it)"
else
    say "Building $DEMO_DB with demo data: ${addons:-no addon yet}"
    # -i on an existing database installs only what is missing; demo data is loaded.
    odoo -d "$DEMO_DB" -i "${addons:-base}" --stop-after-init --log-level=warn
fi
say "Odoo on http://localhost:$PORT  (login admin, password admin; Ctrl-C stops it)"
cd "$ROOT"
exec "$PY" "$ODOO_BIN" -c "$ODOO_CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --http-port="$PORT"
