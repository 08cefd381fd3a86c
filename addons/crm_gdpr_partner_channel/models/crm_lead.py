from odoo import api, fields, models

# The consent channel that governs what a reseller partner sees of the person behind a lead.
PARTNER_SHARING = "partner_sharing"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    gdpr_partner_sharing_reason = fields.Char(
        string="Personal Data Withheld from Partner",
        compute="_compute_gdpr_partner_sharing_reason",
        compute_sudo=True,
        groups="base.group_user",
        help="Why the assigned partner sees the deal but not the person (name, email, phone, "
        "address, their messages). Empty when the person agreed to be shared with partners.",
    )

    @api.model
    def _gdpr_partner_sharing_fields(self):
        """Fields of a lead that depend on the person's consent to sharing with partners: a
        change of consent, restriction or erasure drops them from the cache at once."""
        contact_fields = [
            name
            for name, field in self._fields.items()
            if field.compute == "_compute_channel_contact"
        ]
        return [*contact_fields, "gdpr_partner_sharing_reason"]

    @api.depends("email_normalized", "partner_id")
    def _compute_gdpr_partner_sharing_reason(self):
        denials = self._gdpr_partner_sharing_denials()
        for lead in self:
            reason = denials.get(lead.id)
            lead.gdpr_partner_sharing_reason = (
                lead._gdpr_partner_sharing_reason_label(reason) if reason else False
            )

    def _gdpr_partner_sharing_denials(self):
        """{lead id: reason code} for the leads of ``self`` whose person may not be shared with
        partners, in one batched consent query whatever the number of leads. Any active purpose
        using the "Sharing with Partners" channel counts: only a valid consent on that channel
        allows; restriction, objection and erasure deny (see crm.gdpr.consent._gdpr_denials).
        A lead naming nobody we can record a consent for (no email, no contact) is denied as
        well, like a lead not saved yet."""
        saved = self._origin.filtered("id")
        denied = (
            self.env["crm.gdpr.consent"].sudo()._gdpr_denials(saved, channel=PARTNER_SHARING)
            if saved
            else {}
        )
        denials = {}
        for lead in self:
            origin_id = lead._origin.id
            if not origin_id:
                denials[lead.id] = "no_consent"
            elif origin_id in denied:
                denials[lead.id] = denied[origin_id]
        return denials

    def _gdpr_partner_sharing_reason_label(self, reason):
        self.ensure_one()
        if reason == "no_consent" and not self.email_normalized and not self.partner_id:
            return self.env._(
                "No email address or contact on the lead: add one, then record the person's "
                "consent to share with partners."
            )
        labels = {
            "erased": self.env._("The person's data was erased."),
            "restricted": self.env._("Processing is restricted at the person's request (Art. 18)."),
            "objected": self.env._("The person objected to the processing (Art. 21)."),
            "no_consent": self.env._("No consent to share with partners."),
            "pending": self.env._(
                "The consent to share with partners awaits the person's confirmation."
            ),
            "withdrawn": self.env._("The consent to share with partners was withdrawn."),
            "expired": self.env._("The consent to share with partners expired: ask again."),
        }
        return labels.get(reason) or self.env["crm.gdpr.consent"]._gdpr_reason_label(reason)

    def _channel_may_share_personal_data(self):
        """The partner sees the person only with their consent to sharing with partners; it
        still sees the deal (name, amounts, stage, company, country)."""
        shareable = super()._channel_may_share_personal_data()
        if not shareable:
            return shareable
        denials = shareable._gdpr_partner_sharing_denials()
        return shareable.filtered(lambda lead: lead.id not in denials)
