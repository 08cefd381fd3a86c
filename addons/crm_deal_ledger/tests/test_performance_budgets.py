"""Query budgets of the ledger's hot paths, written the stock way (see crm's
test_performances.py): as a real user with their record rules, after a warm-up run, and flat
when the work grows."""

from odoo.tests import tagged, users, warmup

from .common import DealLedgerCommon

LEDGER_FIELDS = [
    "ledger_quoted",
    "ledger_ordered",
    "ledger_invoiced",
    "ledger_paid",
    "ledger_outstanding",
    "ledger_exchange_difference",
]


@tagged("post_install", "-at_install")
class TestLedgerQueryBudgets(DealLedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won_stage = cls.env["crm.stage"].create({"name": "Signed", "is_won": True})
        cls.deal = cls._won_deal("Cold store retrofit")
        cls._paid_order(cls.deal, 1000.0)

    @classmethod
    def _won_deal(cls, name):
        deal = cls._create_deal(name)
        deal.stage_id = cls.won_stage
        return deal

    @classmethod
    def _paid_order(cls, deal, price):
        invoice = cls._post_invoices(cls._create_order(deal, price), "2024-01-15")
        cls._pay(invoice, price / 2, "2024-02-10")

    def _report(self):
        report = self.env["crm.deal.ledger.line"]
        by_month = report.read_group(
            [("is_won", "=", True)],
            ["amount_invoiced:sum", "amount_paid:sum", "amount_outstanding:sum"],
            ["date:month", "user_id"],
            lazy=False,
        )
        by_team = report.read_group(
            [("is_won", "=", True), ("deal_outstanding", ">", 0)],
            ["amount_to_invoice:sum", "amount_outstanding:sum"],
            ["team_id"],
        )
        return by_month, by_team

    @users("ledger_accountant")
    @warmup
    def test_accountants_report(self):
        with self.assertQueryCount(ledger_accountant=11):
            by_month, _by_team = self._report()
        self.assertEqual(sum(group["amount_invoiced"] for group in by_month), 1100.0)
        # ten times the deals: no more queries (fewer: user and rules are now cached)
        for index in range(9):
            self._paid_order(self._won_deal(f"Follow-up {index}").sudo(), 100.0 + index)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(ledger_accountant=6):
            by_month, _by_team = self._report()
        self.assertGreater(sum(group["amount_invoiced"] for group in by_month), 1100.0)

    @users("ledger_salesman")
    @warmup
    def test_one_deals_figures(self):
        deal = self.deal.with_env(self.env)
        with self.assertQueryCount(ledger_salesman=5):
            figures = deal.read(LEDGER_FIELDS)[0]
        self.assertEqual(figures["ledger_invoiced"], 1100.0)
        # five times the documents: no more queries (fewer: the user's rules are cached)
        for index in range(4):
            self._paid_order(self.deal, 100.0 + index)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(ledger_salesman=2):
            figures = deal.read(LEDGER_FIELDS)[0]
        self.assertEqual(figures["ledger_invoiced"], 1100.0 + 4 * 110.0 + 6 * 1.1)
