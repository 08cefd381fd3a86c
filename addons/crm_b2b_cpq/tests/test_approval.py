from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import CpqCommon

ACTIVITY = "crm_b2b_cpq.mail_activity_type_cpq_approval"


@tagged("post_install", "-at_install")
class TestApproval(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver_2 = new_test_user(
            cls.env,
            login="cpq_approver2",
            name="Bruno Backup",
            groups="sales_team.group_sale_manager",
        )
        cls.policy.approver_ids = [Command.set((cls.approver | cls.approver_2).ids)]

    def _discounted_quote(self, discount, user=None):
        quote = self._quote(
            [(self.licence, 20, {"discount": discount}), (self.support, 1)], user=user
        )
        return quote

    def _low_margin_quote(self):
        """Two servers at 3,600.00 by the price list, no manual discount: a margin of 600 / 3600
        = 16.67%, under the policy's 20% minimum."""
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": self.server.id,
                "compute_price": "fixed",
                "fixed_price": 3600.0,
            }
        )
        return self._quote([(self.server, 2)])

    def _approval_activities(self, quote):
        return quote.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(ACTIVITY)
        )

    # -- Entering approval ---------------------------------------------------------------------

    def test_policy_boundary(self):
        self.assertEqual(self._discounted_quote(10.0).approval_state, "not_required")
        quote = self._discounted_quote(10.01)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertEqual(quote.cpq_status, "to_approve")

    def test_outside_policy_asks_the_approvers(self):
        quote = self._discounted_quote(15.0)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("line 1 (Fleet Analytics Licence)", quote.approval_reason)
        self.assertIn("at 15.00%", quote.approval_reason)
        self.assertEqual(quote.approval_requested_by_id, self.salesman)
        activities = self._approval_activities(quote)
        self.assertEqual(activities.user_id, self.approver | self.approver_2)
        self.assertTrue(
            quote.message_ids.filtered(lambda m: "approval requested" in (m.body or ""))
        )

    def test_low_margin_asks_for_approval(self):
        quote = self._low_margin_quote()
        # No manual discount at all: the margin (600 / 3600 = 16.7%) is what is outside.
        self.assertEqual(quote.cpq_max_discount, 0)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("Margin 16.67% below the 20.00% minimum", quote.approval_reason)

    def test_lowering_the_cost_does_not_bring_a_quote_within_policy(self):
        quote = self._low_margin_quote()
        self.assertEqual(quote.approval_state, "to_approve")
        # sale_margin lets the cost be edited on the line; the policy keeps the product's.
        quote.order_line.with_user(self.salesman).purchase_price = 1000.0
        self.assertGreater(quote.margin_percent, 0.5)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("Margin 16.67%", quote.approval_reason)

    def test_empty_quote_needs_no_approval(self):
        quote = self._quote([])
        self.assertEqual(quote.approval_state, "not_required")

    def _archive_company_defaults(self):
        # Whatever company-wide policies the database holds (demo data...), start without them.
        self.env["cpq.discount.policy"].search([("team_id", "=", False)]).active = False

    def test_company_policy_when_the_team_has_none(self):
        self._archive_company_defaults()
        other_team = self.env["crm.team"].create({"name": "Mid-Market"})
        company_policy = self.env["cpq.discount.policy"].create(
            {
                "name": "Company default",
                "max_discount": 30.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(self.approver.ids)],
            }
        )
        quote = self._discounted_quote(20.0)
        # Moved by a sales manager: the policy follows the team (a salesperson's own move
        # loosens nothing, see test_policy_binding).
        quote = quote.with_user(self.approver)
        quote.team_id = other_team
        self.assertEqual(quote.cpq_policy_id, company_policy)
        self.assertEqual(quote.approval_state, "not_required")
        quote.team_id = self.team
        self.assertEqual(quote.cpq_policy_id, self.policy)
        self.assertEqual(quote.approval_state, "to_approve")
        with self.assertRaisesRegex(ValidationError, "already has an active discount policy"):
            self.env["cpq.discount.policy"].create({"name": "Second default"})

    def test_policy_of_another_company_does_not_apply(self):
        self._archive_company_defaults()
        other_company = self.env["res.company"].create({"name": "Northwind Supplier BV"})
        self.env["cpq.discount.policy"].create(
            {"name": "Strict elsewhere", "company_id": other_company.id, "max_discount": 0}
        )
        quote = self._discounted_quote(5.0).with_user(self.approver)
        quote.team_id = self.env["crm.team"].create({"name": "No policy team"})
        self.assertFalse(quote.cpq_policy_id)
        self.assertEqual(quote.approval_state, "not_required")

    def test_tightened_policy_applies_when_sending(self):
        quote = self._discounted_quote(8.0)
        self.assertEqual(quote.approval_state, "not_required")
        self.policy.max_discount = 5.0
        with self.assertRaisesRegex(UserError, "waiting for approval"):
            quote.action_quotation_send()
        self.assertEqual(quote.approval_state, "to_approve")

    # -- Blocked until approved -----------------------------------------------------------------

    def test_blocked_until_approved(self):
        quote = self._discounted_quote(20.0)
        blocked = [
            ("send", quote.action_quotation_send),
            ("mark sent", quote.action_quotation_sent),
            (
                "send through the composer",
                lambda: quote.with_context(mark_so_as_sent=True).message_post(body="Quote"),
            ),
            ("confirm", quote.action_confirm),
            (
                "print",
                lambda: self.env["ir.actions.report"]._render_qweb_pdf(
                    "sale.action_report_saleorder", quote.ids
                ),
            ),
            ("pay", lambda: self._payment_transaction(quote)),
        ]
        for name, action in blocked:
            with (
                self.subTest(action=name),
                self.assertRaisesRegex((UserError, ValidationError), "waiting for approval"),
            ):
                action()
        quote.require_signature = True
        self.assertFalse(quote._has_to_be_signed())
        quote.require_payment = True
        self.assertFalse(quote._has_to_be_paid())
        self.assertEqual(quote.state, "draft")

        quote.with_user(self.approver).action_cpq_approve()
        self.assertTrue(quote._has_to_be_signed())
        html, _fmt = self.env["ir.actions.report"]._render_qweb_pdf(
            "sale.action_report_saleorder", quote.ids
        )
        self.assertIn(quote.name, str(html))
        quote.action_quotation_sent()
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")

    # -- Deciding --------------------------------------------------------------------------------

    def test_approve(self):
        quote = self._discounted_quote(20.0)
        self.assertTrue(quote.with_user(self.approver).cpq_can_approve)
        self.assertFalse(quote.with_user(self.salesman).cpq_can_approve)
        quote.with_user(self.approver).action_cpq_approve()
        self.assertEqual(quote.approval_state, "approved")
        self.assertEqual(quote.cpq_status, "approved")
        self.assertEqual(quote.approval_decided_by_id, self.approver)
        self.assertEqual(quote.approval_max_discount, 20.0)
        self.assertAlmostEqual(quote.approval_min_margin, quote.margin_percent * 100, places=2)
        self.assertFalse(self._approval_activities(quote))
        done = quote.message_ids.filtered(lambda m: "Approved by Alma Approver" in (m.body or ""))
        self.assertTrue(done)

    def test_salesperson_cannot_approve_own_quote(self):
        self.policy.approver_ids += self.salesman
        quote = self._discounted_quote(20.0)
        self.assertNotIn(self.salesman, quote._cpq_approvers())
        with self.assertRaisesRegex(AccessError, "you are its salesperson"):
            quote.with_user(self.salesman).action_cpq_approve()
        self.assertEqual(quote.approval_state, "to_approve")
        # An approver who sells: another approver decides.
        own = self._discounted_quote(20.0, user=self.approver)
        with self.assertRaises(AccessError):
            own.with_user(self.approver).action_cpq_approve()
        own.with_user(self.approver_2).action_cpq_approve()
        self.assertEqual(own.approval_state, "approved")

    def test_user_who_made_the_change_cannot_approve_it(self):
        quote = self._discounted_quote(5.0)
        quote.order_line[0].with_user(self.approver).write({"discount": 25.0})
        self.assertEqual(quote.approval_requested_by_id, self.approver)
        with self.assertRaises(AccessError):
            quote.with_user(self.approver).action_cpq_approve()
        quote.with_user(self.approver_2).action_cpq_approve()
        self.assertEqual(quote.approval_state, "approved")

    def test_non_approver_cannot_decide(self):
        quote = self._discounted_quote(20.0)
        with self.assertRaisesRegex(AccessError, "Only the approvers"):
            quote.with_user(self.salesman_2).action_cpq_approve()
        with self.assertRaises(AccessError):
            quote.with_user(self.salesman_2).cpq_reject("No")
        self.assertEqual(quote.approval_state, "to_approve")

    def test_team_leader_approves_when_the_policy_names_nobody(self):
        self.policy.approver_ids = False
        quote = self._discounted_quote(20.0)
        self.assertEqual(quote._cpq_approvers(), self.approver)
        self.assertEqual(self._approval_activities(quote).user_id, self.approver)
        own = self._discounted_quote(20.0, user=self.approver)
        self.assertFalse(own._cpq_approvers())
        self.assertTrue(own.message_ids.filtered(lambda m: "Nobody can approve" in (m.body or "")))

    def test_reject_with_a_reason(self):
        quote = self._discounted_quote(20.0)
        action = quote.with_user(self.approver).action_cpq_reject()
        wizard = Form(
            self.env[action["res_model"]].with_user(self.approver).with_context(**action["context"])
        )
        with self.assertRaises(AssertionError):
            wizard.save()  # the reason is required
        with self.assertRaisesRegex(UserError, "Say why"):
            quote.with_user(self.approver).cpq_reject("   ")
        wizard.reason = "20% is beyond what we grant for a one-year deal; 12% is acceptable."
        wizard.save().action_reject()
        self.assertEqual(quote.approval_state, "rejected")
        self.assertEqual(quote.cpq_status, "rejected")
        self.assertIn("12% is acceptable", quote.approval_rejection_reason)
        self.assertFalse(self._approval_activities(quote))
        rejected_msg = quote.message_ids.filtered(lambda m: "Rejected by" in (m.body or ""))
        self.assertIn(self.salesman.partner_id, rejected_msg.partner_ids)
        with self.assertRaisesRegex(UserError, "was rejected"):
            quote.action_quotation_send()
        # A change that does not touch the figures keeps the rejection...
        quote.client_order_ref = "PO-7731"
        quote.order_line[1].name = "Premium Support, 24/7"
        self.assertEqual(quote.approval_state, "rejected")
        # ... a new proposal asks again.
        quote.order_line[0].discount = 12.0
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertTrue(self._approval_activities(quote))

    def test_back_within_policy(self):
        quote = self._discounted_quote(20.0)
        quote.order_line[0].discount = 5.0
        self.assertEqual(quote.approval_state, "not_required")
        self.assertFalse(quote.approval_reason)
        self.assertFalse(self._approval_activities(quote))

    # -- No bypass -----------------------------------------------------------------------------

    def test_approval_fields_cannot_be_written(self):
        quote = self._discounted_quote(20.0)
        for values in (
            {"approval_state": "approved"},
            {"approval_max_discount": 50.0},
            {"approval_min_margin": 0.0},
            {"approval_decided_by_id": self.approver.id},
            {"approval_requested_by_id": self.salesman_2.id},
            {"cpq_max_discount": 0.0},
            {"cpq_expired": True},
        ):
            for user in (self.salesman, self.approver):
                with self.subTest(values=values, user=user.login), self.assertRaises(AccessError):
                    quote.with_user(user).write(values)
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "approval_state": "approved",
                    "approval_max_discount": 100,
                }
            )
        self.assertEqual(quote.approval_state, "to_approve")

    def test_copy_does_not_inherit_the_approval(self):
        quote = self._discounted_quote(20.0)
        quote.with_user(self.approver).action_cpq_approve()
        duplicate = quote.with_user(self.salesman).copy()
        self.assertEqual(duplicate.approval_state, "to_approve")
        self.assertFalse(duplicate.approval_decided_by_id)
        self.assertEqual(duplicate.approval_max_discount, 0)
        self.assertEqual(duplicate.approval_requested_by_id, self.salesman)

    def test_revision_does_not_inherit_the_approval(self):
        quote = self._discounted_quote(20.0)
        quote.with_user(self.approver).action_cpq_approve()
        quote.action_quotation_sent()
        revision = self.env["sale.order"].browse(quote.action_cpq_new_revision()["res_id"])
        self.assertEqual(revision.approval_state, "to_approve")

    def test_changes_within_the_approval_keep_it(self):
        quote = self._discounted_quote(20.0)
        quote.with_user(self.approver).action_cpq_approve()
        # Approved: 20% on 20 licences, 400.00 of discount.
        self.assertEqual(quote.approval_max_amount, 400.0)
        line = quote.order_line[0].with_user(self.salesman)
        line.discount = 15.0
        self.assertEqual(quote.approval_state, "approved")
        line.product_uom_qty = 25
        self.assertEqual(quote.approval_state, "approved")
        quote.with_user(self.salesman).write(
            {"order_line": [Command.create({"product_id": self.support.id, "discount": 2.0})]}
        )
        self.assertEqual(quote.approval_state, "approved")
        line.product_uom_qty = 20
        line.discount = 20.0
        self.assertEqual(quote.cpq_discount_amount, 424.0)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("withdrawn", quote.message_ids[0].body)

    def test_changes_further_out_withdraw_it(self):
        quote = self._discounted_quote(20.0)
        quote.with_user(self.approver).action_cpq_approve()
        quote.order_line[0].with_user(self.salesman).discount = 20.5
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertFalse(quote.approval_decided_by_id)
        self.assertTrue(self._approval_activities(quote))
        self.assertTrue(quote.message_ids.filtered(lambda m: "withdrawn" in (m.body or "")))
        with self.assertRaises(UserError):
            quote.action_quotation_sent()

    def test_manual_price_counts_as_discount(self):
        quote = self._discounted_quote(20.0)
        quote.with_user(self.approver).action_cpq_approve()
        # Same 20% on the line, but the unit price lowered too: further out.
        quote.order_line[0].with_user(self.salesman).price_unit = 95.0
        self.assertEqual(quote.approval_state, "to_approve")

    def test_margin_falling_below_the_approved_margin_withdraws_it(self):
        quote = self._low_margin_quote()
        self.assertEqual(quote.approval_state, "to_approve")
        quote.with_user(self.approver).action_cpq_approve()
        approved_margin = quote.approval_min_margin
        self.assertLess(approved_margin, 20.0)
        # More of the same keeps the margin: the approval holds.
        quote.order_line[0].with_user(self.salesman).product_uom_qty = 3
        self.assertEqual(quote.approval_state, "approved")
        # The line's cost is editable: a higher cost lowers the margin under what was approved.
        quote.order_line[0].with_user(self.salesman).purchase_price = 3200.0
        self.assertLess(quote.margin_percent * 100, approved_margin)
        self.assertEqual(quote.approval_state, "to_approve")
