from odoo import api, fields, models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    # The slot finder reads a salesperson's attendances (crm.slot.finder._user_busy_intervals):
    # stock indexes neither side of the attendee table, so that would scan it whole.
    partner_id = fields.Many2one(index=True)

    @api.depends("partner_id.crm_tz")
    def _compute_mail_tz(self):
        """Invitations and reminders state times in the attendee's own time zone: the one set
        on the contact or, where stock leaves it empty (and then prints the sender's clock),
        the one inferred from the contact's state, country or phone."""
        res = super()._compute_mail_tz()
        for attendee in self:
            attendee.mail_tz = attendee.partner_id.crm_tz or attendee.mail_tz
        return res
