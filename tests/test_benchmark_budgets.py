"""CI check of the performance budgets (tests/benchmarks/budgets.py): each benchmark with a met
budget runs at its CI sizes, and a regression of its ratio to stock, of its query count or of
its flatness fails the build.

The machine is shared and noisy: each time is the best of several runs taken in turns with
stock's (see harness._measure), and a ratio over budget is measured twice more before it counts
(the best of the three attempts is kept). Query counts are exact; a count that is not flat
across sizes is measured again too, and fails when no attempt is flat.
"""

import importlib
import pathlib

from odoo.tests import TransactionCase, tagged

from tests.benchmarks import harness
from tests.benchmarks.budgets import BUDGETS, NO_BUDGET, budget_of

BENCH_DIR = pathlib.Path(__file__).resolve().parent / "benchmarks"
TIMED_RUNS = 3  # at least, per size and attempt
ATTEMPTS = 3


def _load_benchmarks():
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        importlib.import_module(f"tests.benchmarks.{path.stem}")
    return {bench_cls.bench_name: bench_cls for bench_cls in harness.REGISTRY}


def check_budget(env, budget, bench_cls, measure=harness.run_benchmark):
    """Problems of one budget at its CI sizes (an empty list when it holds). Only what the table
    says is met is asserted: the ratio of a met budget, and the query parts of any budget whose
    `ci_checks_queries` is set."""
    repeat = max(bench_cls.bench_repeat, TIMED_RUNS)
    results = measure(env, bench_cls, sizes=budget.ci_sizes, repeat=repeat)
    problems = []
    if budget.met or budget.ci_checks_queries:
        for result in results:
            if not result.ours.stable:
                problems.append(
                    f"{budget.benchmark} @ {result.size}: query count varies between runs "
                    f"{result.ours.query_counts}"
                )
            if budget.max_queries is not None and result.ours.queries > budget.max_queries:
                problems.append(
                    f"{budget.benchmark} @ {result.size}: {result.ours.queries} queries "
                    f"(budget {budget.max_queries})"
                )
        counts = [result.ours.queries for result in results]
        attempts = 1
        while budget.flat and len(set(counts)) > 1 and attempts < ATTEMPTS:
            # A cache of the shared database may be filled at one size and not the other
            # (seen once: 29 then 30 queries); growth with the work shows at every attempt.
            again = measure(env, bench_cls, sizes=budget.ci_sizes, repeat=1)
            counts = [result.ours.queries for result in again]
            attempts += 1
        if budget.flat and len(set(counts)) > 1:
            growth = dict(zip(budget.ci_sizes, counts, strict=True))
            problems.append(f"{budget.benchmark}: queries grow with the work {growth}")
        # (where stock's part of the operation grows: our queries beyond its own)
        extras = [
            result.ours.queries - result.baseline.queries
            for result in results
            if budget.flat_beyond_baseline
        ]
        attempts = 1
        while len(set(extras)) > 1 and attempts < ATTEMPTS:
            again = measure(env, bench_cls, sizes=budget.ci_sizes, repeat=1)
            extras = [result.ours.queries - result.baseline.queries for result in again]
            attempts += 1
        if len(set(extras)) > 1:
            growth = dict(zip(budget.ci_sizes, extras, strict=True))
            problems.append(
                f"{budget.benchmark}: queries beyond stock's grow with the work {growth}"
            )
    if budget.met and budget.max_ratio is not None:
        for result in results:
            if budget.ratio_sizes and result.size not in budget.ratio_sizes:
                continue
            ratios = [result.ratio]
            while ratios[-1] > budget.max_ratio and len(ratios) < ATTEMPTS:
                again = measure(env, bench_cls, sizes=(result.size,), repeat=repeat)
                ratios.append(again[0].ratio)
            if min(ratios) > budget.max_ratio:
                attempts = ", ".join(f"{ratio:.2f}x" for ratio in ratios)
                problems.append(
                    f"{budget.benchmark} @ {result.size}: {min(ratios):.2f}x stock "
                    f"(budget {budget.max_ratio}x; attempts {attempts})"
                )
    return problems


