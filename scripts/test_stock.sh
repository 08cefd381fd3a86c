#!/usr/bin/env bash
# make test-stock: stock Odoo's own tests of the modules the suite extends, run on a database that
# holds every addon of the suite, so that a stock flow or a stock query budget we break goes red.
#
#   STOCK_DB (default crm_stock)   database name; rebuilt unless KEEP_DB=1 and it is complete
#   STOCK_MODULES                  space-separated stock modules whose tests run (default below)
# Extra arguments go to pytest (e.g. -k performance).
#
# The tests run through pytest-odoo like ours, every class after everything is installed (Odoo's
# own runner would run stock's at_install tests before our addons are loaded, testing nothing of
# ours). The project's conftest does not apply here: stock's own skips stay skips.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
start=$(date +%s)
STOCK_DB=${STOCK_DB:-crm_stock}
read -r -a modules <<< "${STOCK_MODULES:-crm sale_crm sale_management website_crm_partner_assign privacy_lookup mass_mailing_crm calendar portal}"

if [ "${KEEP_DB:-0}" = 1 ] && "$PY" "$ROOT/scripts/db_ready.py" "$STOCK_DB"; then
    say "Reusing $STOCK_DB"
else
    say "Fresh database $STOCK_DB with the suite and: ${modules[*]}"
    dropdb --if-exists "$STOCK_DB"
    rm -rf "${HOME}/.local/share/Odoo/filestore/$STOCK_DB"
    odoo -d "$STOCK_DB" -i "$(project_addons_csv),$(IFS=,; echo "${modules[*]}")" --stop-after-init --log-level=warn
fi

say "Running stock's tests of: ${modules[*]}"
paths=()
for module in "${modules[@]}"; do paths+=("$ODOO_SRC/addons/$module/tests"); done
status=0
# --rootdir outside the project: the project's conftest (skips fail) is for our tests only.
"$VENV/bin/pytest" -p no:cacheprovider --rootdir="$ODOO_SRC" --odoo-config="$ODOO_CONF" \
    --odoo-database="$STOCK_DB" --odoo-http --odoo-log-level=warn "${paths[@]}" "$@" || status=$?
say "make test-stock took $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
exit $status
