from odoo import api, fields, models


class MailActivitySchedule(models.TransientModel):
    _inherit = "mail.activity.schedule"

    gdpr_consent_warning = fields.Char(
        string="Consent Warning", compute="_compute_gdpr_consent_warning"
    )

    @api.depends("activity_type_id", "res_model", "res_ids")
    def _compute_gdpr_consent_warning(self):
        for scheduler in self:
            scheduler.gdpr_consent_warning = self.env["crm.gdpr.consent"]._gdpr_activity_warning(
                scheduler.activity_type_id,
                scheduler.res_model,
                scheduler._evaluate_res_ids() if scheduler.res_model else [],
            )
