#!/usr/bin/env bash
# make test-addon ADDON=<name> [-- pytest args]: one addon's tests on a database holding only that
# addon and its declared depends (crm_test_<name>), reused while the addon stays installed.
# FRESH=1 rebuilds the database; UPDATE=1 updates the addon first. For quick local loops: make
# test remains the gate.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
addon=${1:-}
[ -n "$addon" ] && [ -f "$ROOT/addons/$addon/__manifest__.py" ] || die "usage: make test-addon ADDON=<one of: $(project_addons_csv)>"
shift || true
"$ROOT/scripts/setup.sh"
cd "$ROOT"
db=${TEST_DB_ADDON:-crm_test_$addon}
if [ "${FRESH:-0}" = 1 ] || ! psql -d "$db" -tAc "SELECT 1 FROM ir_module_module WHERE name='$addon' AND state='installed'" 2>/dev/null | grep -q 1; then
    say "Fresh database $db with $addon"
    dropdb --if-exists "$db"
    odoo -d "$db" -i "$addon" --stop-after-init --log-level=warn
elif [ "${UPDATE:-0}" = 1 ]; then
    say "Updating $addon in $db"
    odoo -d "$db" -u "$addon" --stop-after-init --log-level=warn
fi
"$VENV/bin/pytest" --odoo-config="$ODOO_CONF" --odoo-database="$db" --odoo-http \
    --odoo-log-level=warn "$ROOT/addons/$addon/tests" "$@"
