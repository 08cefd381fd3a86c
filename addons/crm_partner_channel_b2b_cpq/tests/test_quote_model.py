from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import ChannelQuoteFixtures


@tagged("post_install", "-at_install")
class TestChannelQuote(ChannelQuoteFixtures, TransactionCase):
    # ------------------------------------------------------------------
    # Who creates and works quotes
    # ------------------------------------------------------------------

    def test_owner_and_manager_create_quotes_linked_to_the_deal(self):
        for user in (self.user_a_sales, self.user_a_manager):
            quote = self._new_quote(user).sudo()
            self.assertEqual(quote.opportunity_id, self.lead_a)
            self.assertEqual(quote.partner_id, self.customer)
            self.assertEqual(quote.channel_partner_id, self.partner_a)
            self.assertEqual(quote.channel_user_id, user)
            self.assertEqual(quote.user_id, self.vendor_rep)
            self.assertEqual(quote.team_id, self.team)
            self.assertEqual(quote.cpq_policy_id, self.policy)
            self.assertEqual(quote.channel_issuer, "vendor", "vendor's name by default")
            # no reseller among the followers: the stock portal rule would open the order
            self.assertFalse(quote.message_partner_ids & user.partner_id)

    def test_others_cannot_create_quotes(self):
        cases = [
            (self.user_a_sales2, self.lead_a),  # another salesperson's deal
            (self.user_b_manager, self.lead_a),  # another partner's deal
            (self.user_a_manager, self.lead_b),
            (self.user_a_manager, self.lead_offered),  # offer not accepted
        ]
        count = self.env["sale.order"].search_count([])
        for user, lead in cases:
            with self.subTest(user=user.login, lead=lead.name), self.assertRaises(AccessError):
                lead.with_user(user).action_channel_new_quote()
        self.assertEqual(self.env["sale.order"].search_count([]), count)

    def test_closed_deal_gets_no_quote(self):
        self.lead_a.action_set_lost()
        with self.assertRaises(UserError):
            self.lead_a.with_user(self.user_a_sales).action_channel_new_quote()

    def test_resellers_never_read_the_order_through_the_orm(self):
        quote = self._licence_quote("2")
        with self.assertRaises(AccessError):
            quote.read(["margin", "amount_total"])
        with self.assertRaises(AccessError):
            quote.order_line.read(["purchase_price"])
        self.assertFalse(
            self.env["sale.order"].with_user(self.user_a_sales).search([("id", "=", quote.id)])
        )

    # ------------------------------------------------------------------
    # Prices from the server
    # ------------------------------------------------------------------

    def test_lines_priced_by_cpq_like_the_backend(self):
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.licence.id,
                "compute_price": "fixed",
                "fixed_price": 90.0,
                "cpq_tier_mode": "volume",
                "cpq_tier_ids": [
                    Command.create(
                        {"min_quantity": 10, "compute_price": "fixed", "fixed_price": 80.0}
                    )
                ],
            }
        )
        quote = self._new_quote()
        quote._channel_quote_save(
            {"new": {"product": str(self.licence.id), "qty": "12", "discount": "5"}}
        )
        line = quote.sudo().order_line
        backend = (
            self.env["sale.order"]
            .with_user(self.vendor_rep)
            .create(
                {
                    "partner_id": self.customer.id,
                    "team_id": self.team.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.licence.id, "product_uom_qty": 12, "discount": 5}
                        )
                    ],
                }
            )
        )
        self.assertEqual(line.price_unit, 80.0, "the volume tier of the rule")
        self.assertEqual(line.price_unit, backend.order_line.price_unit)
        self.assertEqual(line.price_subtotal, backend.order_line.price_subtotal)
        self.assertEqual(quote.sudo().amount_tax, backend.amount_tax)
        self.assertTrue(line.cpq_tier_id)

    def test_contract_price_applies(self):
        contract = self.env["cpq.contract"].create(
            {
                "name": "Fabrikam frame contract",
                "date_start": "2020-01-01",
                "partner_id": self.customer.id,
                "currency_id": self.currency.id,
                "line_ids": [
                    Command.create(
                        {"product_tmpl_id": self.licence.product_tmpl_id.id, "price": 70.0}
                    )
                ],
            }
        )
        self.assertTrue(contract)
        quote = self._licence_quote("1")
        line = quote.sudo().order_line
        self.assertEqual(line.cpq_price_source, "contract")
        self.assertEqual(line.price_unit, 70.0)

    # ------------------------------------------------------------------
    # Tampered input changes nothing
    # ------------------------------------------------------------------

    def _tamper(self, quote, lines, error=UserError):
        before = self.snapshot(quote)
        with self.assertRaises(error) as caught, self.env.cr.savepoint():
            quote._channel_quote_save(lines)
        self.assertEqual(self.snapshot(quote), before)
        return str(caught.exception)

    def test_tampered_price_is_refused(self):
        quote = self._licence_quote("1")
        line = quote.sudo().order_line
        message = self._tamper(quote, {str(line.id): {"qty": "1", "price_unit": "1"}})
        self.assertIn("price_unit", message)
        self._tamper(quote, {"new": {"product": self.licence.id, "price_unit": "0.01"}})
        self._tamper(quote, {"new": {"product": self.licence.id, "purchase_price": "0"}})
        self.assertEqual(quote.sudo().order_line.price_unit, 100.0)

    def test_discount_beyond_the_tier_is_refused(self):
        quote = self._licence_quote("1")
        line = quote.sudo().order_line
        message = self._tamper(quote, {str(line.id): {"discount": "25.01"}})
        self.assertIn("25", message)
        for bad in ("-5", "abc", "1e3", "nan", "100"):
            with self.subTest(discount=bad):
                self._tamper(quote, {str(line.id): {"discount": bad}})
        for bad in ("0", "-1", "x", "1000000"):
            with self.subTest(qty=bad):
                self._tamper(quote, {str(line.id): {"qty": bad}})

    def test_product_not_open_to_partners_is_refused(self):
        quote = self._new_quote()
        for product in (self.secret.id, "999999999", "abc", "-3"):
            with self.subTest(product=product):
                message = self._tamper(quote, {"new": {"product": product, "qty": "1"}})
                self.assertIn("catalogue", message)
        other_company = self.env["res.company"].create({"name": "Other Vendor"})
        self.licence.product_tmpl_id.company_id = other_company
        self._tamper(quote, {"new": {"product": self.licence.id, "qty": "1"}})

    def test_options_of_another_product_are_refused(self):
        quote = self._licence_quote("1")
        line = quote.sudo().order_line
        self._tamper(quote, {str(line.id): {"options": [str(self.redundant.id)]}})
        quote._channel_quote_save({"new": {"product": self.server_dual.id, "qty": "1"}})
        server_line = quote.sudo().order_line - line
        self._tamper(
            quote,
            {str(server_line.id): {"options": [str(self.redundant.id), str(self.standard.id)]}},
        )

    def test_another_partners_quote_is_refused(self):
        quote_b = self._licence_quote("1", user=self.user_b_manager, lead=self.lead_b)
        before = self.snapshot(quote_b)
        for user in (self.user_a_manager, self.user_a_sales):
            as_a = quote_b.with_user(user)
            with self.assertRaises(AccessError):
                as_a._channel_quote_save({"new": {"product": self.licence.id, "qty": "5"}})
            with self.assertRaises(AccessError):
                as_a.action_channel_quote_submit()
        self.assertEqual(self.snapshot(quote_b), before)
        # a line of B's quote named in A's form
        quote_a = self._new_quote()
        self._tamper(quote_a, {str(quote_b.sudo().order_line.id): {"qty": "9"}})
        self.assertEqual(self.snapshot(quote_b), before)

    def test_colleague_salesperson_cannot_edit_the_owners_quote(self):
        quote = self._new_quote()
        with self.assertRaises(AccessError):
            quote.with_user(self.user_a_sales2)._channel_quote_save(
                {"new": {"product": self.licence.id, "qty": "1"}}
            )
        # the manager works every deal of the company
        quote.with_user(self.user_a_manager)._channel_quote_save(
            {"new": {"product": self.licence.id, "qty": "1"}}
        )
        self.assertEqual(len(quote.sudo().order_line), 1)

    def test_vendor_staff_cannot_set_reseller_fields(self):
        order = (
            self.env["sale.order"]
            .with_user(self.vendor_rep)
            .create({"partner_id": self.customer.id})
        )
        with self.assertRaises(AccessError):
            order.write({"channel_partner_id": self.partner_a.id})
        with self.assertRaises(AccessError):
            order.write({"channel_submitted": True})

    # ------------------------------------------------------------------
    # Configuration rules, submission, approval
    # ------------------------------------------------------------------

    def _mail_to_the_customer(self, quote):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", quote.id),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )

    def _scorecard_of_partner_a(self):
        return self.env["crm.channel.scorecard"].search(
            [("partner_id", "=", self.partner_a.id), ("company_id", "=", self.company.id)]
        )

    def test_configuration_rule_blocks_submission_until_fixed(self):
        quote = self._new_quote()
        quote._channel_quote_save({"new": {"product": self.server_dual.id, "qty": "1"}})
        line = quote.sudo().order_line
        quote._channel_quote_save({str(line.id): {"options": [str(self.standard.id)]}})
        with self.assertRaises(UserError) as caught:
            quote.action_channel_quote_submit()
        self.assertIn("Dual CPU needs the redundant power supply", str(caught.exception))
        self.assertEqual(quote.sudo().state, "draft")
        quote._channel_quote_save({str(line.id): {"options": [str(self.redundant.id)]}})
        self.assertEqual(line.product_no_variant_attribute_value_ids, self.redundant)
        self.assertEqual(quote.action_channel_quote_submit(), "sent")
        self.assertEqual(quote.sudo().state, "sent")

    def test_within_policy_is_sent_to_the_customer(self):
        quote = self._licence_quote("3", "10")
        self.assertEqual(quote.sudo().approval_state, "not_required")
        self.assertEqual(quote.action_channel_quote_submit(), "sent")
        order = quote.sudo()
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.cpq_status, "sent")
        mail = self._mail_to_the_customer(order)
        self.assertEqual(len(mail), 1)
        self.assertIn(order.access_token, mail.body_html)
        self.assertIn("sam.vendor@example.com", mail.email_from, "vendor's name by default")
        self.assertNotIn("Margin", mail.body_html)
        self.assertNotIn("20%", mail.body_html)
        with self.assertRaises(UserError):
            quote._channel_quote_save({"new": {"product": self.licence.id, "qty": "1"}})

    def test_in_the_resellers_name(self):
        self.company.channel_quote_issuer = "reseller"
        quote = self._new_quote()
        self.assertEqual(quote.sudo().channel_issuer, "reseller")
        quote._channel_quote_save({"new": {"product": self.licence.id, "qty": "1"}})
        quote.action_channel_quote_submit()
        mail = self._mail_to_the_customer(quote)
        self.assertIn("pq_a_sales@partners.example.com", mail.email_from)
        self.assertIn("Northwind Integrators", mail.subject)

    def test_outside_policy_goes_to_the_vendors_approver(self):
        quote = self._licence_quote("3", "15")
        order = quote.sudo()
        self.assertEqual(order.approval_state, "to_approve")
        self.assertEqual(quote.action_channel_quote_submit(), "to_approve")
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.channel_submitted)
        note = quote._channel_quote_status_note()
        self.assertIn("15", note)
        self.assertIn("Channel Sales policy", note)
        activity = order.activity_ids.filtered(lambda act: act.user_id == self.approver)
        self.assertTrue(activity, "the vendor's approver is asked, as for any quote")
        # the vendor's salesperson is not an approver; the approver approves: the quote leaves
        with self.assertRaises(AccessError):
            order.with_user(self.vendor_rep).action_cpq_approve()
        order.with_user(self.approver).action_cpq_approve()
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.cpq_status, "sent")

    def test_rejection_reason_reaches_the_reseller(self):
        quote = self._licence_quote("3", "20")
        quote.action_channel_quote_submit()
        order = quote.sudo()
        order.with_user(self.approver).cpq_reject("Twenty percent is too much for this deal")
        self.assertEqual(order.cpq_status, "rejected")
        self.assertFalse(order.channel_submitted)
        self.assertIn("Twenty percent is too much", quote._channel_quote_status_note())
        with self.assertRaises(UserError):
            quote.action_channel_quote_submit()
        line = order.order_line
        quote._channel_quote_save({str(line.id): {"discount": "8"}})
        self.assertEqual(order.approval_state, "not_required")
        self.assertEqual(quote.action_channel_quote_submit(), "sent")

    def test_customer_accepts_and_the_scorecard_counts(self):
        quote = self._licence_quote("4")
        quote.action_channel_quote_submit()
        order = quote.sudo()
        card = self._scorecard_of_partner_a()
        self.assertEqual(card.quote_count, 1)
        self.assertAlmostEqual(card.quoted_amount, 400.0)
        self.assertAlmostEqual(card.won_quote_amount, 0.0)
        order.action_confirm()
        self.env.invalidate_all()
        card = self._scorecard_of_partner_a()
        self.assertAlmostEqual(card.won_quote_amount, 400.0)
        self.assertEqual(order._channel_quote_status_label(), "Confirmed")

    # ------------------------------------------------------------------
    # Reseller pricing
    # ------------------------------------------------------------------

    def test_reseller_discount_and_margin(self):
        quote = self._licence_quote("10")
        order = quote.sudo()
        self.assertEqual(order.channel_reseller_discount, 20.0)
        self.assertAlmostEqual(order.channel_reseller_margin, 200.0)
        self.assertAlmostEqual(order.channel_reseller_amount, 800.0)

    def test_customer_never_reads_the_resellers_figures(self):
        quote = self._licence_quote("10")
        quote.action_channel_quote_submit()
        order = quote.sudo().with_user(self._customer_portal_user("pq_customer"))
        self.assertEqual(order.read(["amount_total"])[0]["amount_total"], 1210.0)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            order.read(["channel_reseller_margin"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            order.read(["channel_reseller_discount"])

    def test_reseller_never_reads_the_vendors_margin_in_the_reasons(self):
        self.policy.min_margin = 60.0
        quote = self._licence_quote("3", "15")
        order = quote.sudo()
        self.assertEqual(order.approval_state, "to_approve")
        self.assertIn("Margin", order.approval_reason, "the approver reads the margin")
        margin = order._cpq_margin_percent()
        self.assertTrue(margin)
        note = quote._channel_quote_status_note()
        self.assertIn("15", note, "the discount reason stays")
        self.assertIn("The vendor's own pricing rules also ask for an approval.", note)
        self.assertNotIn(f"{margin:.2f}", note)
        self.assertNotIn("Margin", note)
        # a product without cost: CPQ's note saying so is not shown either
        self.licence.standard_price = 0.0
        quote._channel_quote_save({str(order.order_line.id): {"qty": "4"}})
        note = quote._channel_quote_status_note()
        self.assertNotIn("no cost", note)
        self.assertNotIn("cannot judge", note)
