from odoo import fields, models

from .mail_mail import marketing_context


class MailTemplate(models.Model):
    _inherit = "mail.template"

    gdpr_purpose_id = fields.Many2one(
        "crm.gdpr.purpose",
        string="Marketing Purpose",
        ondelete="restrict",
        help="Set it on templates that advertise (newsletters, offers): mails from this template, "
        "however they are sent (server actions, automation rules, the composer, a message "
        "posted with it), then go only to people who may be mailed for this purpose, checked "
        "when each mail is sent. Leave it empty on transactional templates (quotations, "
        "invoices, replies), which are always sent.",
    )

    def send_mail_batch(
        self,
        res_ids,
        force_send=False,
        raise_exception=False,
        email_values=None,
        email_layout_xmlid=False,
    ):
        template = self
        if self.gdpr_purpose_id:
            template = self.with_context(**marketing_context(self.gdpr_purpose_id))
        return super(MailTemplate, template).send_mail_batch(
            res_ids,
            force_send=force_send,
            raise_exception=raise_exception,
            email_values=email_values,
            email_layout_xmlid=email_layout_xmlid,
        )
