from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestPolicyNotChosenByTheJudged(CpqCommon):
    """A plain salesperson of a strict team hands the quotation to a colleague of a laxer
    team, by every path they have: the strict policy keeps judging it. A sales manager's
    reassignment sets the policy anew."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.member_ids = cls.salesman
        cls.lax_team = cls.env["crm.team"].create(
            {"name": "Friendly team", "member_ids": [Command.set(cls.salesman_2.ids)]}
        )
        cls.lax_policy = cls.env["cpq.discount.policy"].create(
            {
                "name": "Lax",
                "team_id": cls.lax_team.id,
                "max_discount": 60.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(cls.approver.ids)],
            }
        )
        cls.rep_env = cls.env(user=cls.salesman)
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Northwind fleet renewal",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
            }
        )

    def _values(self, **values):
        return {
            "partner_id": self.customer.id,
            "pricelist_id": self.pricelist.id,
            "order_line": [
                Command.create(
                    {"product_id": self.licence.id, "product_uom_qty": 20, "discount": 40.0}
                ),
                Command.create({"product_id": self.support.id, "product_uom_qty": 1}),
            ],
            **values,
        }

    def assertStillStrict(self, quote):
        quote = quote.with_user(self.salesman)
        self.assertEqual(quote.user_id, self.salesman_2)
        self.assertEqual(quote.cpq_policy_id, self.policy)
        self.assertEqual(quote.approval_state, "to_approve")
        with self.assertRaises(UserError):
            quote.action_quotation_sent()
        with self.assertRaises(UserError):
            quote.action_confirm()
        self.assertEqual(quote.state, "draft")

    def test_the_colleague_alone_would_be_judged_by_the_lax_policy(self):
        # The premise of the other tests: the colleague's own quotation is judged laxly.
        quote = self.env["sale.order"].with_user(self.salesman_2).create(self._values())
        self.assertEqual(quote.team_id, self.lax_team)
        self.assertEqual(quote.cpq_policy_id, self.lax_policy)
        self.assertEqual(quote.approval_state, "not_required")

    def test_salesperson_reassigned_by_write(self):
        quote = self.rep_env["sale.order"].create(self._values())
        self.assertEqual(quote.approval_state, "to_approve")
        quote.write({"user_id": self.salesman_2.id})
        self.assertEqual(quote.team_id, self.lax_team)
        self.assertStillStrict(quote)
        # Nor through the team afterwards, nor back and forth.
        quote.write({"team_id": self.lax_team.id, "user_id": self.salesman_2.id})
        self.assertStillStrict(quote)

    def test_created_for_a_colleague(self):
        quote = self.rep_env["sale.order"].create(
            self._values(user_id=self.salesman_2.id, team_id=self.lax_team.id)
        )
        self.assertEqual(quote.team_id, self.lax_team)
        self.assertStillStrict(quote)

    def test_created_with_a_default_salesperson(self):
        quote = (
            self.rep_env["sale.order"]
            .with_context(default_user_id=self.salesman_2.id, default_team_id=self.lax_team.id)
            .create(self._values())
        )
        self.assertStillStrict(quote)

    def test_created_with_a_personal_default(self):
        self.env["ir.default"].set(
            "sale.order", "user_id", self.salesman_2.id, user_id=self.salesman.id
        )
        self.env["ir.default"].set(
            "sale.order", "team_id", self.lax_team.id, user_id=self.salesman.id
        )
        quote = self.rep_env["sale.order"].create(self._values())
        self.assertStillStrict(quote)

    def test_reassigned_in_the_form(self):
        with Form(self.rep_env["sale.order"]) as form:
            form.partner_id = self.customer
            form.user_id = self.salesman_2
            with form.order_line.new() as line:
                line.product_id = self.licence
                line.product_uom_qty = 20
                line.price_unit = 60.0
            with form.order_line.new() as line:
                line.product_id = self.support
        quote = form.record
        self.assertEqual(quote.team_id, self.lax_team)
        self.assertStillStrict(quote)

        quote = self.rep_env["sale.order"].create(self._values())
        with Form(quote) as form:
            form.user_id = self.salesman_2
        self.assertStillStrict(quote)

    def test_through_the_opportunitys_quotations(self):
        lead = self.lead.with_user(self.salesman)
        quote = self.rep_env["sale.order"].create(self._values(opportunity_id=lead.id))
        lead.write({"order_ids": [Command.update(quote.id, {"user_id": self.salesman_2.id})]})
        self.assertStillStrict(quote)
        lead.write({"order_ids": [Command.create(self._values(user_id=self.salesman_2.id))]})
        self.assertStillStrict(lead.order_ids - quote)

    def test_the_colleague_cannot_undo_it_either(self):
        quote = self.rep_env["sale.order"].create(self._values(user_id=self.salesman_2.id))
        colleague_quote = quote.with_user(self.salesman_2)
        colleague_quote.write({"team_id": self.lax_team.id})
        self.assertStillStrict(quote)
        self.assertStillStrict(colleague_quote.copy())
        with self.assertRaises(UserError):
            colleague_quote.write({"cpq_policy_team_ids": [Command.clear()]})

    def test_a_manager_reassigns_with_its_policy(self):
        quote = self.rep_env["sale.order"].create(self._values())
        self.assertEqual(quote.cpq_policy_id, self.policy)
        quote.with_user(self.approver).write({"user_id": self.salesman_2.id})
        self.assertEqual(quote.team_id, self.lax_team)
        self.assertEqual(quote.cpq_policy_id, self.lax_policy)
        self.assertEqual(quote.approval_state, "not_required")

    def test_made_by_a_manager_then_handed_on_by_the_salesperson(self):
        quote = (
            self.env["sale.order"]
            .with_user(self.approver)
            .create(self._values(user_id=self.salesman.id, team_id=self.team.id))
        )
        self.assertEqual(quote.cpq_policy_id, self.policy)
        self.assertFalse(quote.cpq_policy_team_ids)
        quote.with_user(self.salesman).write({"user_id": self.salesman_2.id})
        self.assertStillStrict(quote)
        # Never judged by the laxer policy in between: the approval was never dropped.
        self.assertFalse(
            quote.message_ids.filtered(lambda message: "Back within" in str(message.body))
        )
