from odoo import fields, models

QUOTE_ISSUERS = [
    ("vendor", "In the vendor's name"),
    ("reseller", "In the reseller's name"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    channel_quote_issuer = fields.Selection(
        QUOTE_ISSUERS,
        string="Resellers' Quotes Sent",
        default="vendor",
        required=True,
        help="In the vendor's name: the customer receives the quote from the vendor, the reseller "
        "named as its contact. In the reseller's name: the email comes from the reseller and the "
        "quote says it is the reseller's offer, on the vendor's terms.",
    )
