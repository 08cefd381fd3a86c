from odoo import fields, models, tools

from .mailing_mailing import GDPR_FAILURE_TYPES


class MailMail(models.Model):
    _inherit = "mail.mail"

    failure_type = fields.Selection(selection_add=GDPR_FAILURE_TYPES)

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        """Every marketing email carries the signed link to the recipient's preference page."""
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )
        if not self.mailing_id or not self.res_id:
            return email_list
        for email_values in email_list:
            if not email_values.get("email_to") or tools.is_html_empty(email_values["body"]):
                continue
            email = tools.email_normalize(email_values["email_to"][0], strict=False)
            if not email:
                continue
            subject = self.env["crm.gdpr.subject"].sudo()._find_or_create(email=email)
            email_values["body"] = tools.mail.append_content_to_html(
                email_values["body"], subject._preference_footer(), plaintext=False
            )
        return email_list
