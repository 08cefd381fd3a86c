"""Runs every benchmark of tests/benchmarks/bench_*.py against one database and prints one table.

    python tests/benchmarks/run.py -c odoo.conf -d crm_bench [-k substring]

Nothing is committed: the whole run happens in one transaction that is rolled back. Exit status 1
when a benchmark breaks one of its budgets (see harness.broken_budgets).
"""

import argparse
import importlib
import os
import pathlib
import sys

# odoo.conf reads ${ODOO_SRC}; the make targets export it, a direct run may not.
os.environ.setdefault("ODOO_SRC", "/opt/odoo")
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import odoo
from odoo.modules.registry import Registry

from tests.benchmarks import harness


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-k", "--keyword", default="", help="run benchmarks whose name has this")
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    for path in sorted(HERE.glob("bench_*.py")):
        importlib.import_module(f"tests.benchmarks.{path.stem}")

    registry = Registry(args.database)
    results, problems = [], []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for bench_cls in harness.REGISTRY:
            if args.keyword not in bench_cls.bench_name:
                continue
            print(f"running {bench_cls.bench_name} at {bench_cls.bench_sizes}...", flush=True)
            bench_results = harness.run_benchmark(env, bench_cls)
            results += bench_results
            problems += harness.broken_budgets(bench_cls, bench_results)
        cr.rollback()

    print()
    print(harness.format_table(results))
    if problems:
        print("\nBudgets broken:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nAll budgets held." if results else "\nNo benchmark ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
