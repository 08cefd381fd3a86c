from odoo import api, fields, models
from odoo.tools import SQL

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

    @api.model_create_multi
    def create(self, vals_list):
        """Every open offer takes its partner's row first (see _channel_lock_partners): whoever
        creates it (routing, the cron, a manual assignment, a bridge, an RPC call)."""
        self._channel_lock_partners(
            {
                vals["partner_id"]
                for vals in vals_list
                if vals.get("partner_id") and vals.get("state", "offered") == "offered"
            }
        )
        return super().create(vals_list)

    def write(self, vals):
        """An offer reopened, or an open offer moved to another partner, by a write (RPC,
        import) counts like a new one for its partner."""
        reopened = vals.get("state") == "offered"
        moved = bool(vals.get("partner_id")) and (
            reopened or any(offer.state == "offered" for offer in self)
        )
        if moved:
            self._channel_lock_partners({vals["partner_id"]})
        elif reopened:
            self._channel_lock_partners(set(self.partner_id.ids))
        return super().write(vals)

    @api.model
    def _channel_lock_partners(self, partner_ids):
        """Serialize the open offers of each partner across transactions, so that the routing's
        capacity rule counts them right on several workers.

        The routing counts a partner's open offers in its transaction's snapshot (Odoo runs in
        REPEATABLE READ) and chooses in memory. Before an offer is created, its partner's row is
        locked, in id order (no deadlock between two batches), and written (a no-op update of
        write_date, no key column: foreign keys to the partner are not blocked). A transaction
        that then offers to the same partner waits for this one, and once this one commits,
        PostgreSQL refuses its lock with a serialization failure, since the row changed after
        its snapshot: a request is retried by Odoo on fresh data, the cron leaves its leads queued
        for its next run (_channel_route_or_defer). A lock that succeeds proves that no other
        transaction offered to these partners since this one's snapshot: the counts read in it
        are current. A lock without the write would not: PostgreSQL lets a transaction lock a row
        that another one only locked after its snapshot."""
        if not partner_ids:
            return
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner SET write_date = write_date
                    WHERE id IN (SELECT id FROM res_partner WHERE id = ANY(%s)
                                  ORDER BY id FOR NO KEY UPDATE)""",
                sorted(partner_ids),
            ),
            log_exceptions=False,
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
