from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_deal_rate_policy = fields.Selection(
        related="company_id.crm_deal_rate_policy", readonly=False
    )
    crm_contact_window_policy = fields.Selection(
        related="company_id.crm_contact_window_policy", readonly=False
    )
