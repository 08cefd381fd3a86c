from odoo import models


class MailTrackingValue(models.Model):
    """Tracking values (old -> new) of a lead obey the portal's field whitelist: a partner reads
    the change of a field only if it may read the field itself, in the chatter as in emails."""

    _inherit = "mail.tracking.value"

    def _channel_readable_by_partner(self):
        """The tracking values of ``self`` a portal user may read: those of fields of the
        lead's portal read whitelist; other models' tracking values are left as they are."""
        allowed = self.env["crm.lead"]._channel_portal_read_fields()
        return self.filtered(
            lambda tracking: (
                tracking.sudo().field_id.model != "crm.lead"
                or tracking.sudo().field_id.name in allowed
            )
        )

    def _filter_has_field_access(self, env):
        trackings = super()._filter_has_field_access(env)
        if env.su or not env.user.share:
            return trackings
        return trackings._channel_readable_by_partner()
