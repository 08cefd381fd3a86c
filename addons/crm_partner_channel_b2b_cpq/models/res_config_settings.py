from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    channel_quote_issuer = fields.Selection(
        related="company_id.channel_quote_issuer", readonly=False
    )
