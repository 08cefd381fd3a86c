from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CpqCommon

QUOTES = st.integers(min_value=0, max_value=2)
DISCOUNTS = st.sampled_from([0.0, 5.0, 10.0, 10.01, 25.0, 60.0, 100.0])
QUANTITIES = st.sampled_from([-10.0, 0.0, 1.0, 4.8, 20.0, 500.0])
# Deterministic and bounded, for CI: the same examples on every run, no shrinking (a failure
# prints its steps as they came).
PROPERTY_SETTINGS = settings(
    max_examples=8,
    phases=(Phase.explicit, Phase.generate),
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class Salesperson(RuleBasedStateMachine):
    """The salesperson's moves; `case` is the test running them."""

    case = None

    def __init__(self):
        super().__init__()
        case, rep = self.case, self.case.rep_env
        self.refused = 0
        self.quotes = [
            case._quote([(case.licence, 20), (case.support, 1)]).with_env(rep)
            for _index in range(3)
        ]

    def _attempt(self, action):
        try:
            with self.case.env.cr.savepoint():
                action()
                self.case.env.flush_all()
        except (UserError, AccessError):
            self.refused += 1
        self.case.env.invalidate_all()

    def _line(self, index, position):
        lines = self.quotes[index].order_line.filtered(lambda sol: not sol.display_type)
        return lines[position % len(lines)] if lines else None

    @rule(index=QUOTES, through=QUOTES, position=st.integers(0, 3), discount=DISCOUNTS)
    def line_discount_through_any_quote(self, index, through, position, discount):
        line = self._line(index, position)
        if line:
            vals = {"order_line": [Command.update(line.id, {"discount": discount})]}
            self._attempt(lambda: self.quotes[through].write(vals))

    @rule(index=QUOTES, position=st.integers(0, 3), qty=QUANTITIES)
    def line_quantity(self, index, position, qty):
        line = self._line(index, position)
        if line:
            self._attempt(lambda: line.with_env(self.case.rep_env).write({"product_uom_qty": qty}))

    @rule(index=QUOTES, position=st.integers(0, 3), price=st.sampled_from([1.0, 95.0]))
    def line_price(self, index, position, price):
        line = self._line(index, position)
        if line:
            self._attempt(lambda: line.with_env(self.case.rep_env).write({"price_unit": price}))

    @rule(index=QUOTES, qty=QUANTITIES, discount=DISCOUNTS, downpayment=st.booleans())
    def add_line(self, index, qty, discount, downpayment):
        vals = {
            "product_id": self.case.licence.id,
            "product_uom_qty": qty,
            "discount": discount,
            "is_downpayment": downpayment,
        }
        self._attempt(lambda: self.quotes[index].write({"order_line": [Command.create(vals)]}))

    @rule(index=QUOTES, discount=DISCOUNTS)
    def add_option(self, index, discount):
        vals = {
            "sale_order_option_ids": [
                Command.create(
                    {"product_id": self.case.server.id, "name": "Server", "discount": discount}
                )
            ]
        }
        self._attempt(lambda: self.quotes[index].write(vals))

    @rule(index=QUOTES, share=st.sampled_from([0.05, 0.5]))
    def global_discount(self, index, share):
        def apply():
            self.case.rep_env["sale.order.discount"].create(
                {
                    "sale_order_id": self.quotes[index].id,
                    "discount_type": "so_discount",
                    "discount_percentage": share,
                }
            ).action_apply_discount()

        self._attempt(apply)

    @rule(index=QUOTES, lax=st.booleans())
    def change_team(self, index, lax):
        team = self.case.lax_team if lax else self.case.team
        self._attempt(lambda: self.quotes[index].write({"team_id": team.id}))

    @rule(index=QUOTES, backdated=st.booleans())
    def quote_date(self, index, backdated):
        date = "2020-06-15 10:00:00" if backdated else fields.Datetime.now()
        self._attempt(lambda: self.quotes[index].write({"date_order": date}))

    @rule(index=QUOTES, state=st.sampled_from(["sent", "sale"]))
    def write_state(self, index, state):
        self._attempt(lambda: self.quotes[index].write({"state": state}))

    @rule(index=QUOTES)
    def sign(self, index):
        self._attempt(
            lambda: self.quotes[index].write(
                {"signed_by": "Helen Park", "signed_on": fields.Datetime.now()}
            )
        )

    @rule(
        index=QUOTES,
        action=st.sampled_from(["action_quotation_sent", "action_confirm"]),
    )
    def button(self, index, action):
        self._attempt(lambda: getattr(self.quotes[index], action)())

    @rule(index=QUOTES)
    def down_payment(self, index):
        def invoice():
            wizard = self.case.rep_env["sale.advance.payment.inv"].with_context(
                active_model="sale.order", active_ids=self.quotes[index].ids
            )
            wizard.create({"advance_payment_method": "percentage", "amount": 10}).create_invoices()

        self._attempt(invoice)

    @rule(index=QUOTES, discount=DISCOUNTS)
    def new_quote_with_defaults(self, index, discount):
        def create():
            self.quotes[index] = (
                self.case.rep_env["sale.order"]
                .with_context(
                    default_state="sent",
                    default_approval_state="approved",
                    default_approval_max_discount=100.0,
                    default_approval_max_amount=1e9,
                )
                .create(
                    {
                        "partner_id": self.case.customer.id,
                        "pricelist_id": self.case.pricelist.id,
                        "team_id": self.case.team.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": self.case.licence.id,
                                    "product_uom_qty": 20,
                                    "discount": discount,
                                }
                            )
                        ],
                    }
                )
            )

        self._attempt(create)
        self.quotes[index] = self.quotes[index].exists() or self.case._quote(
            [(self.case.licence, 20)]
        ).with_env(self.case.rep_env)

    @rule(index=QUOTES)
    def approve(self, index):
        self._attempt(
            lambda: self.quotes[index].with_env(self.case.approver_env).action_cpq_approve()
        )

    @invariant()
    def committed_quotes_are_covered(self):
        for quote in self.quotes:
            self.case.assertCovered(quote)


