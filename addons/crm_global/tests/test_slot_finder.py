from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..tools import tz as tz_tools
from .common import CrmGlobalTimeCase


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01 00:00:00")
class TestSlotFinder(CrmGlobalTimeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finder = cls.env["crm.slot.finder"]
        cls.paris_rep = cls._salesperson("camille", "Europe/Paris")
        cls._window("us", 9, 17)
        cls._window("in", 10, 18, "1111110")
        cls._window("np", 10, 17, "1111101")
        cls._window("il", 9, 18, "1111001")

    def _slots(self, user, country_code, tz, start, days=1, **kwargs):
        country = self.env.ref(f"base.{country_code}")
        return self.finder._find_slots(user, country, tz, start=start, days=days, **kwargs)

    def _day(self, slots):
        return [(slot["start"].strftime("%H:%M"), slot["stop"].strftime("%H:%M")) for slot in slots]

    def test_daylight_saving_changes_on_either_side(self):
        # Monday 2 March: both on winter time, Paris = New York + 6h
        slots = self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 2))
        self.assertEqual(self._day(slots)[0], ("14:00", "14:30"), "15:00 Paris = 09:00 NY")
        self.assertEqual(self._day(slots)[-1], ("15:30", "16:00"), "17:00 Paris closes")
        # Monday 9 March: New York moved to summer time on the 8th, Paris not yet (+5h)
        slots = self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 9))
        self.assertEqual(self._day(slots)[0], ("13:00", "13:30"), "14:00 Paris = 09:00 NY")
        self.assertEqual(len(slots), 6)
        # Monday 30 March: Paris moved on the 29th, +6h again but both an hour earlier in UTC
        slots = self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 30))
        self.assertEqual(self._day(slots)[0], ("13:00", "13:30"), "15:00 Paris = 09:00 NY")
        self.assertEqual(self._day(slots)[-1], ("14:30", "15:00"), "17:00 Paris (CEST)")
        # the week-end of the Paris change: Sunday 29 March has nothing
        self.assertFalse(
            self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 29))
        )

    def test_half_and_quarter_hour_zones(self):
        # Kolkata +05:30, window 10-18: 04:30-12:30 UTC; Paris 08:00-16:00 UTC in winter
        slots = self._slots(self.paris_rep, "in", "Asia/Kolkata", datetime(2026, 3, 2))
        self.assertEqual(self._day(slots)[0], ("08:00", "08:30"))
        self.assertEqual(self._day(slots)[-1], ("12:00", "12:30"))
        first = tz_tools.utc_to_local(slots[0]["start"], "Asia/Kolkata")
        self.assertEqual(first.strftime("%H:%M"), "13:30")
        # Kathmandu +05:45, window 10-17: closes at 11:15 UTC; slots follow the Paris clock
        slots = self._slots(self.paris_rep, "np", "Asia/Kathmandu", datetime(2026, 3, 2))
        self.assertEqual(self._day(slots)[-1], ("10:30", "11:00"))
        first = tz_tools.utc_to_local(slots[0]["start"], "Asia/Kathmandu")
        self.assertEqual(first.strftime("%H:%M"), "13:45")

    def test_lord_howe_thirty_minute_shift_opens_a_slot(self):
        au = self._window("au", 9, 18)
        self.assertTrue(au)
        # Friday 3 April: Lord Howe on +11, its day ends at 07:00 UTC when Paris opens: nothing
        friday = self._slots(self.paris_rep, "au", "Australia/Lord_Howe", datetime(2026, 4, 3))
        self.assertFalse(friday)
        # Monday 6 April: Lord Howe went back to +10:30 on the 5th; 07:00-07:30 UTC is shared
        monday = self._slots(self.paris_rep, "au", "Australia/Lord_Howe", datetime(2026, 4, 6))
        self.assertEqual(self._day(monday), [("07:00", "07:30")])
        local = tz_tools.utc_to_local(monday[0]["start"], "Australia/Lord_Howe")
        self.assertEqual(local.strftime("%H:%M"), "17:30")

    def test_kiritimati_customer_with_a_pago_pago_salesperson(self):
        pago_pago_rep = self._salesperson("sione", "Pacific/Pago_Pago")
        self._window("ki", 9, 18)
        # Monday 4 May in Pago Pago (-11) is Tuesday 5 May in Kiritimati (+14)
        slots = self._slots(pago_pago_rep, "ki", "Pacific/Kiritimati", datetime(2026, 5, 4, 11))
        self.assertEqual(len(slots), 16, "the whole Pago Pago day, 09:00-17:00")
        start = slots[0]["start"]
        self.assertEqual(
            tz_tools.utc_to_local(start, "Pacific/Pago_Pago").strftime("%a %H:%M"), "Mon 09:00"
        )
        self.assertEqual(
            tz_tools.utc_to_local(start, "Pacific/Kiritimati").strftime("%a %H:%M"), "Tue 10:00"
        )
        # Friday in Pago Pago is Saturday in Kiritimati: no slot
        self.assertFalse(
            self._slots(pago_pago_rep, "ki", "Pacific/Kiritimati", datetime(2026, 5, 8, 11))
        )

    def test_friday_saturday_weekend_customer(self):
        slots = self._slots(self.paris_rep, "il", "Asia/Jerusalem", datetime(2026, 3, 2), days=7)
        days = {tz_tools.utc_to_local(s["start"], "Asia/Jerusalem").strftime("%a") for s in slots}
        self.assertEqual(days, {"Mon", "Tue", "Wed", "Thu"}, "Paris rests on Sunday, Israel on Fri")

    def test_busy_events_leaves_and_holidays_are_avoided(self):
        partner = self.paris_rep.partner_id
        Event = self.env["calendar.event"].with_context(no_mail_to_attendees=True)
        day = datetime(2026, 3, 2)
        Event.create(
            {
                "name": "Board",
                "start": datetime(2026, 3, 2, 14, 0),
                "stop": datetime(2026, 3, 2, 15, 0),
                "partner_ids": [(6, 0, [partner.id])],
            }
        )
        declined = Event.create(
            {
                "name": "Declined",
                "start": datetime(2026, 3, 2, 15, 0),
                "stop": datetime(2026, 3, 2, 15, 30),
                "partner_ids": [(6, 0, [partner.id])],
            }
        )
        declined.attendee_ids.filtered(lambda a: a.partner_id == partner).do_decline()
        Event.create(
            {
                "name": "Free lunch talk",
                "start": datetime(2026, 3, 2, 15, 30),
                "stop": datetime(2026, 3, 2, 16, 0),
                "show_as": "free",
                "partner_ids": [(6, 0, [partner.id])],
            }
        )
        slots = self._slots(self.paris_rep, "us", "America/New_York", day)
        self.assertEqual(self._day(slots), [("15:00", "15:30"), ("15:30", "16:00")])
        # an all-day event the salesperson attends blocks their whole day
        Event.create(
            {
                "name": "Trade fair",
                "allday": True,
                "start_date": "2026-03-03",
                "stop_date": "2026-03-03",
                "start": datetime(2026, 3, 3, 8),
                "stop": datetime(2026, 3, 3, 18),
                "partner_ids": [(6, 0, [partner.id])],
            }
        )
        self.assertFalse(
            self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 3))
        )
        # a leave of the salesperson
        resource = self.paris_rep.resource_ids
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Dentist",
                "resource_id": resource.id,
                "calendar_id": resource.calendar_id.id,
                "date_from": datetime(2026, 3, 4, 14, 0),
                "date_to": datetime(2026, 3, 4, 23, 0),
            }
        )
        self.assertFalse(
            self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 4))
        )
        # a public holiday of the customer
        self.env["crm.public.holiday"].create(
            {"name": "Holiday", "date": "2026-03-05", "country_id": self.env.ref("base.us").id}
        )
        self.assertFalse(
            self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 5))
        )
        self.assertTrue(self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 6)))

    def test_no_slot_in_the_past_nor_without_a_time_zone(self):
        with freeze_time("2026-03-02 14:40:00"):
            slots = self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 2))
            self.assertEqual(self._day(slots)[0], ("15:00", "15:30"))
        self.assertEqual(self._slots(self.paris_rep, "us", False, datetime(2026, 3, 2)), [])

    def test_queries_do_not_grow_with_events(self):
        partner = self.paris_rep.partner_id
        Event = self.env["calendar.event"].with_context(no_mail_to_attendees=True)

        def count(n_events):
            Event.create(
                [
                    {
                        "name": f"Call {i}",
                        "start": datetime(2026, 3, 9 + i % 5, 8 + i % 7, 0),
                        "stop": datetime(2026, 3, 9 + i % 5, 8 + i % 7, 20),
                        "partner_ids": [(6, 0, [partner.id])],
                    }
                    for i in range(n_events)
                ]
            )
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._slots(self.paris_rep, "us", "America/New_York", datetime(2026, 3, 2), days=14)
            return self.env.cr.sql_log_count - before

        count(0)  # warm the caches that outlive a call (rules, compiled domains)
        self.assertEqual(count(5), count(50))
        self.assertLessEqual(count(100), 15)

    def test_salesperson_without_zone_or_resource_of_their_company(self):
        """The finder's one read of the salesperson: no zone of their own is their company
        calendar's zone; a resource in another company is not theirs here, so the company's
        calendar applies (and their own resource's hours do not)."""
        rep = self._salesperson("noor", "Asia/Dubai", hour_from=6, hour_to=8)
        rep.resource_ids.company_id = self.env["res.company"].create({"name": "Elsewhere"})
        company_calendar = self.env["resource.calendar"].create(
            {"name": "Company 9-17", "tz": "Europe/Paris", "company_id": self.company.id}
        )
        self.company.resource_calendar_id = company_calendar
        rep.tz = False
        # Monday 2 March: the company calendar, 09:00-17:00 Paris minus its lunch (12-13),
        # meets New York's 09:00 at 14:00 UTC
        slots = self._slots(rep, "us", "America/New_York", datetime(2026, 3, 2))
        self.assertEqual(self._day(slots)[0], ("14:00", "14:30"))
        self.assertEqual(self._day(slots)[-1], ("15:30", "16:00"))
        # a zone of their own: the calendar's hours on their clock (St John's, UTC-03:30:
        # 09:00-17:00 is 12:30-20:30 UTC, lunch 15:30-16:30 UTC)
        rep.tz = "America/St_Johns"
        slots = self._slots(rep, "us", "America/New_York", datetime(2026, 3, 2))
        self.assertEqual(self._day(slots)[0], ("14:00", "14:30"))
        self.assertIn(("15:00", "15:30"), self._day(slots))
        self.assertNotIn(("15:30", "16:00"), self._day(slots), "lunch on St John's clock")
        self.assertEqual(self._day(slots)[-1], ("20:00", "20:30"))

    def test_wizard_lists_both_clocks_and_books(self):
        customer = self._customer("Jordan Blake", "us", tz="America/New_York")
        lead = self.env["crm.lead"].create(
            {
                "name": "East coast reefers",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": self.paris_rep.id,
                "company_id": self.company.id,
            }
        )
        action = lead.with_user(self.paris_rep).action_crm_find_slots()
        wizard = self.env["crm.slot.finder.wizard"].browse(action["res_id"])
        line = wizard.line_ids[0]
        self.assertIn("Monday 2 March 2026, 15:00 (Europe/Paris)", line.user_time)
        self.assertIn("Monday 2 March 2026, 09:00 (America/New_York)", line.customer_time)
        event_action = line.with_user(self.paris_rep).action_book()
        event = self.env["calendar.event"].browse(event_action["res_id"])
        self.assertEqual(event.opportunity_id, lead)
        self.assertEqual(event.partner_ids, customer | self.paris_rep.partner_id)
        self.assertFalse(event.crm_window_warning)
