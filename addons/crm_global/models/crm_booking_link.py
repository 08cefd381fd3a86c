import secrets
from datetime import timedelta

import pytz
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, format_date, format_time
from odoo.tools.misc import hmac

from ..tools import tz as tz_tools

TOKEN_SCOPE = "crm_global.booking_link"


class CrmBookingLink(models.Model):
    """A signed link a customer opens to book a meeting with the salesperson of an opportunity.

    The URL carries the link's id and an HMAC of (id, secret key, expiry) under the database
    secret: a forged or altered URL, or one whose link was revoked (new key), does not verify.
    """

    _name = "crm.booking.link"
    _description = "Customer Booking Link"
    _order = "id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", "Opportunity", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, ondelete="cascade", check_company=True
    )
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        required=True,
        domain="[('share', '=', False)]",
        check_company=True,
    )
    duration = fields.Integer("Meeting Length (minutes)", default=30, required=True)
    days = fields.Integer("Bookable Days Ahead", default=14, required=True)
    notice_hours = fields.Integer("Minimum Notice (hours)", default=12, required=True)
    expiry = fields.Datetime(
        required=True, default=lambda self: fields.Datetime.now() + timedelta(days=7)
    )
    state = fields.Selection(
        [("open", "Open"), ("booked", "Booked"), ("revoked", "Revoked")],
        default="open",
        required=True,
    )
    access_key = fields.Char(
        default=lambda self: secrets.token_urlsafe(24),
        required=True,
        copy=False,
        groups="base.group_system",
    )
    booking_ids = fields.One2many("crm.booking", "link_id", string="Bookings")
    booking_url = fields.Char("Booking Link URL", compute="_compute_booking_url")

    _sql_constraints = (
        (
            "duration_check",
            "CHECK(duration BETWEEN 5 AND 480)",
            "A meeting lasts 5 to 480 minutes.",
        ),
        ("days_check", "CHECK(days BETWEEN 1 AND 60)", "Offer 1 to 60 days of slots."),
    )

    @api.depends("access_key", "expiry")
    def _compute_booking_url(self):
        for link in self:
            if link.id:
                # one record at a time: with `website`, each link's base URL is its company's
                # website (get_base_url refuses several records)
                link.booking_url = f"{link.get_base_url()}{link.sudo()._crm_booking_path()}"
            else:
                link.booking_url = False

    def _crm_token(self):
        self.ensure_one()
        link = self.sudo()
        message = (link.id, link.access_key, fields.Datetime.to_string(link.expiry))
        return hmac(self.env(su=True), TOKEN_SCOPE, message)

    def _crm_booking_path(self):
        self.ensure_one()
        return f"/crm/book/{self.id}/{self._crm_token()}"

    @api.model
    def _crm_resolve(self, link_id, token):
        """The link a URL designates, and its status: 'invalid' (unknown or forged), 'expired',
        'revoked', 'booked' or 'open'. Called by the public route before anything else."""
        link = self.sudo().browse(link_id).exists()
        if not link or not token or not consteq(link._crm_token(), str(token)):
            return self.browse(), "invalid"
        if link.state in ("booked", "revoked"):
            return link, link.state
        if link.expiry <= fields.Datetime.now():
            return link, "expired"
        return link, "open"

    def _crm_customer_tz(self):
        self.ensure_one()
        return self.partner_id.crm_tz or self.lead_id.customer_tz or "UTC"

    def _crm_display_tz(self, tz_name=None):
        """The zone the page speaks in: the one the visitor chose or their browser reported
        (a valid IANA name, shown under its canonical name), else the customer's known zone."""
        self.ensure_one()
        if tz_name and tz_name in pytz.all_timezones_set:
            return tz_tools.canonical_zone(tz_name)
        return self._crm_customer_tz()

    def _crm_free_slots(self, tz_name=None):
        """Free slots for the customer, their contact window read in `tz_name` (where the
        visitor says they are) or in their known zone."""
        self.ensure_one()
        lead = self.lead_id
        return self.env["crm.slot.finder"]._find_slots(
            self.user_id,
            lead.country_id or self.partner_id.country_id,
            self._crm_display_tz(tz_name),
            days=self.days,
            duration=self.duration,
            notice_hours=self.notice_hours,
        )

    def _crm_slot_label(self, start, tz_name):
        """'Monday 2 March 2026, 10:00' for a naive UTC start, in `tz_name` and the env's
        language."""
        local = tz_tools.utc_to_local(start, tz_name)
        return "%s, %s" % (
            format_date(self.env, local.date(), date_format="EEEE d MMMM y"),
            format_time(self.env, local.time(), time_format="HH:mm"),
        )

    def _crm_slots_by_day(self, slots, tz_name=None):
        """[(day label, [(slot start as stored, time label)])] in the page's clock."""
        self.ensure_one()
        tz_name = self._crm_display_tz(tz_name)
        days = []
        for slot in slots:
            local = tz_tools.utc_to_local(slot["start"], tz_name)
            day_label = format_date(self.env, local.date(), date_format="EEEE d MMMM y")
            time_label = format_time(self.env, local.time(), time_format="HH:mm")
            if not days or days[-1][0] != day_label:
                days.append((day_label, []))
            days[-1][1].append((fields.Datetime.to_string(slot["start"]), time_label))
        return days

    def _crm_current_booking(self):
        self.ensure_one()
        return self.sudo().booking_ids.filtered(lambda b: b.state == "booked")[:1]

    def _crm_booked_label(self):
        self.ensure_one()
        booking = self._crm_current_booking()
        if not booking:
            return ""
        return self._crm_slot_label(booking.start, booking.customer_tz or self._crm_customer_tz())

    def _crm_url(self, action=None):
        """The link's URL, for the page (no action), 'reschedule' or 'cancel'."""
        self.ensure_one()
        url = self.sudo().booking_url
        return f"{url}?{action}=1" if action else url

    def _crm_page_texts(self, tz_name):
        """Sentences of the booking page, translated whole (so that each language orders its
        words) with names, numbers and times isolated in <bdi>."""
        self.ensure_one()
        link = self.sudo()
        values = {
            "salesperson": link.user_id.name,
            "opportunity": link.lead_id.name,
            "duration": link.duration,
            "tz": tz_name,
            "when": link._crm_booked_label(),
        }
        isolated = {key: Markup("<bdi>%s</bdi>") % value for key, value in values.items()}

        def sentence(text):
            return Markup(escape(text)) % isolated

        return {
            "title": sentence(self.env._("Book a meeting with %(salesperson)s")),
            "subtitle": sentence(
                self.env._(
                    "%(opportunity)s · %(duration)s minutes · times shown in your time zone, %(tz)s"
                )
            ),
            "ask_new": sentence(self.env._("Please ask %(salesperson)s for a new link.")),
            "booked": sentence(self.env._("%(when)s (%(tz)s) with %(salesperson)s.")),
            "rescheduling": sentence(
                self.env._("Pick a new time: your meeting of %(when)s moves there.")
            ),
            "none_free": sentence(
                self.env._(
                    "No time is free in the coming days. Please contact %(salesperson)s directly."
                )
            ),
        }

    def _crm_book(self, start, tz_name=None, name=None, email=None, note=None, browser_tz=None):
        """Book the slot starting at `start` (naive UTC) for this link's customer, or move the
        meeting booked through it there (rescheduling).

        Exactly once: the booking row is guarded by database constraints (no two bookings of a
        salesperson overlap; one booking per link), so two customers clicking the same slot at
        the same moment get one meeting and one clear refusal. `tz_name` is the zone the page
        showed; `browser_tz` the zone the customer's browser reported, which becomes the
        contact's zone unless a person set one. The customer gets a confirmation with a
        calendar file and the links to reschedule or cancel.
        """
        self.ensure_one()
        link = self.sudo()
        now = fields.Datetime.now()
        previous = link._crm_current_booking()
        # a booked meeting can be moved until it starts, even once the link expired
        usable = (link.state == "open" and link.expiry > now) or (
            link.state == "booked" and previous and previous.start > now
        )
        if not usable:
            raise UserError(
                self.env._("This booking link can no longer be used. Ask for a new one.")
            )
        tz_name = link._crm_display_tz(tz_name)
        slot = next((s for s in link._crm_free_slots(tz_name) if s["start"] == start), None)
        if not slot:
            raise UserError(
                self.env._(
                    "This time is not available (any more). Please pick one of the times shown."
                )
            )
        if previous:
            # frees the old time and the link's one booking, in this same transaction
            previous.write({"state": "cancelled"})
        booking = (
            self.env["crm.booking"]
            .sudo()
            ._crm_create_exclusive(
                {
                    "link_id": link.id,
                    "lead_id": link.lead_id.id,
                    "user_id": link.user_id.id,
                    "partner_id": link.partner_id.id,
                    "start": slot["start"],
                    "stop": slot["stop"],
                }
            )
        )
        booking.write(
            {
                "customer_tz": tz_name,
                "attendee_name": (name or "").strip()[:200] or link.partner_id.name,
                "attendee_email": (email or "").strip()[:200] or link.partner_id.email,
                "note": (note or "").strip()[:2000] or False,
            }
        )
        # the meeting and the note are for the salesperson: in their language
        rep_env = link.with_context(lang=link.user_id.lang or self.env.lang).env
        # the customer gets our confirmation (with the .ics), not stock's invitation too
        Event = (
            self.env["calendar.event"]
            .sudo()
            .with_context(crm_global_booking=True, no_mail_to_attendees=True)
        )
        if previous.event_id:
            event = previous.event_id.with_env(Event.env)
            event.write({"start": slot["start"], "stop": slot["stop"]})
        else:
            event = Event.create(
                {
                    "name": rep_env._(
                        "%(lead)s: meeting booked by %(customer)s",
                        lead=link.lead_id.name,
                        customer=link.partner_id.name,
                    ),
                    "start": slot["start"],
                    "stop": slot["stop"],
                    "user_id": link.user_id.id,
                    "opportunity_id": link.lead_id.id,
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": link.lead_id.id,
                    "partner_ids": [(6, 0, (link.user_id.partner_id | link.partner_id).ids)],
                }
            )
        if booking.note:
            event.description = booking.note
        booking.event_id = event
        link.state = "booked"
        if browser_tz:
            link.partner_id._crm_set_browser_tz(browser_tz)
        when = self.env["crm.slot.finder"]._slot_label(slot["start"], link.user_id.tz or "UTC")
        if previous:
            body = rep_env._(
                "%(customer)s moved their meeting to %(when)s.",
                customer=link.partner_id.name,
                when=when,
            )
        else:
            body = rep_env._(
                "%(customer)s booked a meeting for %(when)s.",
                customer=link.partner_id.name,
                when=when,
            )
        if booking.attendee_email != link.partner_id.email or booking.note:
            body = Markup("%s<br/>%s") % (
                body,
                rep_env._(
                    "Given on the booking page: %(name)s <%(email)s>. %(note)s",
                    name=booking.attendee_name,
                    email=booking.attendee_email,
                    note=booking.note or "",
                ),
            )
        link.lead_id.message_post(body=body, subtype_xmlid="mail.mt_note")
        booking._crm_send_confirmation()
        return booking

    def _crm_cancel(self):
        """The customer cancels the meeting booked through this link; the link can book again
        while it is valid."""
        self.ensure_one()
        link = self.sudo()
        booking = link._crm_current_booking()
        if link.state != "booked" or not booking:
            raise UserError(self.env._("There is no meeting to cancel on this link."))
        if booking.start <= fields.Datetime.now():
            raise UserError(
                self.env._("This meeting has already started: it cannot be cancelled here.")
            )
        booking.action_cancel()
        link.state = "open"
        rep_env = link.with_context(lang=link.user_id.lang or self.env.lang).env
        link.lead_id.message_post(
            body=rep_env._(
                "%(customer)s cancelled the meeting of %(when)s.",
                customer=link.partner_id.name,
                when=self.env["crm.slot.finder"]._slot_label(
                    booking.start, link.user_id.tz or "UTC"
                ),
            ),
            subtype_xmlid="mail.mt_note",
        )
        booking._crm_send_confirmation()
        return booking

    def action_revoke(self):
        """Withdraw the link: its URLs still verify (the customer is told the link was
        withdrawn, not that it was forged) but book nothing; the state is checked by every
        booking."""
        self.check_access("write")
        self.sudo().filtered(lambda link: link.state == "open").write({"state": "revoked"})
