from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    channel_fallback_partner_id = fields.Many2one(
        related="company_id.channel_fallback_partner_id", readonly=False
    )
    channel_name_similarity = fields.Integer(
        related="company_id.channel_name_similarity", readonly=False
    )
