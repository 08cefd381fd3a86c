from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, formatLang

APPROVAL_STATES = [
    ("not_required", "Within Policy"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
ACTIVITY_TYPE = "crm_b2b_cpq.mail_activity_type_cpq_approval"


class SaleOrder(models.Model):
    """Discount approval.

    After every change of a current quotation (any path: form, RPC, portal, copy) the quotation
    is measured against its policy: highest manual line discount and margin. Outside the policy
    it goes to "to approve" and the approvers get an activity. An approval records what was
    approved (that discount, that margin): changes within it keep the approval, a change that
    goes further out withdraws it. The approval fields are written only by these checked
    methods, in sudo mode; a user's write of them is refused (see `_cpq_protected_fields`).
    """

    _inherit = "sale.order"

    approval_state = fields.Selection(
        APPROVAL_STATES,
        string="Approval",
        default="not_required",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
    )
    approval_reason = fields.Text(string="Outside Policy Because", copy=False, readonly=True)
    approval_requested_by_id = fields.Many2one("res.users", copy=False, readonly=True)
    approval_decided_by_id = fields.Many2one("res.users", copy=False, readonly=True)
    approval_decided_on = fields.Datetime(copy=False, readonly=True)
    approval_max_discount = fields.Float(
        string="Approved Discount (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        help="Highest line discount when the approval was decided; an approval covers up to it.",
    )
    approval_min_margin = fields.Float(
        string="Approved Margin (%)",
        digits=(16, 2),
        copy=False,
        readonly=True,
        help="Margin when the approval was decided; an approval covers down to it.",
    )
    approval_rejection_reason = fields.Text(string="Rejection Reason", copy=False, readonly=True)
    approval_max_amount = fields.Monetary(
        string="Approved Discount Amount",
        currency_field="approval_currency_id",
        copy=False,
        readonly=True,
        help="Discount given, as an amount, when the approval was decided; an approval of a "
        "discount beyond the policy covers up to it.",
    )
    approval_currency_id = fields.Many2one("res.currency", copy=False, readonly=True)
    cpq_can_approve = fields.Boolean(compute="_compute_cpq_can_approve", string="Can Approve")

    @api.depends_context("uid")
    @api.depends("approval_state", "user_id", "approval_requested_by_id", "cpq_policy_id")
    def _compute_cpq_can_approve(self):
        for order in self:
            order.cpq_can_approve = (
                order.approval_state == "to_approve" and self.env.user in order._cpq_approvers()
            )

    def _cpq_protected_fields(self):
        return super()._cpq_protected_fields() | {
            "approval_state",
            "approval_reason",
            "approval_requested_by_id",
            "approval_decided_by_id",
            "approval_decided_on",
            "approval_max_discount",
            "approval_min_margin",
            "approval_max_amount",
            "approval_currency_id",
            "approval_rejection_reason",
            "cpq_max_discount",
            "cpq_discount_amount",
            "cpq_proposed_amount",
        }

    # ------------------------------------------------------------------------------------------
    # Keeping the approval in line with the quotation (the judgement is in sale_order_policy)
    # ------------------------------------------------------------------------------------------

    def _cpq_after_change(self):
        res = super()._cpq_after_change()
        self._cpq_sync_approval()
        return res

    def _cpq_sync_approval(self):
        """Bring the approval in line with the quotation as it is now (see class docstring)."""
        current = self.filtered(
            lambda order: (
                order.id and order.state in ("draft", "sent") and not order.superseded_by_id
            )
        )
        # Policies are configuration a manager may have just changed: never decide on a stale one.
        current.invalidate_recordset(["cpq_policy_id"])
        for order in current:
            evaluation = order._cpq_policy_evaluation()
            state = order.approval_state
            if not evaluation["outside"]:
                if state != "not_required":
                    order._cpq_set_approval_not_required(state)
            elif state == "approved":
                if not evaluation["within_approval"]:
                    order._cpq_request_approval(evaluation, withdrawn=True)
            elif state == "rejected":
                if order._cpq_changed_since_decision(evaluation):
                    order._cpq_request_approval(evaluation)
            elif state == "to_approve":
                reason = "\n".join(evaluation["reasons"])
                if reason != (order.approval_reason or ""):
                    order.sudo().write({"approval_reason": reason})
            else:
                order._cpq_request_approval(evaluation)

    def _cpq_changed_since_decision(self, evaluation):
        margin = evaluation["margin"]
        return bool(
            float_compare(evaluation["discount"], self.approval_max_discount, 2)
            or self.approval_currency_id != self.currency_id
            or self.currency_id.compare_amounts(evaluation["amount"], self.approval_max_amount)
            or (margin is not None and float_compare(margin, self.approval_min_margin, 2))
        )

    def _cpq_set_approval_not_required(self, previous_state):
        self.sudo().write(
            {
                "approval_state": "not_required",
                "approval_reason": False,
                "approval_requested_by_id": False,
                "approval_max_discount": 0.0,
                "approval_max_amount": 0.0,
                "approval_currency_id": False,
                "approval_min_margin": 0.0,
            }
        )
        self.sudo().activity_unlink([ACTIVITY_TYPE])
        if previous_state == "to_approve":
            self.message_post(
                body=self.env._("Back within the discount policy: no approval needed any more."),
                subtype_xmlid="mail.mt_note",
            )

    def _cpq_request_approval(self, evaluation, withdrawn=False):
        """Send the quotation to approval: state, reasons, activities for the approvers."""
        self.ensure_one()
        _ = self.env._
        reason = "\n".join(evaluation["reasons"])
        self.sudo().write(
            {
                "approval_state": "to_approve",
                "approval_reason": reason,
                "approval_requested_by_id": self.env.user.id,
                "approval_decided_by_id": False,
                "approval_decided_on": False,
                "approval_rejection_reason": False,
                "approval_max_discount": 0.0,
                "approval_max_amount": 0.0,
                "approval_currency_id": False,
                "approval_min_margin": 0.0,
            }
        )
        self.sudo().activity_unlink([ACTIVITY_TYPE])
        if withdrawn:
            intro = _("The change goes beyond what was approved: the approval is withdrawn.")
        else:
            intro = _("Outside the discount policy: approval requested.")
        approvers = self._cpq_approvers()
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            intro,
            Markup().join(Markup("<li>%s</li>") % line for line in evaluation["reasons"]),
        )
        if not approvers:
            body += Markup("<p>%s</p>") % _(
                "Nobody can approve it: set approvers on the discount policy (nobody approves "
                "their own quotation)."
            )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        for approver in approvers:
            self.sudo().activity_schedule(
                ACTIVITY_TYPE,
                user_id=approver.id,
                summary=_("Approve quotation %(name)s", name=self.name),
                note=Markup("<p>%s</p>") % reason.replace("\n", " "),
            )

    # ------------------------------------------------------------------------------------------
    # Who approves, and the decisions
    # ------------------------------------------------------------------------------------------

    def _cpq_approvers(self):
        """Users who may approve this quotation: the policy's approvers, else the team leader;
        never its salesperson nor the user whose change required the approval."""
        self.ensure_one()
        excluded = self.user_id | self.approval_requested_by_id
        approvers = self.cpq_policy_id.sudo().approver_ids - excluded
        if not approvers and self.team_id.user_id not in excluded:
            approvers = self.team_id.sudo().user_id
        return approvers.filtered(lambda user: self.company_id in user.company_ids)

    def _cpq_check_can_decide(self):
        self.ensure_one()
        self.invalidate_recordset(["cpq_policy_id"])
        if self.approval_state != "to_approve":
            raise UserError(
                self.env._("Quotation %(name)s is not waiting for approval.", name=self.name)
            )
        user = self.env.user
        if user in self.user_id | self.approval_requested_by_id:
            raise AccessError(
                self.env._(
                    "You cannot decide on the approval of quotation %(name)s: you are its "
                    "salesperson or made the change that needs approval. Another approver of "
                    "%(policy)s decides.",
                    name=self.name,
                    policy=self.cpq_policy_id.name,
                )
            )
        if user not in self._cpq_approvers():
            raise AccessError(
                self.env._(
                    "Only the approvers of %(policy)s can decide on quotation %(name)s.",
                    policy=self.cpq_policy_id.name or self.env._("the discount policy"),
                    name=self.name,
                )
            )
        self.check_access("write")

    def action_cpq_approve(self):
        for order in self:
            order._cpq_check_can_decide()
            evaluation = order._cpq_policy_evaluation()
            margin = evaluation["margin"]
            order.sudo().write(
                {
                    "approval_state": "approved",
                    "approval_decided_by_id": self.env.user.id,
                    "approval_decided_on": fields.Datetime.now(),
                    "approval_max_discount": evaluation["discount"],
                    "approval_max_amount": evaluation["amount"],
                    "approval_currency_id": order.currency_id.id,
                    "approval_min_margin": margin if margin is not None else 0.0,
                    "approval_rejection_reason": False,
                }
            )
            order._cpq_close_activities(self.env._("Approved"))
            order.message_post(
                body=self.env._(
                    "Approved by %(user)s: up to %(discount)s%% discount (%(amount)s in all) "
                    "and down to %(margin)s%% margin.",
                    user=self.env.user.name,
                    discount=formatLang(self.env, evaluation["discount"], digits=2),
                    amount=formatLang(
                        self.env, evaluation["amount"], currency_obj=order.currency_id
                    ),
                    margin=formatLang(self.env, margin, digits=2) if margin is not None else "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def cpq_reject(self, reason):
        """Reject the approval request with a reason (checked like the Reject button)."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the quotation is rejected."))
        for order in self:
            order._cpq_check_can_decide()
            evaluation = order._cpq_policy_evaluation()
            margin = evaluation["margin"]
            order.sudo().write(
                {
                    "approval_state": "rejected",
                    "approval_decided_by_id": self.env.user.id,
                    "approval_decided_on": fields.Datetime.now(),
                    "approval_rejection_reason": reason,
                    # What was rejected: a change of these figures asks again.
                    "approval_max_discount": evaluation["discount"],
                    "approval_max_amount": evaluation["amount"],
                    "approval_currency_id": order.currency_id.id,
                    "approval_min_margin": margin if margin is not None else 0.0,
                }
            )
            order._cpq_close_activities(self.env._("Rejected: %(reason)s", reason=reason))
            order.message_post(
                body=self.env._(
                    "Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
                ),
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_cpq_reject(self):
        self.ensure_one()
        self._cpq_check_can_decide()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Quotation"),
            "res_model": "cpq.approval.reject.wizard",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _cpq_close_activities(self, feedback):
        activities = self.sudo().activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(ACTIVITY_TYPE)
        )
        mine = activities.filtered(lambda act: act.user_id == self.env.user)
        mine.action_feedback(feedback=feedback)
        (activities - mine).unlink()

    def _cpq_blocking_reasons(self, action):
        reasons = super()._cpq_blocking_reasons(action)
        if self.approval_state == "to_approve":
            reasons.append(
                self.env._(
                    "Quotation %(name)s is waiting for approval (%(why)s). It cannot be sent, "
                    "printed for the customer, signed, paid or confirmed before it is approved.",
                    name=self.name,
                    why=(self.approval_reason or "").replace("\n", " "),
                )
            )
        elif self.approval_state == "rejected":
            reasons.append(
                self.env._(
                    "Quotation %(name)s was rejected (%(reason)s). Change it to ask for a new "
                    "approval.",
                    name=self.name,
                    reason=self.approval_rejection_reason,
                )
            )
        elif self.state in ("draft", "sent") and self.id and not self.superseded_by_id:
            # Whatever the recorded state says, the quotation as it is now decides.
            evaluation = self._cpq_policy_evaluation()
            if evaluation["outside"] and not evaluation["within_approval"]:
                reasons.append(
                    self.env._(
                        "Quotation %(name)s is outside its discount policy (%(why)s) and needs "
                        "an approval first.",
                        name=self.name,
                        why=" ".join(evaluation["reasons"]),
                    )
                )
        return reasons
