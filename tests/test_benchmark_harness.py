"""The benchmark harness measures what it claims: stable query counts that follow the work done,
a baseline in the same run, budgets reported, and nothing left behind in the database."""

from odoo.tests import TransactionCase, tagged

from tests.benchmarks import harness


class _PartnerCreate:
    """Ours: one batched create. Baseline: one create per record, as naive code does."""

    def setup(self, env, size):
        return [{"name": f"Bench partner {i}"} for i in range(size)]

    def run(self, env, values):
        env["res.partner"].create(values)

    def baseline(self, env, values):
        for vals in values:
            env["res.partner"].create(vals)

    def check(self, results):
        return [f"{r.size}: {r.ours.queries} queries" for r in results if r.ours.queries > 10**6]


@tagged("post_install", "-at_install")
class TestHarness(TransactionCase):
    def test_counts_queries_and_compares_with_baseline(self):
        bench = harness.benchmark("partner create", sizes=(5, 50), baseline="one by one")(
            type("PartnerCreateBench", (_PartnerCreate,), {})
        )
        harness.REGISTRY.remove(bench)
        partners_before = self.env["res.partner"].search_count([])

        results = harness.run_benchmark(self.env, bench)

        self.assertEqual([r.size for r in results], [5, 50])
        small, large = results
        for result in results:
            self.assertTrue(result.ours.stable, result.ours.query_counts)
            self.assertGreater(result.ours.queries, 0)
            self.assertGreater(result.ours.seconds, 0)
            self.assertIsNotNone(result.ratio)
        # one-by-one creation costs queries per record; the batch grows far less
        self.assertGreater(
            large.baseline.queries - small.baseline.queries, large.ours.queries - small.ours.queries
        )
        self.assertGreaterEqual(large.baseline.queries, 50)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)
        self.assertEqual(harness.broken_budgets(bench, results), [])
        table = harness.format_table(results)
        self.assertIn("partner create", table)
        self.assertIn("one by one", table)

    def test_budget_breaks_are_reported(self):
        bench = harness.benchmark("always over", sizes=(1,))(
            type(
                "OverBudget",
                (_PartnerCreate,),
                {
                    "check": lambda self, results: ["over budget"],
                },
            )
        )
        harness.REGISTRY.remove(bench)
        results = harness.run_benchmark(self.env, bench)
        self.assertEqual(harness.broken_budgets(bench, results), ["over budget"])

    def test_ours_and_baseline_take_turns(self):
        calls = []
        bench = harness.benchmark("turns", sizes=(1,), baseline="stock", repeat=3)(
            type(
                "Turns",
                (),
                {
                    "setup": lambda self, env, size: None,
                    "run": lambda self, env, data: calls.append("ours"),
                    "baseline": lambda self, env, data: calls.append("stock"),
                },
            )
        )
        harness.REGISTRY.remove(bench)
        (result,) = harness.run_benchmark(self.env, bench)
        # one warm-up round, then three measured ones, alternating
        self.assertEqual(calls, ["ours", "stock"] * 4)
        self.assertEqual(len(result.ours.query_counts), 3)
        self.assertEqual(len(result.baseline.query_counts), 3)
