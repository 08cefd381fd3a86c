from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CpqCommon

GIF_1PX = "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="


@tagged("post_install", "-at_install")
class TestApprovalOnEveryPath(CpqCommon):
    """Each class of path by which a plain salesperson got a quotation outside its policy to the
    customer without an approval. Each test fails without the invariant (see
    `sale_order_policy`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep_env = cls.env(user=cls.salesman)
        cls.SaleOrder = cls.rep_env["sale.order"]

    @contextmanager
    def assertRefused(self, regex="."):
        """Refused by the invariant (ValidationError) or by a button's friendlier message
        (UserError), in a savepoint: nothing of the attempt stays."""
        with self.assertRaises(UserError) as refusal:
            yield refusal
        self.assertRegex(str(refusal.exception), regex)

    def _unapproved(self, discount=40.0):
        quote = self._quote([(self.licence, 20, {"discount": discount}), (self.support, 1)])
        self.assertEqual(quote.approval_state, "to_approve")
        return quote.with_user(self.salesman)

    def _within_policy(self):
        quote = self._quote([(self.licence, 20), (self.support, 1)])
        self.assertEqual(quote.approval_state, "not_required")
        return quote.with_user(self.salesman)

    def _outside_policy_values(self):
        """The values of a quotation outside the policy (10 licences at 50% off), as an RPC
        create sends them."""
        return {
            "partner_id": self.customer.id,
            "pricelist_id": self.pricelist.id,
            "team_id": self.team.id,
            "order_line": [
                Command.create(
                    {"product_id": self.licence.id, "product_uom_qty": 10, "discount": 50.0}
                )
            ],
        }

    # -- The state written directly ---------------------------------------------------------

    def test_state_written_directly(self):
        quote = self._unapproved()
        for state in ("sent", "sale"):
            with self.subTest(state=state), self.assertRefused("outside"):
                quote.write({"state": state})
                quote.env.flush_all()
        self.assertEqual(quote.state, "draft")
        values = self._outside_policy_values()
        with self.assertRefused("outside"):
            self.SaleOrder.create(dict(values, state="sale"))
        with self.assertRefused("outside"):
            self.SaleOrder.with_context(default_state="sent").create(values)

    # -- Approval fields through defaults ------------------------------------------------------

    def test_approval_fields_through_context_defaults(self):
        quote = self.SaleOrder.with_context(
            default_approval_state="approved",
            default_approval_max_discount=100.0,
            default_approval_max_amount=1e9,
            default_approval_min_margin=-100.0,
            default_approval_decided_by_id=self.approver.id,
        ).create(self._outside_policy_values())
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertFalse(quote.approval_decided_by_id)
        with self.assertRefused():
            quote.action_confirm()

    def test_approval_fields_through_personal_defaults(self):
        defaults = self.env["ir.default"]
        for fname, value in (
            ("approval_state", "approved"),
            ("approval_max_discount", 100.0),
            ("approval_min_margin", -100.0),
        ):
            defaults.set("sale.order", fname, value, user_id=self.salesman.id)
        defaults.set("sale.order.line", "cpq_system_price", 1.0, user_id=self.salesman.id)
        quote = self._quote([(self.licence, 10, {"discount": 50.0})])
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertEqual(quote.approval_max_discount, 0.0)
        self.assertEqual(quote.order_line.cpq_system_price, 100.0)
        with self.assertRefused():
            quote.with_user(self.salesman).action_quotation_sent()
        self.assertEqual(quote.state, "draft")

    # -- A line of quote B changed through quote A -------------------------------------------

    def test_line_of_another_quote_changed_through_a_write(self):
        quote_a = self._within_policy()
        quote_b = self._within_policy()
        line_b = quote_b.order_line[0]
        quote_a.write({"order_line": [Command.update(line_b.id, {"discount": 50.0})]})
        self.assertEqual(line_b.order_id, quote_b)
        self.assertEqual(quote_b.approval_state, "to_approve")
        self.assertEqual(quote_a.approval_state, "not_required")
        with self.assertRefused():
            quote_b.action_quotation_sent()

    def test_line_of_a_sent_quote_changed_through_another(self):
        quote_a = self._within_policy()
        quote_b = self._within_policy()
        quote_b.action_quotation_sent()
        line_b = quote_b.order_line[0]
        with self.assertRefused("outside its discount policy"):
            quote_a.write({"order_line": [Command.update(line_b.id, {"discount": 50.0})]})
            quote_a.env.flush_all()

    def test_sent_quote_cannot_go_beyond_its_approval(self):
        quote = self._within_policy()
        quote.action_quotation_sent()
        with self.assertRefused("new revision"):
            quote.order_line[0].discount = 30.0
            quote.env.flush_all()

    # -- Down payments -----------------------------------------------------------------------

    def _down_payment(self, quote):
        wizard = (
            self.rep_env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=quote.ids)
            .create({"advance_payment_method": "percentage", "amount": 10.0})
        )
        return wizard.create_invoices()

    def test_down_payment_invoice_of_an_unapproved_quote(self):
        self.salesman.groups_id += self.env.ref("account.group_account_invoice")
        quote = self._unapproved()
        with self.assertRefused("outside its discount policy"):
            self._down_payment(quote)
        self.assertFalse(quote.invoice_ids)
        quote.with_user(self.approver).action_cpq_approve()
        self._down_payment(quote)
        self.assertTrue(quote.invoice_ids)

    # -- Reports -----------------------------------------------------------------------------

    def test_every_report_on_quotations_is_guarded(self):
        view = self.env["ir.ui.view"].create(
            {
                "name": "another addon's quote report",
                "type": "qweb",
                "key": "crm_b2b_cpq.test_other_quote",
                "arch": '<t t-name="crm_b2b_cpq.test_other_quote">'
                '<t t-foreach="docs" t-as="o"><span t-out="o.name"/></t></t>',
            }
        )
        report = self.env["ir.actions.report"].create(
            {
                "name": "Quote, other layout",
                "model": "sale.order",
                "report_type": "qweb-html",
                "report_name": view.key,
            }
        )
        quote = self._unapproved()
        with self.assertRefused("waiting for approval"):
            self.env["ir.actions.report"].with_user(self.salesman)._render_qweb_html(
                report, quote.ids
            )
        quote.with_user(self.approver).action_cpq_approve()
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(report, quote.ids)
        self.assertIn(quote.name, str(html))

    # -- Discounts the per-line measure does not see ---------------------------------------

    def test_global_discount_wizard(self):
        self.salesman.groups_id += self.env.ref("sale.group_discount_per_so_line")
        self.company.sale_discount_product_id = self.env["product.product"].create(
            {"name": "Discount", "type": "service", "list_price": 0.0, "taxes_id": False}
        )
        quote = self._within_policy()
        wizard = self.rep_env["sale.order.discount"].create(
            {"sale_order_id": quote.id, "discount_type": "so_discount", "discount_percentage": 0.5}
        )
        wizard.action_apply_discount()
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertGreaterEqual(quote.cpq_max_discount, 49.99)
        self.assertIn("as a whole", quote.approval_reason)
        with self.assertRefused():
            quote.action_quotation_sent()

    def test_negative_quantity_line(self):
        quote = self._within_policy()
        quote.write(
            {
                "order_line": [
                    Command.create({"product_id": self.licence.id, "product_uom_qty": -10})
                ]
            }
        )
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertEqual(quote.cpq_discount_amount, 1000.0)
        with self.assertRefused():
            quote.action_quotation_sent()

    def test_line_flagged_as_down_payment(self):
        quote = self._within_policy()
        with self.assertRefused("outside its discount policy"):
            quote.write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.licence.id,
                                "product_uom_qty": 10,
                                "price_unit": -100.0,
                                "is_downpayment": True,
                            }
                        )
                    ]
                }
            )
            quote.env.flush_all()

    def test_discount_on_optional_products(self):
        quote = self._within_policy()
        quote.write(
            {
                "sale_order_option_ids": [
                    Command.create(
                        {
                            "product_id": self.server.id,
                            "quantity": 2,
                            "name": "Edge server",
                            "discount": 45.0,
                        }
                    )
                ]
            }
        )
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("optional product", quote.approval_reason)
        with self.assertRefused():
            quote.action_quotation_sent()

    # -- Sharing -----------------------------------------------------------------------------

    def test_share_wizard_does_not_send_an_unapproved_quote(self):
        quote = self._unapproved()
        share = self.rep_env["portal.share"].with_context(
            active_model="sale.order", active_id=quote.id
        )
        with self.assertRefused("waiting for approval"):
            share.create({"partner_ids": [Command.set(self.customer.ids)]}).action_send_mail()
        quote.with_user(self.approver).action_cpq_approve()
        share.create({"partner_ids": [Command.set(self.customer.ids)]}).action_send_mail()

    # -- The policy is not chosen by the person it judges ------------------------------------

    def test_moving_the_quote_to_a_laxer_team(self):
        self.team.member_ids = self.salesman
        lax_team = self.env["crm.team"].create({"name": "Friendly team"})
        self.env["cpq.discount.policy"].create(
            {"name": "Lax", "team_id": lax_team.id, "max_discount": 60.0, "min_margin": 0.0}
        )
        quote = self._unapproved()
        quote.team_id = lax_team
        self.assertEqual(quote.cpq_policy_id, self.policy)
        self.assertEqual(quote.approval_state, "to_approve")
        with self.assertRefused():
            quote.action_quotation_sent()

    # -- Prices are those valid at confirmation ---------------------------------------------

    def _contract(self, date_start, date_end, price=60):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        return self.env["cpq.contract"].create(
            {
                "name": "Framework agreement",
                "partner_id": self.customer.id,
                "date_start": date_start,
                "date_end": date_end,
                "line_ids": [
                    Command.create(
                        {"product_tmpl_id": self.licence.product_tmpl_id.id, "price": price}
                    )
                ],
            }
        )

    def assertNotConfirmedAtThePricesOfItsDate(self, quote):
        """`quote` shows the contract price of its date (60.00), no longer valid: the button
        refuses it, and a state written directly is refused by the invariant, since the
        confirmation dates the order whatever the path (33% below today's 90.00)."""
        with self.assertRefused("valid on the quotation date, not today"):
            quote.action_confirm()
        with self.assertRefused("outside its discount policy"):
            quote.write({"state": "sale"})
            quote.env.flush_all()

    def test_backdated_quote_does_not_revive_an_expired_contract(self):
        self._contract("2020-01-01", "2020-12-31")
        quote = self._within_policy()
        quote.date_order = "2020-06-15 10:00:00"
        quote.action_update_prices()
        # The quotation shows the prices of its date...
        self.assertEqual(quote.order_line[0].price_unit, 60)
        self.assertTrue(quote.order_line[0].cpq_contract_price_id)
        # ... but they are not today's: not sent, not confirmed with them.
        with self.assertRefused("valid on the quotation date, not today"):
            quote.action_quotation_sent()
        self.assertNotConfirmedAtThePricesOfItsDate(quote)
        self.assertEqual(quote.state, "draft")

    def test_prices_are_those_valid_at_confirmation(self):
        today = fields.Date.today()
        self._contract(today - relativedelta(days=30), today + relativedelta(days=5))
        with freeze_time(today - relativedelta(days=10)):
            quote = self._quote([(self.licence, 10)], user=self.salesman)
            quote.env.flush_all()
        self.assertEqual(quote.order_line.price_unit, 60)
        self.assertEqual(quote.approval_state, "not_required")
        quote = quote.with_user(self.salesman)
        quote.action_quotation_sent()
        with freeze_time(today + relativedelta(days=6)):
            self.assertNotConfirmedAtThePricesOfItsDate(quote)
        self.assertEqual(quote.state, "sent")

    # -- An approval covers an amount too ----------------------------------------------------

    def test_approval_covers_an_amount(self):
        quote = self._quote([(self.licence, 4.8, {"discount": 30.0})])
        self.assertEqual(quote.cpq_discount_amount, 144.0)
        quote.with_user(self.approver).action_cpq_approve()
        self.assertEqual(quote.approval_max_amount, 144.0)
        quote = quote.with_user(self.salesman)
        quote.write(
            {
                "order_line": [
                    Command.create(
                        {"product_id": self.licence.id, "product_uom_qty": 1900, "discount": 30.0}
                    )
                ]
            }
        )
        self.assertEqual(quote.cpq_discount_amount, 57144.0)
        self.assertEqual(quote.approval_state, "to_approve")
        with self.assertRefused():
            quote.action_quotation_sent()

    # -- The invariant is checked at flush, whatever the path --------------------------------

    def test_signed_or_paid_without_approval(self):
        quote = self._unapproved()
        with self.assertRefused("outside its discount policy"):
            quote.sudo().write({"signature": GIF_1PX, "signed_by": "Helen"})
            quote.env.flush_all()
