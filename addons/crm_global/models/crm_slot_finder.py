import math
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

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
        facts = self._user_facts(user)
        user_tz = facts["tz"]

        free = self._user_work_intervals(user, user_tz, start_utc, stop_utc, facts=facts)
        customer = self.env["crm.contact.window"]._crm_open_intervals(
            country, customer_tz, start_utc, stop_utc
        )
        free &= Intervals([(a, b, self.env["crm.lead"]) for a, b in customer])
        free -= self._user_busy_intervals(
            user, user_tz, start_utc, stop_utc, partner_id=facts["partner_id"]
        )

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
    def _user_facts(self, user):
        """What the finder needs of the salesperson, in one query: their zone (the user's, else
        their company calendar's, else UTC), partner, resource in their company (or shared)
        and its calendar, else the company's."""
        self.env["res.users"].flush_model(["company_id", "partner_id"])
        self.env["res.partner"].flush_model(["tz"])
        self.env["res.company"].flush_model(["resource_calendar_id"])
        self.env["resource.calendar"].flush_model(["tz"])
        self.env["resource.resource"].flush_model(
            ["user_id", "company_id", "calendar_id", "active", "name"]
        )
        [row] = self.env.execute_query_dict(
            SQL(
                """
                SELECT u.partner_id, COALESCE(NULLIF(p.tz, ''), cc.tz) AS tz,
                       r.id AS resource_id,
                       COALESCE(r.calendar_id, c.resource_calendar_id) AS calendar_id
                  FROM res_users u
                  JOIN res_partner p ON p.id = u.partner_id
                  JOIN res_company c ON c.id = u.company_id
             LEFT JOIN resource_calendar cc ON cc.id = c.resource_calendar_id
             LEFT JOIN LATERAL (
                           SELECT r.id, r.calendar_id
                             FROM resource_resource r
                            WHERE r.user_id = u.id AND r.active
                              AND (r.company_id = u.company_id OR r.company_id IS NULL)
                         ORDER BY r.name, r.id
                            LIMIT 1
                       ) r ON TRUE
                 WHERE u.id = %s
                """,
                user.id,
            )
        )
        return {**row, "tz": row["tz"] or "UTC"}

    @api.model
    def _user_work_intervals(self, user, user_tz, start_utc, stop_utc, facts=None):
        facts = facts or self._user_facts(user)
        resource = self.env["resource.resource"].sudo().browse(facts["resource_id"])
        calendar = self.env["resource.calendar"].browse(facts["calendar_id"])
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
    def _user_busy_intervals(self, user, user_tz, start_utc, stop_utc, partner_id=None):
        """Events the salesperson attends and has not declined, shown as busy."""
        partner_id = partner_id or user.partner_id.id
        start, stop = start_utc.replace(tzinfo=None), stop_utc.replace(tzinfo=None)
        # One query, plain values (no records: only the times are read). The salesperson's
        # attendances not declined come first, from the attendee index, as one array computed
        # once: the plan stays linear in the number of events whatever the planner's
        # statistics say (a semi-join on fresh, unanalysed rows was planned as a nested loop).
        self.env["calendar.attendee"].flush_model(["event_id", "partner_id", "state"])
        self.env["calendar.event"].flush_model(
            ["active", "show_as", "start", "stop", "allday", "start_date", "stop_date"]
        )
        events = self.env.execute_query_dict(
            SQL(
                """
                SELECT e.start, e.stop, e.allday, e.start_date, e.stop_date
                  FROM calendar_event e
                 WHERE e.id = ANY(ARRAY(
                           SELECT a.event_id
                             FROM calendar_attendee a
                            WHERE a.partner_id = %s
                              AND a.state IS DISTINCT FROM 'declined'))
                   AND e.active AND e.show_as = 'busy'
                   AND e.start < %s AND e.stop > %s
                """,
                partner_id,
                stop + timedelta(days=1),
                start - timedelta(days=1),
            )
        )
        busy = []
        no_record = self.env["crm.lead"]
        for event in events:
            if event["allday"]:
                first, last = event["start_date"], event["stop_date"] or event["start_date"]
                a = tz_tools.localize(datetime.combine(first, time()), user_tz)
                b = tz_tools.localize(datetime.combine(last + timedelta(days=1), time()), user_tz)
            else:
                a, b = pytz.utc.localize(event["start"]), pytz.utc.localize(event["stop"])
            busy.append((a.astimezone(pytz.utc), b.astimezone(pytz.utc), no_record))
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
