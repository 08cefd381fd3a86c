from odoo import models

from odoo.addons.crm_gdpr.models.mail_mail import FAILURE_TYPE_OF_REASON


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _gdpr_marketing_purpose(self):
        """A mass mailing is marketing, for its purpose (unless its template says another)."""
        self.ensure_one()
        if self.mass_mailing_id and not self.template_id.sudo().gdpr_purpose_id:
            return True, self.mass_mailing_id.gdpr_purpose_id
        return super()._gdpr_marketing_purpose()

    def _process_mail_values_state(self, mail_values_dict):
        """Mass mailing: skip recipients without valid consent for the mailing's purpose, the
        reason kept on the mail and its trace. A few queries whatever the number of recipients.

        The consent decision comes first: stock's address checks (parsing, opt-out, duplicates)
        then run only on the recipients who may be mailed, so the people refused cost no more
        than the decision. Blacklisted addresses keep their stock reason."""
        mailing = self.mass_mailing_id
        if self.composition_mode != "mass_mail" or not mailing:
            return super()._process_mail_values_state(mail_values_dict)
        denials = mailing._gdpr_recipient_denials(list(mail_values_dict), model=self.model)
        if not denials:
            return super()._process_mail_values_state(mail_values_dict)
        allowed, denied = {}, {}
        for res_id, values in mail_values_dict.items():
            (denied if res_id in denials else allowed)[res_id] = values
        super()._process_mail_values_state(allowed)  # updates the values in place
        self._gdpr_mark_denied(denied, denials)
        return mail_values_dict

    def _gdpr_mark_denied(self, denied, denials):
        """Cancel the mails of `denied` ({res_id: mail values}) with their consent reason
        (`denials`), or stock's blacklist reason for a blacklisted address."""
        recipients_info = None
        if not isinstance(self.env[self.model], self.pool["mail.thread.blacklist"]):
            recipients_info = self._get_recipients_data(denied)
        blacklisted = self._get_blacklist_record_ids(denied, recipients_info)
        Consent = self.env["crm.gdpr.consent"]
        updates = {
            reason: {
                "state": "cancel",
                "failure_type": FAILURE_TYPE_OF_REASON[reason],
                "failure_reason": Consent._gdpr_reason_label(reason),
                "is_notification": False,
            }
            for reason in set(denials.values())
        }
        blacklist_update = {"state": "cancel", "failure_type": "mail_bl", "is_notification": False}
        for res_id, values in denied.items():
            values.update(blacklist_update if res_id in blacklisted else updates[denials[res_id]])

    def _prepare_mail_values_mailing_traces(self, mail_values_all):
        """Keep the consent reason on the trace, so the mailing's report shows why."""
        trace_values_all = super()._prepare_mail_values_mailing_traces(mail_values_all)
        for res_id, trace_values in trace_values_all.items():
            failure_type = trace_values and trace_values.get("failure_type") or ""
            if failure_type.startswith("gdpr_"):
                trace_values["failure_reason"] = mail_values_all[res_id].get("failure_reason")
        return trace_values_all
