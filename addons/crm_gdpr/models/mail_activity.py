from odoo import api, fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    gdpr_consent_warning = fields.Char(
        string="Consent Warning",
        compute="_compute_gdpr_consent_warning",
        store=True,
        help="Set when the activity was scheduled for someone who had not consented to be "
        "contacted this way.",
    )

    @api.depends("activity_type_id", "res_model", "res_id")
    def _compute_gdpr_consent_warning(self):
        for activity in self:
            activity.gdpr_consent_warning = self.env["crm.gdpr.consent"]._gdpr_activity_warning(
                activity.activity_type_id, activity.res_model, [activity.res_id]
            )

    @api.onchange("activity_type_id")
    def _onchange_gdpr_consent_warning(self):
        if self.gdpr_consent_warning:
            return {
                "warning": {
                    "title": self.env._("No consent to be contacted this way"),
                    "message": self.gdpr_consent_warning,
                }
            }
        return None
