from odoo.tests import tagged

from .common import GlobalCpqCommon


@tagged("post_install", "-at_install")
class TestInstallAlignment(GlobalCpqCommon):
    """Installing the bridge: deals quoted before quotations followed the deal currency take
    the currency their documents share (the install hook runs this method)."""

    def _deal_quoted_before_the_bridge(self, lines_by_state, deal_currency=None, amount=0.0):
        """A deal in `deal_currency` (default: the company's) with orders in other currencies,
        as they were made before quotations followed the deal currency."""
        deal = self._deal(self.eur, self.customer_de)
        for state, pricelist in lines_by_state:
            order = self._quote(deal, [(self.support, 1)], pricelist_id=pricelist.id)
            if state == "sale":
                order.action_confirm()
            elif state == "cancel":
                order.action_cancel()
        deal.write({"deal_currency_id": (deal_currency or self.usd).id, "deal_amount": amount})
        return deal

    def test_deals_take_the_currency_of_their_documents(self):
        eur_list = self._pricelist("Euro deals", self.eur, sequence=0)
        # Quoted and ordered in euros, entered in dollars without an amount.
        ordered = self._deal_quoted_before_the_bridge([("draft", eur_list), ("sale", eur_list)])
        # Quoted in euros, 18 000 USD entered: converted at today's rate (0.9 EUR per USD).
        quoted = self._deal_quoted_before_the_bridge([("sent", eur_list)], amount=18_000)
        # Mixed currencies: the deal keeps its own.
        mixed = self._deal_quoted_before_the_bridge(
            [("draft", eur_list), ("draft", self.pricelist_usd)]
        )
        # Only cancelled euro documents: nothing to follow.
        cancelled = self._deal_quoted_before_the_bridge([("cancel", eur_list)])
        in_line = self._deal_quoted_before_the_bridge([("draft", eur_list)], self.eur, 500)

        self.env.cr.flush()  # the deals exist before the install (chatter tracking)
        aligned = self.env["crm.lead"]._deal_currency_align_with_orders()

        self.assertEqual(
            aligned & (ordered | quoted | mixed | cancelled | in_line), ordered | quoted
        )
        self.assertEqual(ordered.deal_currency_id, self.eur)
        # Its confirmed order raises the amount, as it would have with the bridge installed.
        self.assertEqual(ordered.deal_amount, self.eur.round(9500 * 0.9))
        self.assertEqual((quoted.deal_currency_id, quoted.deal_amount), (self.eur, 16_200))
        self.assertEqual(quoted.expected_revenue, 18_000, "the value in company currency stays")
        self.assertEqual(mixed.deal_currency_id, self.usd)
        self.assertEqual(cancelled.deal_currency_id, self.usd)
        self.assertEqual((in_line.deal_currency_id, in_line.deal_amount), (self.eur, 500))
        self.env.cr.flush()  # tracking messages are written before commit
        self.env.invalidate_all()
        self.assertIn("Deal currency aligned", quoted.message_ids[0].body)
        # Their quotations can now be sent: they are in the deal currency.
        self.assertFalse(quoted.order_ids.deal_currency_mismatch)
        # Running it again changes nothing.
        self.assertFalse(
            self.env["crm.lead"]._deal_currency_align_with_orders()
            & (ordered | quoted | mixed | cancelled | in_line)
        )