@tagged("post_install", "-at_install")
class TestBenchmarkBudgets(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.benchmarks = _load_benchmarks()

    def _assert_budgets(self, *names):
        problems = []
        for name in names:
            budget = budget_of(name)
            self.assertTrue(budget, f"no budget for {name!r} in tests/benchmarks/budgets.py")
            problems += check_budget(self.env, budget, self.benchmarks[name])
        self.assertFalse(problems, "Budgets broken:\n" + "\n".join(problems))

    def test_every_benchmark_is_in_the_table(self):
        self.assertEqual(
            sorted(name for name in self.benchmarks if name not in NO_BUDGET),
            sorted(budget.benchmark for budget in BUDGETS),
            "each benchmark with a budget of issue 19 has one row in budgets.py, and no row "
            "names a benchmark that does not exist",
        )
        for budget in BUDGETS:
            self.assertTrue(budget.ci_sizes, budget.benchmark)
            if not budget.met:
                self.assertTrue(
                    budget.measured, f"{budget.benchmark}: an unmet budget says what was measured"
                )

    def test_ledger(self):
        self._assert_budgets(
            "ledger: one deal's figures", "ledger: accountants' report over won deals"
        )

    def test_global(self):
        self._assert_budgets(
            "global: re-value open opportunities", "global: slot finder over 14 days"
        )

    def test_partner_quotes(self):
        self._assert_budgets(
            "channel x cpq: a reseller's quote priced and saved from the portal form"
        )

    def test_global_cpq(self):
        self._assert_budgets(
            "global x cpq: new quotations in their deal's currency",
            "global x cpq: quotations' total beside the deal amount",
            "global x cpq: ledger's deal currency of many deals",
        )

    def test_local_time_mailing(self):
        self._assert_budgets("global mass mailing: schedule a mailing in local time")

    def test_erasure(self):
        """Met since fix/erase3: its ratio to stock's find and archive (1.5x), its ceiling of
        110 queries and its flatness are asserted."""
        budget = budget_of("gdpr: erasure of a person with 1,000 messages")
        self.assertTrue(budget.met and budget.max_ratio, "the erasure's ratio is asserted")
        self._assert_budgets("gdpr: erasure of a person with 1,000 messages")

    def test_gdpr_residual_scan(self):
        self._assert_budgets("gdpr: residual scan of the text columns")

    def test_cpq_pricing(self):
        self._assert_budgets("cpq: price and save a quote with tiers and contract prices")

    def test_channel_routing(self):
        self._assert_budgets("channel: route leads among 200 partners")

    def test_gdpr_consent_filtering(self):
        self._assert_budgets("gdpr: consent filtering of a mass mailing")

    def test_check_fails_on_a_broken_budget(self):
        """The check itself can fail: a ratio, a ceiling and flatness that do not hold."""

        class Fake:
            bench_repeat = 1
            bench_name = "fake"

        def measure(env, bench_cls, sizes, repeat):
            return [
                harness.Result(
                    "fake",
                    size,
                    harness.Measure(size, 0.3, [size, size]),
                    "stock",
                    harness.Measure(1, 0.1, [1, 1]),
                )
                for size in sizes
            ]

        budget = BUDGETS[0].__class__(
            "fake", sizes=(1, 2), ci_sizes=(1, 2), max_ratio=2.0, flat=True, max_queries=1
        )
        problems = check_budget(self.env, budget, Fake, measure=measure)
        self.assertEqual(len(problems), 1 + 1 + 2, problems)  # ceiling @2, flatness, 2 ratios
        beyond = BUDGETS[0].__class__(
            "fake", sizes=(1, 2), ci_sizes=(1, 2), flat_beyond_baseline=True
        )
        problems = check_budget(self.env, beyond, Fake, measure=measure)
        self.assertEqual(len(problems), 1, problems)  # ours grows (1 -> 2), stock's does not
        self.assertIn("beyond stock's", problems[0])
        unmet = BUDGETS[0].__class__(
            "fake",
            sizes=(1,),
            ci_sizes=(1,),
            max_ratio=2.0,
            met=False,
            ci_checks_queries=False,
            measured="3x",
        )
        self.assertEqual(check_budget(self.env, unmet, Fake, measure=measure), [])
