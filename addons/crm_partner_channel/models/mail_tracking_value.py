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

    def _channel_naming_hidden_people(self, reader):
        """Tracking values of a lead's fields pointing to people (the assigned partner, the
        customer) whose old or new value names someone ``reader`` (a partner company) may not
        see: the previous partner of a reassigned deal, the customer withheld from it."""
        hidden = self.browse()
        Lead = self.env["crm.lead"].sudo()
        people = {}
        for tracking in self.sudo():
            field = tracking.field_id
            if field.model != "crm.lead" or field.relation != "res.partner":
                continue
            lead_id = tracking.mail_message_id.res_id
            if lead_id not in people:
                lead = Lead.browse(lead_id).exists()
                people[lead_id] = (
                    lead._channel_people_visible_to(
                        reader, bool(lead._channel_contact_visible_leads())
                    )
                    if lead
                    else set()
                )
            named = {tracking.old_value_integer, tracking.new_value_integer} - {0}
            if named - people[lead_id]:
                hidden |= tracking
        return hidden

    def _filter_has_field_access(self, env):
        trackings = super()._filter_has_field_access(env)
        if env.su or not env.user.share:
            return trackings
        trackings = trackings._channel_readable_by_partner()
        return trackings - trackings._channel_naming_hidden_people(env.user.commercial_partner_id)
