# Shared settings and helpers for the project's scripts. Source it; do not run it.
# Every setting can be overridden from the environment or from make (make test ODOO_SRC=...).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ODOO_SRC=${ODOO_SRC:-/opt/odoo}
VENV=${VENV:-$ROOT/.venv}
LINT_VENV=${LINT_VENV:-$ROOT/.venv-lint}
PY=$VENV/bin/python
ODOO_BIN=$ODOO_SRC/odoo-bin
ODOO_CONF=${ODOO_CONF:-$ROOT/odoo.conf}
DEMO_DB=${DEMO_DB:-crm_demo}
TEST_DB=${TEST_DB:-crm_test}
BENCH_DB=${BENCH_DB:-crm_bench}
PORT=${PORT:-8069}
PG_VERSION=${PG_VERSION:-15}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Our addons, in dependency-friendly order: the four products first, then bridges.
project_addons() {
    local d
    for d in "$ROOT"/addons/*/; do
        [ -f "$d/__manifest__.py" ] || continue
        "$PY" - "$d/__manifest__.py" <<'PY'
import ast, os, sys
manifest = ast.literal_eval(open(sys.argv[1]).read())
if manifest.get("installable", True):
    print(os.path.basename(os.path.dirname(sys.argv[1])))
PY
    done
}

project_addons_csv() { project_addons | paste -sd, -; }

odoo() {
    (cd "$ROOT" && "$PY" "$ODOO_BIN" -c "$ODOO_CONF" "$@")
}
