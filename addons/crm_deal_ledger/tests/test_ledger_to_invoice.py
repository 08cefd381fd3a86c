from odoo.tests import tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerToInvoice(DealLedgerCommon):
    """What is left to invoice of a deal in another currency than the company's is valued at
    the rate of its orders: an order invoiced in full leaves nothing, whatever the rate at
    the invoice date, and what is left is neither hidden nor doubled by a rate change.
    Company in USD; 1 EUR = 2 USD in January, 2.5 in February, 1.25 in March, 3.33 in April."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {
                "name": "2024-04-01",
                "rate": 0.3,
                "currency_id": cls.eur.id,
                "company_id": cls.company_data["company"].id,
            }
        )
        # Ordered 1100 EUR in January (2200 USD), invoiced in full in March (1375 USD).
        cls.full_deal = cls._create_deal("Cold store retrofit")
        cls.full_invoice = cls._post_invoices(
            cls._create_order(cls.full_deal, 1000.0, currency=cls.eur, date="2024-01-10"),
            "2024-03-05",
        )
        # Ordered 1100 EUR in February (2750 USD), 75% invoiced in April: 825 EUR, which the
        # April rate also values at 2750 USD. 275 EUR are left: 687.50 USD at the order's rate.
        cls.partial_deal = cls._create_deal("Fleet telematics")
        cls.partial_order = cls._create_order(
            cls.partial_deal, 1000.0, currency=cls.eur, date="2024-02-02"
        )
        cls.partial_invoice = cls._down_payment(cls.partial_order, 75, "2024-04-05")

    def test_fully_invoiced_foreign_deal_has_nothing_left_to_invoice(self):
        self.assertLedger(
            self.full_deal,
            ordered=1100.0,
            invoiced=1100.0,
            to_invoice=0.0,
            ordered_company=2200.0,
            invoiced_company=1375.0,
            to_invoice_company=0.0,
            # The rate moved between order and invoice: shown apart, not as over-invoicing.
            rate_difference=-825.0,
        )
        self.assertReconcilesWithAccounting(self.full_deal)

    def test_partly_invoiced_foreign_deal_shows_what_is_left(self):
        self.assertEqual(self.partial_invoice.amount_total, 825.0)
        self.assertLedger(
            self.partial_deal,
            ordered=1100.0,
            invoiced=825.0,
            to_invoice=275.0,
            ordered_company=2750.0,
            invoiced_company=2750.0,
            to_invoice_company=687.5,
            rate_difference=687.5,
        )

    def test_report_lists_the_deal_not_fully_invoiced_with_what_is_left(self):
        report = self.env["crm.deal.ledger.line"].with_user(self.accountant)
        deals = (self.full_deal + self.partial_deal).ids
        groups = report.read_group(
            [("lead_id", "in", deals)],
            ["amount_to_invoice:sum", "amount_rate_difference:sum"],
            ["lead_id"],
        )
        self.assertEqual(
            {
                g["lead_id"][0]: (round(g["amount_to_invoice"], 2), g["amount_rate_difference"])
                for g in groups
            },
            {self.full_deal.id: (0.0, -825.0), self.partial_deal.id: (687.5, 687.5)},
        )
        not_fully_invoiced = report.search([("lead_id", "in", deals), ("deal_to_invoice", ">", 0)])
        self.assertEqual(not_fully_invoiced.lead_id, self.partial_deal)
        self.assertEqual(set(not_fully_invoiced.mapped("deal_to_invoice")), {687.5})
        self.assertFalse(
            report.search([("lead_id", "=", self.full_deal.id), ("deal_to_invoice", "!=", 0)])
        )

    def test_credit_note_puts_back_what_it_credits_at_the_order_rate(self):
        # 220 EUR credited in March (275 USD at that date): 220 EUR to invoice again, at
        # the January order's rate (440 USD).
        self._credit_note(self.full_invoice, 200.0, "2024-03-20")
        self.assertLedger(
            self.full_deal,
            invoiced=880.0,
            to_invoice=220.0,
            invoiced_company=1100.0,
            to_invoice_company=440.0,
        )
