#!/usr/bin/env bash
# make i18n: update every addon on $I18N_DB, re-export each addon's .pot and merge it into ar.po and
# he.po, listing the terms still to translate. The database holds demo data, as the test database
# does, so translatable demo records (mail templates, products) are exported too, as Odoo does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
db=${I18N_DB:-crm_i18n}
addons=$(project_addons_csv)
has_demo=$(psql -d "$db" -tAc "SELECT demo FROM ir_module_module WHERE name = 'base'" 2>/dev/null || true)
if [ "$has_demo" = t ] && "$PY" "$ROOT/scripts/db_ready.py" "$db"; then
    odoo -d "$db" -u "$addons" --stop-after-init --log-level=warn
else
    dropdb --if-exists "$db"
    odoo -d "$db" -i "$addons" --stop-after-init --log-level=warn
fi
"$PY" "$ROOT/scripts/i18n.py" -c "$ODOO_CONF" -d "$db" "$@"
