from odoo import api, models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    @api.depends("partner_id.crm_tz")
    def _compute_mail_tz(self):
        """Invitations and reminders state times in the attendee's own time zone: the one set
        on the contact or, where stock leaves it empty (and then prints the sender's clock),
        the one inferred from the contact's state, country or phone."""
        res = super()._compute_mail_tz()
        for attendee in self:
            attendee.mail_tz = attendee.partner_id.crm_tz or attendee.mail_tz
        return res
