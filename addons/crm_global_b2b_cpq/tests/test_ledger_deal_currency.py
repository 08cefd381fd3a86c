from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.crm_deal_ledger.tests.common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerInDealCurrency(DealLedgerCommon):
    """The deal ledger follows the opportunity's deal currency. Company in USD; 1 EUR = 2 USD in
    January 2024, 2.5 in February, 1.25 in March; 1 USD = 150 JPY in January, 140 from
    February."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.pricelist"].search([("company_id", "=", False)]).action_archive()
        cls.jpy = cls.setup_other_currency(
            "JPY", rates=[("2024-01-01", 150.0), ("2024-02-01", 140.0)]
        )
        cls.pricelist_jpy = cls.env["product.pricelist"].create(
            {"name": "Ledger JPY", "currency_id": cls.jpy.id}
        )

    @classmethod
    def _deal_in(cls, currency, name="Cold store retrofit"):
        deal = cls._create_deal(name)
        deal.deal_currency_id = currency
        return deal

    @classmethod
    def _quote_deal(cls, deal, price, date="2024-01-10", confirm=True, **values):
        """A quotation of `deal` without pricelist (the deal's is used): one service line at
        `price` (+10% tax), confirmed and dated `date`."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": deal.partner_id.id,
                "opportunity_id": deal.id,
                "user_id": deal.user_id.id,
                "team_id": deal.team_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.service.id,
                            "price_unit": price,
                            "tax_id": [Command.set(cls.tax_10.ids)],
                        }
                    )
                ],
                **values,
            }
        )
        if confirm:
            order.action_confirm()
            order.date_order = fields.Datetime.to_datetime(date)
        return order

    def test_euro_deal_quoted_invoiced_and_paid_in_euros(self):
        deal = self._deal_in(self.eur)
        order = self._quote_deal(deal, 1000.0)
        self.assertEqual(order.currency_id, self.eur, "quoted in the deal currency")
        self._quote_deal(deal, 200.0, confirm=False)  # a quotation still open: 220 EUR
        self.assertEqual(deal.ledger_currency_id, self.eur)
        invoice = self._post_invoices(order, "2024-01-15")  # 1100 EUR = 2200 USD
        self._pay(invoice, 1100.0, "2024-02-15")  # worth 2750 USD in February
        self.assertLedger(
            deal,
            ordered=1100.0,
            invoiced=1100.0,
            paid=1100.0,
            outstanding=0.0,
            ordered_company=2200.0,
            invoiced_company=2200.0,
            paid_company=2750.0,
            exchange_difference=550.0,
            outstanding_company=0.0,
        )
        self.assertEqual(deal.ledger_quoted, 220.0)
        self.assertReconcilesWithAccounting(deal)

    def test_documents_in_another_currency_are_converted_at_their_date(self):
        deal = self._deal_in(self.eur)
        order = self._quote_deal(deal, 1000.0, date="2024-02-05")
        invoice = self._post_invoices(order, "2024-02-10")  # 1100 EUR = 2750 USD
        # Paid in dollars in March, when 1100 EUR are worth 1375 USD: a loss.
        payment = self._pay(invoice, 1375.0, "2024-03-10", currency=self.usd)
        self.assertEqual(payment.currency_id, self.usd)
        # A dollar invoice the accountant attached to the euro deal, paid in dollars.
        extra = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            invoice_date="2024-02-20",
            amounts=[500.0],
            taxes=self.tax_10,
            currency=self.usd,
        )
        extra.opportunity_id = deal
        extra.action_post()
        self._pay(extra, 330.0, "2024-03-10")
        # 550 USD in February = 220 EUR; 330 USD of it paid = 132 EUR at the invoice's rate.
        self.assertLedger(
            deal,
            invoiced=1320.0,
            paid=1232.0,
            outstanding=88.0,
            invoiced_company=3300.0,
            paid_company=1705.0,
            exchange_difference=-1375.0,
            outstanding_company=220.0,
        )
        self.assertReconcilesWithAccounting(deal)

    def test_the_deal_currency_decides_over_the_orders(self):
        deal = self._deal_in(self.eur)
        # The sales manager accepted a dollar quotation for this euro deal.
        order = self._quote_deal(deal, 1000.0, confirm=False, pricelist_id=self.pricelist_usd.id)
        order.action_accept_deal_currency_exception()
        order.action_confirm()
        order.date_order = fields.Datetime.to_datetime("2024-01-10")
        # Followed in euros although its only order is in dollars: 1100 USD = 550 EUR.
        self.assertEqual(deal._get_deal_currency(), {deal.id: self.eur})
        self.assertLedger(deal, ordered=550.0, ordered_company=1100.0, to_invoice=550.0)
        # Without a deal currency, the ledger's own rule (the orders' currency) applies.
        deal.deal_currency_id = False
        self.assertEqual(deal._get_deal_currency(), {deal.id: self.usd})
        self.assertLedger(deal, ordered=1100.0, ordered_company=1100.0)

    def test_yen_deal_rounded_to_the_yen(self):
        deal = self._deal_in(self.jpy)
        order = self._quote_deal(deal, 123457.0, date="2024-01-10")
        self.assertEqual(order.currency_id, self.jpy)
        self.assertEqual(order.amount_total, 135803.0, "123457 + 10% tax, to the yen")
        invoice = self._post_invoices(order, "2024-01-15")  # at 150 JPY per USD
        self._pay(invoice, 100000.0, "2024-02-15")  # at 140 JPY per USD
        self.assertLedger(
            deal,
            ordered=135803.0,
            invoiced=135803.0,
            paid=100000.0,
            outstanding=35803.0,
            invoiced_company=905.36,  # 823.05 + 82.31, each line at 150
            paid_company=714.29,
        )
        for figure in ("ordered", "invoiced", "paid", "outstanding", "to_invoice"):
            amount = deal[f"ledger_{figure}"]
            self.assertEqual(amount, int(amount), f"{figure} {amount} is not in whole yen")
        self.assertReconcilesWithAccounting(deal)

    def test_deal_currencies_read_in_one_query(self):
        deals = self.env["crm.lead"]
        for index, currency in enumerate((self.eur, self.jpy, self.usd, self.eur)):
            deals |= self._deal_in(currency, f"Deal {index}")
        undecided = self._deal_in(self.eur, "Yard cameras")
        self._create_order(undecided, 100.0, currency=self.eur, confirm=False)
        undecided.deal_currency_id = False
        deals.invalidate_recordset()
        deals._get_deal_currency()  # warm the caches (record rules) once
        deals.invalidate_recordset()
        with self.assertQueryCount(1):
            currencies = deals._get_deal_currency()
        self.assertEqual(list(currencies.values()), [self.eur, self.jpy, self.usd, self.eur])
        with self.assertQueryCount(0):
            deals._get_deal_currency()
        # A deal without a deal currency is left to the ledger's rule.
        self.assertEqual((deals | undecided)._get_deal_currency()[undecided.id], self.eur)
