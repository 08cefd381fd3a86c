from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    gdpr_optin_validity_hours = fields.Integer(
        string="Confirmation Link Valid For (hours)",
        default=72,
        help="How long the double opt-in link sent to a person stays usable.",
    )
    gdpr_request_reminder_days = fields.Integer(
        string="Remind Before Request Deadline (days)",
        default=7,
        help="The assignee of a data-subject request gets an activity this many days before "
        "its legal deadline.",
    )
    gdpr_dpo_partner_id = fields.Many2one(
        "res.partner",
        string="Data Protection Officer",
        help="Named in the register of processing activities and on the preference page.",
    )
