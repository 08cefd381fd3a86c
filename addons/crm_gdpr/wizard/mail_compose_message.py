from odoo import models

from ..models.mailing_mailing import FAILURE_TYPE_OF_REASON


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Mass mailing: skip recipients without valid consent for the mailing's purpose, the
        reason kept on the mail and its trace. One query whatever the number of recipients;
        blacklisted addresses keep their stock reason."""
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        mailing = self.mass_mailing_id
        if self.composition_mode != "mass_mail" or not mailing:
            return mail_values_dict
        denials = mailing._gdpr_recipient_denials(list(mail_values_dict), model=self.model)
        if not denials:
            return mail_values_dict
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
        get_values = mail_values_dict.get
        for res_id, reason in denials.items():
            values = get_values(res_id)
            if values is not None and values.get("failure_type") != "mail_bl":
                values.update(updates[reason])
        return mail_values_dict

    def _prepare_mail_values_mailing_traces(self, mail_values_all):
        """Keep the consent reason on the trace, so the mailing's report shows why."""
        trace_values_all = super()._prepare_mail_values_mailing_traces(mail_values_all)
        for res_id, trace_values in trace_values_all.items():
            failure_type = trace_values and trace_values.get("failure_type") or ""
            if failure_type.startswith("gdpr_"):
                trace_values["failure_reason"] = mail_values_all[res_id].get("failure_reason")
        return trace_values_all
