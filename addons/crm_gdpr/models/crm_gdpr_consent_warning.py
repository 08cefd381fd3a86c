from odoo import api, models


class CrmGdprConsent(models.Model):
    """The warning shown when an activity would contact someone without their consent."""

    _inherit = "crm.gdpr.consent"

    @api.model
    def _gdpr_activity_warning(self, activity_type, res_model, res_ids):
        """Warning text when an activity of `activity_type` (a marketing call, say) is scheduled
        on records whose person did not consent to its channel and purpose; False otherwise."""
        channel = activity_type.sudo().gdpr_channel_id
        res_ids = [res_id for res_id in res_ids or [] if isinstance(res_id, int) and res_id]
        if not channel or not res_model or not res_ids or res_model not in self.env:
            return False
        targets = self.env[res_model].browse(res_ids).exists()
        if not targets or not self._identifies_people(targets):
            return False
        purpose = activity_type.sudo().gdpr_purpose_id
        denials = self._gdpr_denials(targets, purpose=purpose or None, channel=channel)
        if not denials:
            return False
        reasons = sorted({self._gdpr_reason_label(reason) for reason in denials.values()})
        if len(targets) == 1 and purpose:
            return self.env._(
                "%(name)s has not agreed to be contacted by %(channel)s for %(purpose)s: "
                "%(reasons)s",
                name=targets.display_name,
                channel=channel.name,
                purpose=purpose.name,
                reasons=" ".join(reasons),
            )
        if len(targets) == 1:
            return self.env._(
                "%(name)s has not agreed to be contacted by %(channel)s: %(reasons)s",
                name=targets.display_name,
                channel=channel.name,
                reasons=" ".join(reasons),
            )
        return self.env._(
            "%(count)s of the %(total)s people have not agreed to be contacted by %(channel)s.",
            count=len(denials),
            total=len(targets),
            channel=channel.name,
        )
