from odoo import api, fields, models


class ResPartnerGrade(models.Model):
    """A partner tier (stock "partner level") carries the benefits of the tier: its routing
    weight (stock ``partner_weight``), how many offers a partner may hold open, how long it has to
    accept one, and how long a registered deal stays protected."""

    _inherit = "res.partner.grade"

    channel_max_open_offers = fields.Integer(
        "Maximum Open Offers",
        default=10,
        help="A partner of this tier receives no new offer while it holds this many open offers.",
    )
    channel_offer_hours = fields.Integer(
        "Hours to Accept",
        default=48,
        help="Time a partner of this tier has to accept or decline an offer before it is "
        "re-offered to the next eligible partner.",
    )
    channel_protection_days = fields.Integer(
        "Deal Protection (days)",
        default=90,
        help="An approved deal registration of a partner of this tier is protected this many days, "
        "then expires unless it is won or extended.",
    )
    channel_rr_credit = fields.Float(
        "Round-Robin Credit",
        default=0.0,
        copy=False,
        help="Technical: running credit of the smooth weighted round-robin between tiers.",
    )

    _sql_constraints = (
        (
            "channel_max_open_offers_positive",
            "CHECK(channel_max_open_offers >= 0)",
            "The maximum of open offers of a tier cannot be negative.",
        ),
        (
            "channel_offer_hours_positive",
            "CHECK(channel_offer_hours > 0)",
            "A tier must give its partners at least one hour to accept an offer.",
        ),
        (
            "channel_protection_days_positive",
            "CHECK(channel_protection_days >= 0)",
            "The protection of registered deals cannot be negative.",
        ),
        (
            "channel_partner_weight_positive",
            "CHECK(partner_weight >= 0)",
            "The routing weight of a tier cannot be negative.",
        ),
    )

    @api.model
    def _channel_reset_round_robin(self):
        """Forget the round-robin history (used when weights are reconfigured)."""
        self.sudo().search([]).write({"channel_rr_credit": 0.0})
