from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import GlobalCpqCommon


@tagged("post_install", "-at_install")
class TestDealAmountAndQuotes(GlobalCpqCommon):
    """The opportunity shows its current quotations' total in the deal currency next to the
    deal amount; the salesperson's amount changes only on their request, or when a confirmed
    order in the deal currency goes beyond it (stock's rule, now in the deal currency)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal = cls._deal(cls.jpy, cls.customer_jp, 7_000_000)
        cls.env.cr.flush()  # the deal exists before the tests change it (chatter tracking)

    def test_current_quotations_total_in_the_deal_currency(self):
        self.assertEqual((self.deal.deal_quote_count, self.deal.deal_quoted_amount), (0, 0))
        self.assertFalse(self.deal.deal_quoted_differs)
        draft = self._quote(self.deal, [(self.gateway, 2)])  # 2 x 67500 JPY
        sent = self._quote(self.deal, [(self.licence, 10)])  # 10 x 7200 JPY
        sent.action_quotation_sent()
        # Its new revision supersedes (cancels) it: counted once.
        revision = self.env["sale.order"].browse(sent.action_cpq_new_revision()["res_id"])
        self.assertEqual(revision.amount_untaxed, 72000)
        # A dollar quotation a sales manager accepted: converted at its date (150 JPY).
        in_usd = self._quote(self.deal, [(self.support, 1)], pricelist_id=self.pricelist_usd.id)
        in_usd.with_user(self.manager).action_accept_deal_currency_exception()
        cancelled = self._quote(self.deal, [(self.support, 3)])
        cancelled.action_cancel()
        confirmed = self._quote(self.deal, [(self.support, 2)])
        confirmed.action_confirm()
        self.deal.invalidate_recordset()
        self.assertEqual(self.deal.deal_quote_count, 3)
        self.assertEqual(self.deal.deal_quoted_amount, 135000 + 72000 + 1425000)
        self.assertTrue(self.deal.deal_quoted_differs)
        self.assertEqual(draft.currency_id, self.jpy)

    def test_salesperson_takes_the_quotations_total(self):
        self._quote(self.deal, [(self.gateway, 100)])  # 6 750 000 JPY
        deal = self.deal.with_user(self.salesman)
        self.assertTrue(deal.deal_quoted_differs)
        deal.action_set_deal_amount_from_quotes()
        self.assertEqual(deal.deal_amount, 6_750_000)
        self.assertEqual(deal.expected_revenue, 45_000, "6 750 000 JPY at 150 per USD")
        self.assertFalse(deal.deal_quoted_differs)
        self.env.cr.flush()  # tracking messages are written before commit
        self.env.invalidate_all()
        self.assertIn(
            "Expected revenue set to the total of the current quotations.",
            deal.message_ids[0].body,
        )

    def test_nothing_to_take_without_quotations(self):
        other = self._deal(self.jpy, self.customer_jp, 1_000_000)
        self._quote(self.deal, [(self.gateway, 1)])
        with self.assertRaisesRegex(UserError, "has no current quotation"):
            (self.deal | other).action_set_deal_amount_from_quotes()
        self.assertEqual(self.deal.deal_amount, 7_000_000, "nothing half-done")

    def test_form_compares_as_the_amount_is_typed(self):
        self._quote(self.deal, [(self.gateway, 100)])
        form = Form(self.deal.with_user(self.salesman))
        self.assertTrue(form.deal_quoted_differs)
        form.deal_amount = 6_750_000
        self.assertFalse(form.deal_quoted_differs)
        self.assertEqual(form.deal_quoted_amount, 6_750_000)

    def test_total_includes_quotations_the_salesperson_cannot_open(self):
        own_only = new_test_user(
            self.env,
            login="gc_own_rep",
            name="Yuki Own",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        self.deal.user_id = own_only
        self._quote(self.deal, [(self.gateway, 1)], user=self.manager)
        deal = self.deal.with_user(own_only)
        self.assertFalse(deal.order_ids.with_user(own_only)._filtered_access("read"))
        self.assertEqual(deal.deal_quoted_amount, 67500)

    def test_confirmed_order_in_the_deal_currency_raises_the_deal_amount(self):
        deal = self._deal(self.jpy, self.customer_jp, 100_000)
        small = self._quote(deal, [(self.licence, 1)])  # 7200 JPY
        big = self._quote(deal, [(self.gateway, 3)])  # 202 500 JPY
        big.action_confirm()
        self.assertEqual(deal.deal_amount, 202_500)
        small.action_confirm()
        self.assertEqual(deal.deal_amount, 202_500, "never lowered")

    def test_confirmed_order_in_company_currency_follows_stock(self):
        deal = self._deal(self.jpy, self.customer_jp, 15_000)  # 100 USD
        order = self._quote(deal, [(self.support, 1)], pricelist_id=self.pricelist_usd.id)
        order.with_user(self.manager).action_accept_deal_currency_exception()
        order.action_confirm()
        # Stock raises the company-currency amount; the deal keeps its currency.
        self.assertEqual(deal.expected_revenue, 9500)
        self.assertEqual((deal.deal_currency_id, deal.deal_amount), (self.jpy, 1_425_000))

    def test_totals_of_many_deals_in_constant_queries(self):
        deals = self.env["crm.lead"]
        for index in range(6):
            deal = self._deal(self.jpy, self.customer_jp, 1000 * index)
            self._quote(deal, [(self.gateway, 1)])
            deals |= deal
        deals.mapped("deal_quoted_amount")  # warm the caches (rules, currencies) once
        for size in (2, 6):
            self.env.invalidate_all()
            with self.assertQueryCount(3):
                totals = self.env["crm.lead"].browse(deals[:size].ids).mapped("deal_quoted_amount")
            self.assertEqual(totals, [67500] * size)
