from odoo import models

from .mail_mail import marketing_context


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_post_with_source(
        self,
        source_ref,
        render_values=None,
        message_type="notification",
        subtype_xmlid=False,
        subtype_id=False,
        **kwargs,
    ):
        """A message posted from a template marked marketing (a server action or an automation
        rule posting it) sends marketing mail: checked for consent when each mail is sent."""
        template, _view = self._get_source_from_ref(source_ref)
        records = self
        if template and template.sudo().gdpr_purpose_id:
            records = self.with_context(**marketing_context(template.sudo().gdpr_purpose_id))
        return super(MailThread, records).message_post_with_source(
            source_ref,
            render_values=render_values,
            message_type=message_type,
            subtype_xmlid=subtype_xmlid,
            subtype_id=subtype_id,
            **kwargs,
        )
