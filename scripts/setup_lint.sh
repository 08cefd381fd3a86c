#!/usr/bin/env bash
# The linters' virtualenv alone (requirements-lint.txt): what make lint and pre-commit need. No
# Debian package, no PostgreSQL, no Odoo: the linters read the code without importing it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

want_lint=$(sha256sum < "$ROOT/requirements-lint.txt" | cut -d' ' -f1)
if [ ! -x "$LINT_VENV/bin/python" ] || [ "$(cat "$LINT_VENV/.crm-suite-stamp" 2>/dev/null)" != "$want_lint" ]; then
    say "Preparing the linters' virtualenv at $LINT_VENV"
    [ -x "$LINT_VENV/bin/python" ] || python3 -m venv "$LINT_VENV" \
        || die "python3 -m venv failed: install Debian's python3-venv (make setup does)"
    "$LINT_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-lint.txt"
    echo "$want_lint" > "$LINT_VENV/.crm-suite-stamp"
fi
