from odoo import models

from ..models.mail_mail import PEOPLE_MODELS, marketing_context


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _gdpr_marketing_purpose(self):
        """(is marketing, purpose) of a mass mail sent from this composer. Marketing: a template
        marked marketing, or a hand-written mass email to leads, contacts or mailing contacts (a
        mass mailing too, with crm_gdpr_mass_mailing); a template not marked (quotations,
        invoices) is transactional."""
        self.ensure_one()
        template = self.template_id.sudo()
        if template.gdpr_purpose_id:
            return True, template.gdpr_purpose_id
        if not template and self.model in PEOPLE_MODELS:
            return True, self.env["crm.gdpr.purpose"].sudo()._get_mailing_default()
        return False, None

    def _action_send_mail_mass_mail(self, res_ids, auto_commit=False):
        """Marketing mails are marked as such, so that consent is checked when each one is
        sent (see mail.mail._send), whenever that is."""
        marketing, purpose = self._gdpr_marketing_purpose()
        composer = self.with_context(**marketing_context(purpose)) if marketing else self
        return super(MailComposeMessage, composer)._action_send_mail_mass_mail(
            res_ids, auto_commit=auto_commit
        )
