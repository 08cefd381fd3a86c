#!/usr/bin/env bash
# make bench: every benchmark of tests/benchmarks on $BENCH_DB (built once, without demo data),
# printed as one table. Extra arguments go to tests/benchmarks/run.py (e.g. -k cpq).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
if "$PY" "$ROOT/scripts/db_ready.py" "$BENCH_DB"; then
    say "Reusing $BENCH_DB (dropdb $BENCH_DB to rebuild it)"
else
    say "Building $BENCH_DB"
    dropdb --if-exists "$BENCH_DB"
    odoo -d "$BENCH_DB" -i "$(project_addons_csv)" --without-demo=all --stop-after-init --log-level=warn
fi
"$PY" "$ROOT/tests/benchmarks/run.py" -c "$ODOO_CONF" -d "$BENCH_DB" "$@"
