from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import LocalTimeCommon


@tagged("post_install", "-at_install")
class TestLocalSendTimes(LocalTimeCommon):
    """Each recipient's send time: the mailing's local time on the first open day of the
    dates in their own calendar (crm_global's zone, contact window, weekend, holidays)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls._person("Paris Person", "Europe/Paris", "fr")
        cls.new_york = cls._person("New York Person", "America/New_York", "us")
        cls.tokyo = cls._person("Tokyo Person", "Asia/Tokyo", "jp")

    def test_date_line(self):
        """Kiritimati (UTC+14) and Pago Pago (UTC-11) receive it at 09:30 on the same local
        Tuesday: 25 hours apart."""
        kiritimati = self._person("Kiri Person", "Pacific/Kiritimati", "ki")
        pago_pago = self._person("Pago Person", "Pacific/Pago_Pago", "as")
        mailing = self._mailing(kiritimati | pago_pago, "2026-12-08", "2026-12-11")
        times = self._launch(mailing, self.utc(2026, 12, 7, 10, 0))  # Tue 00:00 in Kiritimati
        self.assertEqual(times[kiritimati.id], self.utc(2026, 12, 7, 19, 30))
        self.assertEqual(times[pago_pago.id], self.utc(2026, 12, 8, 20, 30))
        self.assertEqual(mailing.state, "in_queue")
        self.assertEqual(mailing.schedule_date, self.utc(2026, 12, 7, 19, 30))

    def test_daylight_saving_changes(self):
        """The US moves its clocks on 8 March 2026, Europe on 29 March: 09:30 is 08:30 UTC then
        07:30 UTC in Paris, 14:30 UTC then 13:30 UTC in New York."""
        people = self.paris | self.new_york
        expected = {
            # before both changes
            "2026-03-02": (self.utc(2026, 3, 2, 8, 30), self.utc(2026, 3, 2, 14, 30)),
            # between: New York on summer time, Paris not yet
            "2026-03-09": (self.utc(2026, 3, 9, 8, 30), self.utc(2026, 3, 9, 13, 30)),
            # after both
            "2026-03-30": (self.utc(2026, 3, 30, 7, 30), self.utc(2026, 3, 30, 13, 30)),
        }
        for first, (paris_at, new_york_at) in expected.items():
            with self.subTest(first=first):
                mailing = self._mailing(people, first, "2026-04-10")
                times = self._launch(mailing, self.utc(2026, 3, 1, 0, 0))
                self.assertEqual(times[self.paris.id], paris_at)
                self.assertEqual(times[self.new_york.id], new_york_at)
        # the window is crossed while the clocks change: launched on Saturday 28 March, the
        # mailing leaves Paris on Monday at 09:30 summer time
        mailing = self._mailing(people, "2026-03-27", "2026-04-03")
        times = self._launch(mailing, self.utc(2026, 3, 28, 12, 0))
        self.assertEqual(times[self.paris.id], self.utc(2026, 3, 30, 7, 30))
        self.assertEqual(times[self.new_york.id], self.utc(2026, 3, 30, 13, 30))

    def test_preview_in_company_time(self):
        """Before sending, the form lists how many leave at which company (Brussels) time."""
        mailing = self._mailing(self.paris | self.new_york | self.tokyo, "2026-03-09", "2026-03-13")
        with freeze_time(self.utc(2026, 3, 1, 0, 0)):
            summary = str(mailing.crm_local_summary)
        # Tokyo 09:30 = 01:30 Brussels, Paris 09:30, New York 09:30 EDT = 14:30 Brussels (CET)
        self.assertIn("Mon 9 Mar 01:30", summary)
        self.assertIn("Mon 9 Mar 09:30", summary)
        self.assertIn("Mon 9 Mar 14:30", summary)
        self.assertLess(summary.index("01:30"), summary.index("09:30"))
        self.assertLess(summary.index("09:30"), summary.index("14:30"))
        self.assertEqual(mailing.crm_local_fallback_count, 0)
        self.assertFalse(mailing.crm_local_schedule_ids, "a preview stores nothing")

    def test_friday_saturday_weekend(self):
        """Launched on Thursday 10 December after 09:30 in Riyadh and Jerusalem: their next
        working day is Sunday; Paris gets it the same Thursday."""
        riyadh = self._person("Riyadh Person", "Asia/Riyadh", "sa")
        jerusalem = self._person("Jerusalem Person", "Asia/Jerusalem", "il")
        mailing = self._mailing(riyadh | jerusalem | self.paris, "2026-12-10", "2026-12-17")
        times = self._launch(mailing, self.utc(2026, 12, 10, 8, 0))
        self.assertEqual(times[riyadh.id], self.utc(2026, 12, 13, 6, 30))
        self.assertEqual(times[jerusalem.id], self.utc(2026, 12, 13, 7, 30))
        # 09:00 in Paris: its 09:30 has not come yet, the same day
        self.assertEqual(times[self.paris.id], self.utc(2026, 12, 10, 8, 30))

    def test_public_holiday(self):
        """A public holiday of the recipient's country is skipped, not a neighbour's; the
        German contact's zone is inferred from the country (one clock)."""
        berlin = self._person("Berlin Person", country="de")
        self.assertEqual(berlin.crm_tz, "Europe/Berlin")
        holiday = self.env["crm.public.holiday"].search(
            [("country_id.code", "=", "DE"), ("date", "=", "2026-12-09")]
        ) or self.env["crm.public.holiday"].create(
            {"name": "Test holiday", "country_id": self.env.ref("base.de").id, "date": "2026-12-09"}
        )
        self.assertTrue(holiday)
        mailing = self._mailing(berlin | self.paris, "2026-12-09", "2026-12-11")
        times = self._launch(mailing, self.utc(2026, 12, 9, 5, 0))
        self.assertEqual(times[berlin.id], self.utc(2026, 12, 10, 8, 30))
        self.assertEqual(times[self.paris.id], self.utc(2026, 12, 9, 8, 30))

    def test_unknown_zone_falls_back(self):
        """No zone and nothing to infer it from (no country; the US without a state): the
        marketer's fallback zone, counted on the form before sending."""
        nowhere = self._person("Nowhere Person")
        somewhere_us = self._person("Somewhere Person", country="us")
        self.assertFalse(nowhere.crm_tz)
        self.assertFalse(somewhere_us.crm_tz)
        mailing = self._mailing(
            nowhere | somewhere_us | self.paris, "2026-12-08", "2026-12-11", fallback="Asia/Tokyo"
        )
        with freeze_time(self.utc(2026, 12, 7, 0, 0)):
            self.assertEqual(mailing.crm_local_fallback_count, 2)
            summary = str(mailing.crm_local_summary)
        self.assertIn("Recipients whose zone is unknown", summary)
        self.assertIn("<bdi>2</bdi> (<bdi>Asia/Tokyo</bdi>)", summary)
        times = self._launch(mailing, self.utc(2026, 12, 7, 0, 0))
        self.assertEqual(times[nowhere.id], self.utc(2026, 12, 8, 0, 30))
        self.assertEqual(times[somewhere_us.id], self.utc(2026, 12, 8, 0, 30))
        zones = mailing._crm_local_send_times()
        self.assertEqual(
            {res_id: (tz, fallback) for res_id, (_at, tz, fallback) in zones.items()},
            {
                nowhere.id: ("Asia/Tokyo", True),
                somewhere_us.id: ("Asia/Tokyo", True),
                self.paris.id: ("Europe/Paris", False),
            },
        )

    def test_local_time_moved_into_the_window(self):
        """07:00 is before the Paris window (09:00-18:00): it leaves at 09:00. 20:00 is after
        it closed: it leaves at the next opening, Monday 09:00 after a Friday."""
        early = self._mailing(self.paris, "2026-12-11", "2026-12-18", hour=7.0)
        self.assertEqual(
            self._launch(early, self.utc(2026, 12, 10, 0, 0))[self.paris.id],
            self.utc(2026, 12, 11, 8, 0),
        )
        late = self._mailing(self.paris, "2026-12-11", "2026-12-18", hour=20.0)
        self.assertEqual(
            self._launch(late, self.utc(2026, 12, 10, 0, 0))[self.paris.id],
            self.utc(2026, 12, 14, 8, 0),
        )

    def test_no_open_day_in_the_dates(self):
        """A weekend-only range: Riyadh works on Sunday, Paris does not: Paris gets nothing
        and the form says so; with nobody able to receive it, it is not launched."""
        riyadh = self._person("Riyadh Person", "Asia/Riyadh", "sa")
        mailing = self._mailing(riyadh | self.paris, "2026-12-12", "2026-12-13")
        with freeze_time(self.utc(2026, 12, 7, 0, 0)):
            self.assertEqual(mailing.crm_local_no_slot_count, 1)
        times = self._launch(mailing, self.utc(2026, 12, 7, 0, 0))
        self.assertEqual(times, {riyadh.id: self.utc(2026, 12, 13, 6, 30), self.paris.id: False})
        only_paris = self._mailing(self.paris, "2026-12-12", "2026-12-13")
        with self.assertRaisesRegex(UserError, "No recipient"):
            self._launch(only_paris, self.utc(2026, 12, 7, 0, 0))
        self.assertEqual(only_paris.state, "draft")
        self.assertFalse(only_paris.crm_local_schedule_ids)

    def test_schedule_date_is_the_earliest(self):
        """A mailing scheduled for a later date (stock's Schedule) starts counting from it."""
        mailing = self._mailing(self.paris, "2026-12-07", "2026-12-18")
        mailing.schedule_date = self.utc(2026, 12, 9, 12, 0)
        with freeze_time(self.utc(2026, 12, 7, 0, 0)):
            mailing.action_put_in_queue()
        self.assertEqual(self._send_times(mailing)[self.paris.id], self.utc(2026, 12, 10, 8, 30))

    def test_queries_flat_in_recipients(self):
        """Scheduling 10 or 100 recipients of the same zones costs the same queries."""
        counts = []
        for size in (5, 10, 100):  # the first one fills caches
            partners = self.env["res.partner"].create(
                [
                    {
                        "name": f"Flat {size} {i}",
                        "email": f"flat.{size}.{i}@example.com",
                        "country_id": self.env.ref(("base.de", "base.jp", "base.sa")[i % 3]).id,
                    }
                    for i in range(size)
                ]
            )
            mailing = self._mailing(partners, "2026-12-08", "2026-12-11")
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(self.utc(2026, 12, 7, 0, 0)):
                before = self.env.cr.sql_log_count
                mailing.action_put_in_queue()
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(self._send_times(mailing)), size)
            # one row per zone and send time, with its recipients
            self.assertEqual(len(mailing.crm_local_schedule_ids), 3)
        self.assertEqual(counts[1], counts[2], counts)

    def test_settings_locked_once_launched(self):
        """Queued, the local-time settings cannot change by any write (the send times were
        computed from them); cancelled, the send times are dropped and computed again."""
        mailing = self._mailing(self.paris, "2026-12-08", "2026-12-11")
        self._launch(mailing, self.utc(2026, 12, 7, 0, 0))
        for vals in (
            {"crm_local_hour": 14.0},
            {"crm_local_time": False},
            {"crm_local_date_to": "2026-12-31"},
            {"crm_local_fallback_tz": "Asia/Tokyo"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                mailing.write(vals)
        mailing.write({"crm_local_hour": 9.5, "subject": "Same time, new subject"})
        mailing.action_cancel()
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(mailing.crm_local_schedule_ids)
        mailing.crm_local_hour = 14.0
        times = self._launch(mailing, self.utc(2026, 12, 7, 0, 0))
        self.assertEqual(times[self.paris.id], self.utc(2026, 12, 8, 13, 0))

    def test_invalid_settings(self):
        with self.assertRaises(ValidationError):
            self._mailing(self.paris, "2026-12-11", "2026-12-08")
        with self.assertRaises(ValidationError):
            self._mailing(self.paris, "2026-12-08", "2026-12-11", hour=24.0)
        with self.assertRaises(ValidationError):
            self._mailing(self.paris, "2026-12-08", "2026-12-11", ab_testing_enabled=True)
        mailing = self._mailing(self.paris, date(2026, 12, 8), date(2026, 12, 11))
        self.assertTrue(mailing.crm_local_time)
