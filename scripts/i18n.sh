#!/usr/bin/env bash
# make i18n: update every addon on $I18N_DB (built once, without demo data), re-export each
# addon's .pot and merge it into ar.po and he.po. Lists the terms still to translate.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
db=${I18N_DB:-crm_i18n}
addons=$(project_addons_csv)
if "$PY" "$ROOT/scripts/db_ready.py" "$db"; then
    odoo -d "$db" -u "$addons" --stop-after-init --log-level=warn
else
    dropdb --if-exists "$db"
    odoo -d "$db" -i "$addons" --without-demo=all --stop-after-init --log-level=warn
fi
"$PY" "$ROOT/scripts/i18n.py" -c "$ODOO_CONF" -d "$db" "$@"
