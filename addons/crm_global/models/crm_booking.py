import base64

import psycopg2.errors

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.res_partner import _tz_get


class CrmBooking(models.Model):
    """A meeting slot a customer booked through a link. The table itself refuses a second
    booking of a salesperson overlapping the first, and a second booking through the same link:
    that holds between concurrent transactions, where a check in Python would not."""

    _name = "crm.booking"
    _description = "Customer Booking"
    _order = "start desc"
    _rec_name = "start"
    _check_company_auto = True

    link_id = fields.Many2one("crm.booking.link", required=True, ondelete="cascade", index=True)
    lead_id = fields.Many2one("crm.lead", "Opportunity", required=True, ondelete="cascade")
    # The deal's company when the customer booked, written with the booking. Not a stored related
    # field: that would look for bookings with one query per lead on each write of leads'
    # company, which stock's lead assignment does lead by lead.
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one("res.users", "Salesperson", required=True, index=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True)
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    event_id = fields.Many2one("calendar.event", "Meeting", ondelete="set null")
    state = fields.Selection(
        [("booked", "Booked"), ("cancelled", "Cancelled")], default="booked", required=True
    )
    customer_tz = fields.Selection(
        _tz_get, string="Customer's Time Zone", help="The zone the customer booked in."
    )
    attendee_name = fields.Char("Name Given")
    attendee_email = fields.Char("Email Given")
    note = fields.Text("Customer's Note")

    _sql_constraints = (
        ("stop_after_start", "CHECK(stop > start)", "A booking ends after it starts."),
    )

    def init(self):
        # ranges of a gist index: a salesperson's int4range [id, id] and the slot's tsrange
        # overlap only for the same salesperson and overlapping times (no extension needed)
        self.env.cr.execute("SELECT 1 FROM pg_constraint WHERE conname = 'crm_booking_no_overlap'")
        if not self.env.cr.fetchone():
            self.env.cr.execute(
                SQL(
                    """
                    ALTER TABLE crm_booking ADD CONSTRAINT crm_booking_no_overlap
                    EXCLUDE USING gist (
                        int4range(user_id, user_id, '[]') WITH &&,
                        tsrange(start, stop) WITH &&
                    ) WHERE (state = 'booked')
                    """
                )
            )
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS crm_booking_one_per_link
                ON crm_booking (link_id) WHERE state = 'booked'
            """
        )

    def _crm_create_exclusive(self, values):
        """Insert the booking, or raise a clear UserError when the database refuses it.

        A transaction racing another one for the same slot waits for it on the exclusion
        constraint (or unique index), then inserts nothing (ON CONFLICT DO NOTHING) or, under
        Odoo's repeatable-read isolation, fails to serialize: either way the booking is refused.
        """
        lead = self.env["crm.lead"].browse(values["lead_id"])
        now = self.env.cr.now()
        self.flush_model()
        query = SQL(
            """
                INSERT INTO crm_booking (link_id, lead_id, company_id, user_id, partner_id,
                                         start, stop, state,
                                         create_uid, create_date, write_uid, write_date)
                VALUES (%s, %s, %s, %s, %s, %s, %s, 'booked', %s, %s, %s, %s)
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
            values["link_id"],
            lead.id,
            lead.company_id.id or None,
            values["user_id"],
            values["partner_id"],
            values["start"],
            values["stop"],
            self.env.uid,
            now,
            self.env.uid,
            now,
        )
        try:
            with self.env.cr.savepoint(flush=False):
                # expected under contention: not an error for Odoo's log
                self.env.cr.execute(query, log_exceptions=False)
                rows = self.env.cr.fetchall()
        except (
            psycopg2.errors.ExclusionViolation,
            psycopg2.errors.UniqueViolation,
            psycopg2.errors.SerializationFailure,
        ):
            rows = []
        if not rows:
            raise UserError(
                self.env._("Someone booked this time a moment ago. Please pick another time.")
            )
        return self.browse(rows[0][0])

    def action_cancel(self):
        self.write({"state": "cancelled"})
        self.event_id.with_context(no_mail_to_attendees=True).action_archive()

    def _crm_mail_subject(self):
        self.ensure_one()
        if self.state == "booked":
            return self.env._("meeting booked for %(when)s", when=self._crm_when_label())
        return self.env._("meeting of %(when)s cancelled", when=self._crm_when_label())

    def _crm_when_label(self):
        """The meeting's day and time in the zone the customer booked in, their language."""
        self.ensure_one()
        tz_name = self.customer_tz or self.link_id._crm_customer_tz()
        return "%s (%s)" % (self.link_id._crm_slot_label(self.start, tz_name), tz_name)

    def _crm_ics_attachments(self):
        """[(file name, base64 content)]: the meeting as an iCalendar file."""
        self.ensure_one()
        if not self.event_id or self.state != "booked":
            return []
        ics = self.event_id.sudo()._get_ics_file().get(self.event_id.id)
        return [("meeting.ics", base64.b64encode(ics))] if ics else []

    def _crm_send_confirmation(self):
        """Mail the customer: booked (with the .ics and the links to reschedule or cancel) or
        cancelled."""
        template = self.env.ref("crm_global.mail_template_booking_confirmation")
        for booking in self.sudo():
            if not (booking.attendee_email or booking.partner_id.email):
                continue
            template.send_mail(
                booking.id,
                email_layout_xmlid="mail.mail_notification_light",
                email_values={"attachments": booking._crm_ics_attachments()},
            )
