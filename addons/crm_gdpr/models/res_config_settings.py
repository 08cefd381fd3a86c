from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    gdpr_optin_validity_hours = fields.Integer(
        related="company_id.gdpr_optin_validity_hours", readonly=False
    )
    gdpr_request_reminder_days = fields.Integer(
        related="company_id.gdpr_request_reminder_days", readonly=False
    )
    gdpr_dpo_partner_id = fields.Many2one(related="company_id.gdpr_dpo_partner_id", readonly=False)
