from odoo import fields, models


class ResPartnerGrade(models.Model):
    """A partner tier also says what a reseller of the tier earns on the quotes it prepares, and
    how far it may discount them in the portal."""

    _inherit = "res.partner.grade"

    channel_reseller_discount = fields.Float(
        "Reseller Discount (%)",
        digits=(16, 2),
        default=0.0,
        help="Discount a reseller of this tier gets on the vendor's price of the quotes it "
        "prepares: its margin. Shown to the reseller in the portal, never to the customer.",
    )
    channel_quote_max_discount = fields.Float(
        "Maximum Quote Discount (%)",
        digits=(16, 2),
        default=20.0,
        help="Highest line discount a reseller of this tier may type in the portal. Within it, "
        "the vendor's discount policy still decides whether the quote needs an approval.",
    )

    _sql_constraints = (
        (
            "channel_reseller_discount_range",
            "CHECK(channel_reseller_discount >= 0 AND channel_reseller_discount <= 100)",
            "The reseller discount of a tier is a percentage between 0 and 100.",
        ),
        (
            "channel_quote_max_discount_range",
            "CHECK(channel_quote_max_discount >= 0 AND channel_quote_max_discount <= 100)",
            "The maximum quote discount of a tier is a percentage between 0 and 100.",
        ),
    )