@tagged("post_install", "-at_install")
class TestApprovalProperty(CpqCommon):
    """A plain salesperson performs random sequences of writes, line edits through any quote,
    defaults, wizards and actions; after each step, no quote the customer has (sent, confirmed,
    signed, paid or with a down payment) is outside its policy without an approval covering it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep_env = cls.env(user=cls.salesman)
        cls.approver_env = cls.env(user=cls.approver)
        cls.team.member_ids = cls.salesman
        cls.salesman.groups_id += cls.env.ref("account.group_account_invoice") + cls.env.ref(
            "sale.group_discount_per_so_line"
        )
        cls.company.sale_discount_product_id = cls.env["product.product"].create(
            {"name": "Discount", "type": "service", "list_price": 0.0, "taxes_id": False}
        )
        cls.lax_team = cls.env["crm.team"].create({"name": "Friendly team"})
        cls.env["cpq.discount.policy"].create(
            {"name": "Lax", "team_id": cls.lax_team.id, "max_discount": 90.0, "min_margin": -100}
        )
        cls.env["cpq.contract"].create(
            {
                "name": "Expired agreement",
                "partner_id": cls.customer.id,
                "date_start": "2020-01-01",
                "date_end": "2020-12-31",
                "line_ids": [
                    Command.create({"product_tmpl_id": cls.licence.product_tmpl_id.id, "price": 50})
                ],
            }
        )

    def assertCovered(self, quote):
        """The invariant, as the approver reads the quotation."""
        quote = quote.sudo()
        quote.invalidate_recordset()
        # Committed, read here independently of the addon's own notion.
        committed = (
            quote.state in ("sent", "sale")
            or quote.signed_on
            or quote.signed_by
            or quote.order_line.filtered("is_downpayment")
            or quote.transaction_ids
        )
        if quote.state == "cancel" or not committed:
            return
        evaluation = quote._cpq_policy_evaluation()
        self.assertTrue(
            not evaluation["outside"] or evaluation["within_approval"],
            f"{quote.name} ({quote.state}) is outside its policy without approval: "
            f"{evaluation['reasons']}",
        )
        if quote.approval_state == "approved":
            return
        # Independently of the measure: without an approval, no line of a committed quote is
        # discounted beyond the policy or priced below what pricing proposes beyond it, and the
        # quotation as a whole (negative lines included) is not either.
        policy = quote.cpq_policy_id
        floor_factor = 1 - policy.max_discount / 100
        proposed = 0.0
        for line in quote.order_line.filtered(lambda sol: not sol.display_type):
            if (
                line.cpq_price_source
                and line.product_uom_qty > 0
                and line.cpq_system_price > 0
                and not line.is_downpayment
            ):
                self.assertLessEqual(line.discount, policy.max_discount + 0.005, quote.name)
                net = line.price_unit * (1 - line.discount / 100)
                self.assertGreaterEqual(net, line.cpq_system_price * floor_factor - 0.01)
                proposed += line.cpq_system_price * line.product_uom_qty
        self.assertGreaterEqual(quote.amount_untaxed, proposed * floor_factor - 0.01, quote.name)
        if quote.state == "sale":
            # Priced at its confirmation: no contract price that was no longer valid then.
            for line in quote.order_line.filtered("cpq_contract_price_id"):
                contract = line.cpq_contract_price_id
                self.assertFalse(
                    contract.date_end and contract.date_end < quote.date_order.date(), quote.name
                )

    def test_random_paths_of_a_salesperson(self):
        Salesperson.case = self
        run_state_machine_as_test(Salesperson, settings=PROPERTY_SETTINGS)
