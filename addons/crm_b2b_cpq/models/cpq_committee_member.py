from odoo import api, fields, models

ROLES = [
    ("decision_maker", "Decision Maker"),
    ("economic_buyer", "Economic Buyer"),
    ("technical_evaluator", "Technical Evaluator"),
    ("champion", "Champion"),
    ("blocker", "Blocker"),
]
STANCES = [
    ("supportive", "Supportive"),
    ("neutral", "Neutral"),
    ("opposed", "Opposed"),
    ("unknown", "Unknown"),
]


class CpqCommitteeMember(models.Model):
    """A person of the customer's buying committee on an opportunity: their role, where they
    stand, and which quotation versions were sent to them."""

    _name = "cpq.committee.member"
    _description = "Buying Committee Member"
    _order = "lead_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    lead_user_id = fields.Many2one(related="lead_id.user_id", store=True, string="Lead Owner")
    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, check_company=True
    )
    email = fields.Char(related="partner_id.email")
    function = fields.Char(related="partner_id.function")
    role = fields.Selection(ROLES, required=True, default="technical_evaluator")
    stance = fields.Selection(STANCES, required=True, default="unknown")
    receives_quotes = fields.Boolean(
        string="Receives Quotations",
        default=True,
        help="Included as a recipient when the quotation is sent to the buying committee.",
    )
    note = fields.Char()
    sent_order_ids = fields.Many2many(
        "sale.order",
        compute="_compute_sent_order_ids",
        string="Versions Sent",
        help="Versions of the opportunity's quotations emailed to this person.",
    )

    _sql_constraints = (
        (
            "partner_unique",
            "UNIQUE(lead_id, partner_id)",
            "A contact sits only once in an opportunity's buying committee.",
        ),
    )

    @api.depends("partner_id", "lead_id.order_ids")
    def _compute_sent_order_ids(self):
        """From the messages themselves: a version was sent to a member when an email or comment
        on that version had the member among its recipients. One query for all members."""
        members = self.filtered(lambda m: m.partner_id and m.lead_id.order_ids)
        (self - members).sent_order_ids = False
        if not members:
            return
        orders = members.lead_id.order_ids
        groups = (
            self.env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", "sale.order"),
                    ("res_id", "in", orders.ids),
                    ("message_type", "in", ("comment", "email_outgoing")),
                    ("partner_ids", "in", members.partner_id.ids),
                ],
                ["res_id", "partner_ids"],
            )
        )
        sent = {}
        for order_id, partner in groups:
            sent.setdefault(partner.id, set()).add(order_id)
        for member in members:
            order_ids = sent.get(member.partner_id.id, set()) & set(member.lead_id.order_ids.ids)
            member.sent_order_ids = self.env["sale.order"].browse(sorted(order_ids))
