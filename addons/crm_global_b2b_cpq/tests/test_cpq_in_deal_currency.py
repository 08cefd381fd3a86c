from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import GlobalCpqCommon


@tagged("post_install", "-at_install")
class TestCpqRulesInDealCurrency(GlobalCpqCommon):
    """Tiers, contract prices, approvals and revisions hold on quotations in the deal currency,
    every amount rounded like that currency: yen without decimals, Kuwaiti dinar with three."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": cls.pricelist_jpy.id,
                    "applied_on": "0_product_variant",
                    "product_id": cls.gateway.id,
                    "compute_price": "fixed",
                    "fixed_price": 68000,
                    "cpq_tier_mode": "volume",
                    "cpq_tier_ids": [
                        Command.create(
                            {"min_quantity": 50, "compute_price": "fixed", "fixed_price": 62000}
                        ),
                        Command.create(
                            {"min_quantity": 100, "compute_price": "fixed", "fixed_price": 58000}
                        ),
                    ],
                },
                {
                    "pricelist_id": cls.pricelist_jpy.id,
                    "applied_on": "0_product_variant",
                    "product_id": cls.licence.id,
                    "compute_price": "percentage",
                    "percent_price": 3.0,
                    "cpq_tier_mode": "graduated",
                    "cpq_tier_ids": [
                        Command.create(
                            {
                                "min_quantity": 10,
                                "compute_price": "percentage",
                                "percent_discount": 7.5,
                            }
                        ),
                        Command.create(
                            {
                                "min_quantity": 25,
                                "compute_price": "percentage",
                                "percent_discount": 12.5,
                            }
                        ),
                    ],
                },
            ]
        )

    def assertYen(self, amounts):
        for amount in amounts:
            self.assertEqual(amount, int(amount), f"{amount} is not a whole number of yen")

    def test_yen_deal_tiers_approval_and_revision(self):
        deal = self._deal(self.jpy, self.customer_jp, 7_000_000)
        form = self._new_quotation_form(deal)
        for product, qty in ((self.gateway, 120), (self.licence, 37)):
            with form.order_line.new() as line:
                line.product_id = product
                line.product_uom_qty = qty
        quote = form.save()
        self.assertEqual(quote.currency_id, self.jpy)
        gateway_line, licence_line = quote.order_line
        # Volume tier in yen: all 120 units at the price of the tier reached.
        self.assertEqual(gateway_line.price_unit, 58000)
        self.assertEqual(gateway_line.cpq_tier_id.fixed_price, 58000)
        self.assertEqual(gateway_line.price_subtotal, 6_960_000)
        # Graduated percentages on a price converted from dollars (48 USD = 7200 JPY, -3%).
        self.assertEqual(licence_line.cpq_list_price, 7200)
        self.assertTrue(licence_line.cpq_tier_id)
        for line in quote.order_line:
            self.assertBuildUpAddsUp(line)
            self.assertYen(
                [
                    line.cpq_list_amount,
                    line.cpq_rule_amount,
                    line.cpq_tier_amount,
                    line.cpq_manual_amount,
                    line.price_subtotal,
                ]
            )
        self.assertYen([quote.amount_untaxed, quote.amount_total, quote.margin])
        self.assertEqual(quote.approval_state, "not_required")

        # A discount beyond the team's 10%: approval, whatever the currency.
        quote.with_user(self.salesman).write(
            {"order_line": [Command.update(licence_line.id, {"discount": 15.0})]}
        )
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("at 15.00%", quote.approval_reason)
        self.assertBuildUpAddsUp(licence_line)
        self.assertYen([licence_line.cpq_manual_amount, licence_line.price_subtotal])
        with self.assertRaisesRegex(UserError, "waiting for approval"):
            quote.with_user(self.salesman).action_quotation_sent()
        quote.with_user(self.manager).action_cpq_approve()
        quote.with_user(self.salesman).action_quotation_sent()

        # The next version stays in yen, on the same deal; its approval is asked again (CPQ).
        action = quote.with_user(self.salesman).action_cpq_new_revision()
        revision = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(
            (revision.opportunity_id, revision.pricelist_id, revision.currency_id),
            (deal, self.pricelist_jpy, self.jpy),
        )
        self.assertFalse(revision.deal_currency_mismatch)
        self.assertEqual(revision.amount_untaxed, quote.amount_untaxed)
        self.assertEqual(revision.approval_state, "to_approve")
        self.assertEqual(quote.cpq_status, "superseded")
        self.assertEqual(deal.deal_quote_count, 1)
        self.assertEqual(deal.deal_quoted_amount, revision.amount_untaxed)

    def test_kuwaiti_dinar_deal_contract_prices_and_margin(self):
        # Where prices have three decimals, unit prices carry them too (see CPQ's limits).
        self.env.ref("product.decimal_price").digits = 3
        self.env["cpq.contract"].create(
            {
                "name": "Al Sabah framework agreement",
                "partner_id": self.customer_kw.id,
                "company_id": self.company.id,
                "currency_id": self.usd.id,
                "date_start": "2020-01-01",
                "line_ids": [
                    Command.create(
                        {"product_tmpl_id": self.gateway.product_tmpl_id.id, "price": 433.33}
                    ),
                    Command.create(
                        {"product_tmpl_id": self.support.product_tmpl_id.id, "price": 4500}
                    ),
                ],
            }
        )
        deal = self._deal(self.kwd, self.customer_kw)
        quote = self._quote(deal, [(self.gateway, 7)])
        self.assertEqual(quote.currency_id, self.kwd)
        line = quote.order_line
        # The dollar contract price in dinars: 433.33 x 0.305 = 132.16565.
        self.assertEqual(line.cpq_price_source, "contract")
        self.assertEqual(line.price_unit, 132.166)
        # The amount comes from the exact contract price (CPQ's exact amounts), not from the
        # unit price rounded: 7 x 132.16565 = 925.15955, 925.160 dinars.
        self.assertEqual(line.price_subtotal, self.kwd.round(7 * 433.33 * 0.305))
        self.assertEqual(line.price_subtotal, 925.16)
        self.assertEqual(line.cpq_list_price, 137.25)
        self.assertBuildUpAddsUp(line)
        self.assertEqual(quote.approval_state, "not_required")

        # The margin policy reads the same in dinars: (4500 - 3800) / 4500 = 15.56%.
        support_quote = self._quote(deal, [(self.support, 1)])
        support_line = support_quote.order_line
        self.assertEqual(support_line.price_unit, 1372.5)
        self.assertEqual(support_line.purchase_price, 1159.0)
        self.assertBuildUpAddsUp(support_line)
        self.assertEqual(support_quote.approval_state, "to_approve")
        self.assertIn("Margin 15.56% below the 20.00% minimum", support_quote.approval_reason)
