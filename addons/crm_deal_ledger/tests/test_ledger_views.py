from lxml import etree

from odoo.tests import tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerViews(DealLedgerCommon):
    """Deal to cash in one chart (every step drawn), a compact list whose rows open their
    document, and exchange differences apart from what is invoiced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Quoted 220 in January; ordered 1100 in January, invoiced in January, paid 600 in
        # February. A EUR deal: 110 EUR ordered in January (220 USD), invoiced in March (137.50
        # USD), paid in March.
        cls.deal = cls._create_deal("Cold store retrofit")
        cls._create_order(cls.deal, 200.0, confirm=False, date="2024-01-05")
        cls.invoice = cls._post_invoices(cls._create_order(cls.deal, 1000.0), "2024-01-15")
        cls._pay(cls.invoice, 600.0, "2024-02-10")
        cls.eur_deal = cls._create_deal("Fleet telematics")
        eur_invoice = cls._post_invoices(
            cls._create_order(cls.eur_deal, 100.0, currency=cls.eur), "2024-03-05"
        )
        cls._pay(eur_invoice, 110.0, "2024-03-20")

    def _report(self):
        return self.env["crm.deal.ledger.line"].with_user(self.accountant)

    def test_deal_to_cash_chart_draws_every_step(self):
        report = self._report()
        graph = etree.fromstring(report.get_views([(False, "graph")])["views"]["graph"]["arch"])
        self.assertEqual(
            [(field.get("name"), field.get("type")) for field in graph.iter("field")],
            [("date", None), ("flow_step", None), ("amount", "measure")],
            "one measure split by step: the chart draws all four",
        )
        groups = report.read_group(
            [("lead_id", "in", (self.deal + self.eur_deal).ids)],
            ["amount:sum"],
            ["date:month", "flow_step"],
            lazy=False,
        )
        self.assertEqual(
            {(g["date:month"], g["flow_step"]): g["amount"] for g in groups if g["flow_step"]},
            {
                ("January 2024", "quoted"): 220.0,
                ("January 2024", "ordered"): 1320.0,
                ("January 2024", "invoiced"): 1100.0,
                ("February 2024", "paid"): 600.0,
                ("March 2024", "invoiced"): 137.5,
                ("March 2024", "paid"): 137.5,
            },
        )
        by_user = report.read_group(
            [("lead_id", "in", self.deal.ids)], ["amount:sum"], ["user_id", "flow_step"], lazy=False
        )
        self.assertEqual(
            {(g["user_id"][0], g["flow_step"]) for g in by_user},
            {(self.salesman.id, step) for step in ("quoted", "ordered", "invoiced", "paid")},
        )
        action = self.env.ref("crm_deal_ledger.crm_deal_ledger_line_action_deal_to_cash")
        self.assertTrue(action.view_mode.startswith("graph"))

    def test_compact_list_opens_documents(self):
        arch = etree.fromstring(
            self._report().get_views([(False, "list")])["views"]["list"]["arch"]
        )
        self.assertEqual((arch.get("action"), arch.get("type")), ("action_open_document", "object"))
        shown = [
            field.get("name")
            for field in arch.iter("field")
            if field.get("optional") in (None, "show")
            and field.get("column_invisible") not in ("True", "1")
        ]
        self.assertLessEqual(len(shown), 10, shown)
        self.assertIn("amount_exchange_difference", shown)
        self.assertIn("amount_rate_difference", shown)
        for field in arch.iter("field"):
            label = field.get("string") or self._report()._fields[field.get("name")].string
            self.assertLessEqual(len(label), 14, f"header {label!r} is cut in a narrow column")

    def test_exchange_differences_apart_from_invoicing(self):
        # The EUR deal: invoiced in full at another rate than ordered. Nothing left to invoice,
        # nothing over-invoiced: the rate difference says why the company amounts differ.
        self.assertLedger(
            self.eur_deal,
            ordered_company=220.0,
            invoiced_company=137.5,
            to_invoice_company=0.0,
            rate_difference=-82.5,
            outstanding_company=0.0,
        )
        entries = self._report().search([("lead_id", "=", self.eur_deal.id)])
        invoice_entry = entries.filtered(lambda entry: entry.kind == "invoice")
        self.assertEqual(
            (invoice_entry.amount_to_invoice, invoice_entry.amount_rate_difference),
            (-220.0, -82.5),
        )
        self.assertEqual(sum(entries.mapped("amount_to_invoice")), 0.0)
