from odoo import api, models, tools


class CrmGdprSubject(models.Model):
    """Unsubscribing from a mailing withdraws consent, with a receipt."""

    _inherit = "crm.gdpr.subject"

    @api.model
    def _unsubscribe_from_mailing(self, email, mailing, evidence):
        """The person behind `email` unsubscribed from `mailing` (its unsubscribe link or the
        one-click List-Unsubscribe header): their email consent to the mailing's purpose is
        withdrawn (objection under legitimate interests), or every email consent when the
        mailing has no purpose; with a receipt. Returns the receipts written."""
        email_normalized = tools.email_normalize(email or "")
        if not email_normalized:
            return self.env["crm.gdpr.receipt"]
        subject = self.sudo().search(
            [("email_normalized", "=", email_normalized), ("erased", "=", False)], limit=1
        )
        purpose = mailing.sudo().gdpr_purpose_id
        channel = self.env["crm.gdpr.channel"].sudo()._get_by_code("email")
        evidence = dict(evidence or {}, origin=f"mailing.mailing,{mailing.id}")
        if purpose and channel in purpose.channel_ids:
            if purpose._preference_mode() == "info":
                return self.env["crm.gdpr.receipt"]
            if not subject and purpose._preference_mode() == "objection":
                subject = self.sudo()._find_or_create(email=email_normalized)
            if not subject:
                return self.env["crm.gdpr.receipt"]
            consent = subject.consent_ids.filtered(
                lambda c: c.purpose_id == purpose and c.channel_id == channel
            )
            if not consent:
                if purpose._preference_mode() != "objection":
                    return self.env["crm.gdpr.receipt"]
                consent = subject._set_consents(
                    purpose, channel, "withdrawn", "unsubscribe", **evidence
                )
                return consent.receipt_ids
            return consent._change_state("withdrawn", source="unsubscribe", **evidence)
        if not subject:
            return self.env["crm.gdpr.receipt"]
        consents = subject.consent_ids.filtered(
            lambda c: c.channel_id == channel and c.state in ("given", "pending")
        )
        return consents._change_state("withdrawn", source="unsubscribe", **evidence)
