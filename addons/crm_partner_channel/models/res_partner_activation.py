from odoo import fields, models


class ResPartnerActivation(models.Model):
    """Onboarding states of a partner reuse the stock activations; each says whether a partner in
    that state receives offers."""

    _inherit = "res.partner.activation"

    channel_receives_leads = fields.Boolean(
        "Receives Offers",
        default=True,
        help="Partners in this onboarding state take part in lead routing.",
    )
