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
from tests.benchmarks.budgets import budget_of


def budget_verdicts(results):
    """[(line, broken)]: each benchmark's budget from the table against what this run measured;
    broken when the table says the budget is met and the run says otherwise."""
    verdicts = []
    names = list(dict.fromkeys(result.name for result in results))
    for name in names:
        budget = budget_of(name)
        if not budget:
            continue
        runs = [result for result in results if result.name == name]
        misses = []
        ratios = [
            r.ratio
            for r in runs
            if r.ratio is not None and (not budget.ratio_sizes or r.size in budget.ratio_sizes)
        ]
        if budget.max_ratio is not None and ratios and max(ratios) > budget.max_ratio:
            misses.append(f"ratio {max(ratios):.2f}x > {budget.max_ratio}x")
        counts = [r.ours.queries for r in runs]
        if budget.flat and len(set(counts)) > 1:
            misses.append(f"queries {counts} not flat")
        extras = [r.ours.queries - r.baseline.queries for r in runs if r.baseline]
        if budget.flat_beyond_baseline and len(set(extras)) > 1:
            misses.append(f"queries beyond stock's {extras} not flat")
        if budget.max_queries is not None and max(counts) > budget.max_queries:
            misses.append(f"{max(counts)} queries > {budget.max_queries}")
        status = "holds" if not misses else "misses: " + "; ".join(misses)
        table = "met" if budget.met else "unmet in the table"
        verdicts.append((f"{name}: {status} ({table})", budget.met and bool(misses)))
    return verdicts


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
    verdicts = budget_verdicts(results)
    if verdicts:
        print("\nBudgets of tests/benchmarks/budgets.py at these sizes:")
        for line, broken in verdicts:
            print(f"  {line}")
            if broken:
                problems.append(line)
    if problems:
        print("\nBudgets broken:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nAll budgets held." if results else "\nNo benchmark ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
