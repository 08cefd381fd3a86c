#!/usr/bin/env bash
# Quality gates, zero findings allowed: ruff, pylint-odoo, the OCA's XML/CSV/PO checks, and each
# addon's README.rst generated from its readme/ fragments. Needs only the linters' virtualenv
# (scripts/setup_lint.sh): no Odoo, no PostgreSQL.
#
#   scripts/lint.sh               every gate (make lint, make test)
#   scripts/lint.sh ruff readme   some gates (the pre-commit hooks run one each)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x "$LINT_VENV/bin/ruff" ] || die "no linters at $LINT_VENV: run scripts/setup_lint.sh (make lint does)"
gates=("$@")
[ ${#gates[@]} -gt 0 ] || gates=(ruff pylint oca-module oca-po readme)
addons=()
for manifest in addons/*/__manifest__.py; do [ -f "$manifest" ] && addons+=("$(dirname "$manifest")"); done
say "Lint: ${gates[*]}"
for gate in "${gates[@]}"; do
    case "$gate" in
        ruff) "$LINT_VENV/bin/ruff" check --no-fix . ;;
        pylint)
            [ ${#addons[@]} -eq 0 ] || "$LINT_VENV/bin/pylint" --rcfile=.pylintrc "${addons[@]}" ;;
        oca-module)
            [ ${#addons[@]} -eq 0 ] || "$LINT_VENV/bin/oca-checks-odoo-module" --config .oca_hooks.cfg "${addons[@]}" ;;
        oca-po)
            mapfile -t po_files < <(find addons -path '*/i18n/*.po*' -type f | sort)
            [ ${#po_files[@]} -eq 0 ] || "$LINT_VENV/bin/oca-checks-po" "${po_files[@]}" ;;
        readme) "$LINT_VENV/bin/python" scripts/gen_readme.py --check ;;
        *) die "unknown gate $gate (ruff, pylint, oca-module, oca-po, readme)" ;;
    esac
done
