from odoo import api, fields, models

OFFER_STATES = [
    ("offered", "Offered"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("cancelled", "Withdrawn"),
]


class CrmChannelOffer(models.Model):
    """One hop of a lead through the channel: offered to a partner company until a deadline, then
    accepted, declined (with a reason), expired or withdrawn by the vendor. The offers of a lead
    are its offer history."""

    _name = "crm.channel.offer"
    _description = "Lead Offer to a Partner"
    _order = "id desc"
    _check_company_auto = True

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="restrict")
    grade_id = fields.Many2one("res.partner.grade", string="Tier", index="btree_not_null")
    state = fields.Selection(OFFER_STATES, required=True, default="offered", index=True)
    date_offered = fields.Datetime("Offered On", required=True, default=fields.Datetime.now)
    date_deadline = fields.Datetime("Deadline", required=True, index=True)
    date_answered = fields.Datetime("Answered On")
    answered_by_id = fields.Many2one("res.users")
    decline_reason_id = fields.Many2one("crm.channel.decline.reason")
    decline_comment = fields.Text()
    decision_id = fields.Many2one(
        "crm.channel.routing.decision",
        string="Routing Decision",
        groups="sales_team.group_sale_salesman",
    )
    notified = fields.Boolean(
        "Partner Notified", default=False, help="Technical: included in a notification digest."
    )
    hours_to_answer = fields.Float(
        "Hours to Answer",
        compute="_compute_answer_figures",
        store=True,
        aggregator="avg",
    )
    accepted_in_time = fields.Boolean(
        "Accepted in Time", compute="_compute_answer_figures", store=True
    )

    @api.depends("lead_id", "partner_id")
    def _compute_display_name(self):
        for offer in self:
            offer.display_name = f"{offer.lead_id.name} → {offer.partner_id.name}"

    @api.depends("state", "date_answered", "date_offered", "date_deadline")
    def _compute_answer_figures(self):
        for offer in self:
            if offer.date_answered and offer.state in ("accepted", "declined"):
                delta = offer.date_answered - offer.date_offered
                offer.hours_to_answer = round(delta.total_seconds() / 3600.0, 2)
            else:
                offer.hours_to_answer = 0.0
            offer.accepted_in_time = bool(
                offer.state == "accepted"
                and offer.date_answered
                and offer.date_answered <= offer.date_deadline
            )
