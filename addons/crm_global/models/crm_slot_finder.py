import math
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import format_datetime

from odoo.addons.resource.models.utils import Intervals

from ..tools import tz as tz_tools


class CrmSlotFinder(models.AbstractModel):
    """Free slots that fit both a salesperson's working time and a customer's contact window.

    Salesperson: the working calendar (``resource.calendar`` of the user, else the company's) in
    the user's time zone, minus leaves (``resource.calendar.leaves``) and busy calendar events
    they attend. Customer: business hours of working days that are not public holidays in their
    country, on their own clock. Both sides are built day by day on their own calendars and
    intersected in UTC, so daylight-saving changes on either side are followed.
    """

    _name = "crm.slot.finder"
    _description = "Meeting Slot Finder"

    @api.model
    def _find_slots(
        self,
        user,
        country,
        customer_tz,
        start=None,
        days=14,
        duration=30,
        step=30,
        notice_hours=0,
        limit=None,
    ):
        """Slots as dicts ``{"start", "stop"}`` of naive UTC datetimes, earliest first.

        :param user: the salesperson (res.users)
        :param country: the customer's country (res.country, may be empty)
        :param customer_tz: the customer's time zone name (no slot when unknown)
        :param start: naive UTC datetime to search from (default: now)
        :param duration: meeting length in minutes; ``step``: minutes between slot starts,
            aligned on the salesperson's clock
        """
        if not customer_tz:
            return []
        now = fields.Datetime.now()
        start = max(start or now, now + timedelta(hours=notice_hours))
        start_utc = pytz.utc.localize(start)
        stop_utc = start_utc + timedelta(days=days)
        # what the finder reads of the user, in one query each, not every column
        user.fetch(["company_id", "partner_id"])
        user.partner_id.fetch(["tz"])
        user_tz = user.tz or user.company_id.resource_calendar_id.tz or "UTC"

        free = self._user_work_intervals(user, user_tz, start_utc, stop_utc)
        customer = self.env["crm.contact.window"]._crm_open_intervals(
            country, customer_tz, start_utc, stop_utc
        )
        free &= Intervals([(a, b, self.env["crm.lead"]) for a, b in customer])
        free -= self._user_busy_intervals(user, user_tz, start_utc, stop_utc)

        slots = []
        length = timedelta(minutes=duration)
        for interval_start, interval_stop, _records in free:
            slot = self._align(interval_start, user_tz, step)
            while slot + length <= interval_stop:
                slots.append(
                    {
                        "start": slot.astimezone(pytz.utc).replace(tzinfo=None),
                        "stop": (slot + length).astimezone(pytz.utc).replace(tzinfo=None),
                    }
                )
                if limit and len(slots) >= limit:
                    return slots
                slot += timedelta(minutes=step)
        return slots

    @api.model
    def _align(self, moment, tz_name, step):
        """First instant at or after `moment` on a `step`-minute grid of the local clock."""
        local = moment.astimezone(tz_tools.zone(tz_name))
        minutes = local.hour * 60 + local.minute + (local.second or local.microsecond) / 60
        aligned = math.ceil(minutes / step) * step
        naive = datetime.combine(local.date(), time()) + timedelta(minutes=aligned)
        return max(tz_tools.localize(naive, tz_name), moment).astimezone(pytz.utc)

    @api.model
    def _user_work_intervals(self, user, user_tz, start_utc, stop_utc):
        company = user.company_id
        resource = (
            self.env["resource.resource"]
            .sudo()
            .search_fetch(
                [("user_id", "=", user.id), ("company_id", "in", [company.id, False])],
                ["calendar_id", "company_id", "tz"],
                limit=1,
            )
        )
        calendar = resource.calendar_id or company.resource_calendar_id
        if not calendar:
            return Intervals([(start_utc, stop_utc, self.env["crm.lead"])])
        intervals = calendar.sudo()._work_intervals_batch(
            start_utc, stop_utc, resources=resource or None, tz=pytz.timezone(user_tz)
        )[resource.id]
        return Intervals(
            [
                (a.astimezone(pytz.utc), b.astimezone(pytz.utc), self.env["crm.lead"])
                for a, b, _r in intervals
            ]
        )

    @api.model
    def _user_busy_intervals(self, user, user_tz, start_utc, stop_utc):
        """Events the salesperson attends and has not declined, shown as busy."""
        partner = user.partner_id
        start, stop = start_utc.replace(tzinfo=None), stop_utc.replace(tzinfo=None)
        events = (
            self.env["calendar.event"]
            .sudo()
            .search_fetch(
                [
                    ("show_as", "=", "busy"),
                    ("start", "<", stop + timedelta(days=1)),
                    ("stop", ">", start - timedelta(days=1)),
                    (
                        "attendee_ids",
                        "any",
                        [("partner_id", "=", partner.id), ("state", "!=", "declined")],
                    ),
                ],
                ["start", "stop", "allday", "start_date", "stop_date"],
            )
        )
        busy = []
        for event in events:
            if event.allday:
                first, last = event.start_date, event.stop_date or event.start_date
                a = tz_tools.localize(datetime.combine(first, time()), user_tz)
                b = tz_tools.localize(datetime.combine(last + timedelta(days=1), time()), user_tz)
            else:
                a, b = pytz.utc.localize(event.start), pytz.utc.localize(event.stop)
            busy.append((a.astimezone(pytz.utc), b.astimezone(pytz.utc), self.env["crm.lead"]))
        return Intervals(busy)

    @api.model
    def _slot_label(self, slot_start, tz_name, lang_code=None):
        """'Tuesday 10 March 2026, 09:00' in `tz_name` (naive UTC in)."""
        return format_datetime(
            self.env,
            slot_start,
            tz=tz_name,
            dt_format="EEEE d MMMM y, HH:mm",
            lang_code=lang_code,
        )
