from lxml import etree

from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestQuoteDisplay(CpqCommon):
    """What the quotation shows of what is judged."""

    def test_product_without_cost(self):
        free_cost = self.env["product.product"].create(
            {"name": "Onboarding Workshop", "type": "service", "list_price": 2000.0}
        )
        quote = self._quote([(free_cost, 1), (self.licence, 20, {"discount": 30.0})])
        workshop, licence = quote.order_line
        self.assertEqual(workshop.cpq_margin_note, "no cost")
        self.assertEqual(licence.cpq_margin_note, "42.9%")
        # The workshop's "100%" margin does not lift the quotation's: the licences' 42.86%.
        self.assertAlmostEqual(quote._cpq_margin_percent(), 600 / 1400 * 100, places=2)
        self.assertIn("cannot judge line 1 (Onboarding Workshop): no cost", quote.cpq_margin_note)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("The margin rule cannot judge line 1", quote.approval_reason)

    def test_compact_build_up(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        quote = self._quote([(self.licence, 10, {"discount": 5.0})])
        summary = quote.order_line.cpq_build_up_summary
        self.assertIn("List $", summary)
        self.assertIn("Tier $", summary)
        self.assertIn("Discount $", summary)
        self.assertIn("(5.0%)", summary)
        self.assertIn("Net $", summary)
        self.assertIn("margin 53.2%", summary)

    def test_discount_judged_without_the_discount_option(self):
        self.assertFalse(self.salesman.has_group("sale.group_discount_per_so_line"))
        quote = self._quote([(self.licence, 10)])
        with Form(quote.with_user(self.salesman)) as form, form.order_line.edit(0) as line:
            line.price_unit = 80.0
        self.assertEqual(quote.order_line.cpq_manual_discount, 20.0)
        self.assertEqual(quote.approval_state, "to_approve")
        arch = quote.with_user(self.salesman).get_views([(False, "form")])["views"]["form"]
        column = etree.fromstring(arch["arch"]).xpath(
            "//field[@name='order_line']//list/field[@name='cpq_manual_discount']"
        )
        self.assertEqual(column[0].get("optional"), "show")

    def test_opportunity_counts_current_versions_only(self):
        lead = self.env["crm.lead"].create(
            {"name": "Fleet deal", "type": "opportunity", "partner_id": self.customer.id}
        )
        quote = self._quote([(self.licence, 10)], opportunity_id=lead.id)
        quote.action_quotation_sent()
        revision = self.env["sale.order"].browse(quote.action_cpq_new_revision()["res_id"])
        revision.order_line.product_uom_qty = 12
        self.assertEqual(lead.cpq_quoted_untaxed, 1200.0)
        self.assertEqual(lead.cpq_quoted_total, revision.amount_total)

    def test_numbers_in_messages_are_formatted(self):
        rule = self._tiered_rule(self.licence, "volume", [(10, 90.0), (5, ("%", 2.5))])
        names = rule.cpq_tier_ids.mapped("display_name")
        self.assertIn("From 5: 2.50% off", names)
        self.assertTrue(
            [name for name in names if name.startswith("From 10: $") and "90.00" in name]
        )
        self.assertFalse([name for name in names if ".0:" in name])
        rule.cpq_tier_ids = [Command.create({"min_quantity": 2.5, "percent_discount": 1})]
        self.assertIn("From 2.50: 1.00% off", rule.cpq_tier_ids.mapped("display_name"))
