#!/usr/bin/env bash
# Quality gates, zero findings allowed: ruff, pylint-odoo, and the OCA's XML/CSV/PO checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
say "Lint: ruff, pylint-odoo, OCA module checks"
"$LINT_VENV/bin/ruff" check --no-fix .
addons=()
for manifest in addons/*/__manifest__.py; do [ -f "$manifest" ] && addons+=("$(dirname "$manifest")"); done
[ ${#addons[@]} -gt 0 ] || exit 0
"$LINT_VENV/bin/pylint" --rcfile=.pylintrc "${addons[@]}"
"$LINT_VENV/bin/oca-checks-odoo-module" --config .oca_hooks.cfg "${addons[@]}"
mapfile -t po_files < <(find addons -path '*/i18n/*.po*' -type f | sort)
[ ${#po_files[@]} -eq 0 ] || "$LINT_VENV/bin/oca-checks-po" "${po_files[@]}"
