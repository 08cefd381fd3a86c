from odoo.tests import HttpCase, tagged

from .common import GlobalCpqCommon


@tagged("post_install", "-at_install")
class TestQuoteTour(GlobalCpqCommon, HttpCase):
    """In the browser: the opportunity's New Quotation button opens a quotation in yen."""

    def test_new_quotation_in_the_browser(self):
        self.salesman.password = "gc_rep_password"
        deal = self._deal(self.jpy, self.customer_jp, 9_000_000)
        self.start_tour(
            f"/odoo/crm.lead/{deal.id}", "crm_global_b2b_cpq_quote_tour", login="gc_rep"
        )
        quote = deal.order_ids
        self.assertEqual(len(quote), 1)
        self.assertEqual((quote.pricelist_id, quote.currency_id), (self.pricelist_jpy, self.jpy))
        self.assertEqual(quote.amount_untaxed, 67500)
        self.assertEqual(deal.deal_quoted_amount, 67500)
