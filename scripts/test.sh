#!/usr/bin/env bash
# make test: quality gates, the install check, then every test of addons/*/tests and tests/
# through pytest-odoo on a fresh database. Extra arguments go to pytest (e.g. -k consent).
#
#   SKIP_INSTALL_CHECK=1  skip the per-addon install/uninstall check (for quick local loops)
#   KEEP_DB=1             reuse $TEST_DB when it already has every addon installed
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
start=$(date +%s)

"$ROOT/scripts/lint.sh"

if [ "${SKIP_INSTALL_CHECK:-0}" != 1 ]; then
    say "Install check: each addon alone, then all together, installed and uninstalled"
    "$PY" "$ROOT/scripts/install_check.py"
fi

if [ "${KEEP_DB:-0}" = 1 ] && "$PY" "$ROOT/scripts/db_ready.py" "$TEST_DB"; then
    say "Reusing $TEST_DB"
else
    say "Fresh test database $TEST_DB with: $(project_addons_csv)"
    dropdb --if-exists "$TEST_DB"
    rm -rf "${HOME}/.local/share/Odoo/filestore/$TEST_DB"
    odoo -d "$TEST_DB" -i "$(project_addons_csv)" --stop-after-init --log-level=warn
fi

say "Running the tests"
test_paths=()
for dir in "$ROOT"/addons/*/tests "$ROOT/tests"; do [ -d "$dir" ] && test_paths+=("$dir"); done
status=0
"$VENV/bin/pytest" --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http \
    --odoo-log-level=warn "${test_paths[@]}" "$@" || status=$?
say "make test took $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
exit $status
