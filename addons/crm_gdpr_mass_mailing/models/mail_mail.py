from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _gdpr_is_marketing(self):
        """Mails of a mass mailing are always marketing."""
        return super()._gdpr_is_marketing() or bool(self.mailing_id)

    def _gdpr_purpose(self):
        """A mail of a mailing is sent for the mailing's purpose; an SMS mailing is no email."""
        self.ensure_one()
        if not self.gdpr_purpose_id and self.mailing_id:
            mailing = self.mailing_id
            if mailing.mailing_type != "mail":
                return False  # not an email (SMS...)
            if mailing.gdpr_purpose_id:
                return mailing.gdpr_purpose_id
        return super()._gdpr_purpose()

    def _gdpr_cancel(self, reason):
        """The mailing's trace says why too."""
        result = super()._gdpr_cancel(reason)
        if self.mailing_trace_ids:
            self.mailing_trace_ids.write(
                {
                    "trace_status": "cancel",
                    "failure_type": self.failure_type,
                    "failure_reason": self.failure_reason,
                }
            )
        return result

    def _gdpr_carries_preference_link(self):
        return super()._gdpr_carries_preference_link() or bool(self.mailing_id and self.res_id)
