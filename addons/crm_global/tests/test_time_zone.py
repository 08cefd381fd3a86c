from datetime import datetime

from freezegun import freeze_time

from odoo.tests import Form, TransactionCase, tagged

from ..tools import tz as tz_tools


@tagged("post_install", "-at_install")
class TestTimeZoneInference(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.country = {
            code: cls.env["res.country"].search([("code", "=", code)])
            for code in ("JP", "BR", "US", "IL", "AE", "IN", "NP", "KI", "AU", "FR")
        }

    def _partner(self, **values):
        return self.Partner.create({"name": "Customer", **values})

    def test_set_time_zone_wins(self):
        partner = self._partner(tz="Asia/Dubai", country_id=self.country["JP"].id)
        self.assertEqual(
            (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_confidence),
            ("Asia/Dubai", "partner", "high"),
        )

    def test_single_zone_country(self):
        partner = self._partner(country_id=self.country["JP"].id)
        self.assertEqual(
            (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_confidence),
            ("Asia/Tokyo", "country", "high"),
        )

    def test_state_decides_in_a_multi_zone_country(self):
        amazonas = self.env.ref("base.state_br_am")
        partner = self._partner(country_id=self.country["BR"].id, state_id=amazonas.id)
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("America/Manaus", "state"))
        # the shipped table is editable: a manager corrects a state
        amazonas.crm_tz = "America/Eirunepe"
        self.assertEqual(partner.crm_tz, "America/Eirunepe")

    def test_phone_decides_when_no_state(self):
        partner = self._partner(country_id=self.country["US"].id, phone="+1 415 555 0134")
        self.assertEqual(
            (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_confidence),
            ("America/Los_Angeles", "phone", "medium"),
        )
        # a national number is read in the partner's country
        partner = self._partner(country_id=self.country["BR"].id, mobile="(92) 99123-4567")
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("America/Manaus", "phone"))
        # phone alone, no country: low confidence
        partner = self._partner(phone="+81 3 1234 5678")
        self.assertEqual(
            (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_confidence),
            ("Asia/Tokyo", "phone", "low"),
        )

    def test_multi_zone_country_without_clue_asks(self):
        partner = self._partner(country_id=self.country["BR"].id, phone="not a number")
        self.assertFalse(partner.crm_tz)
        self.assertEqual(partner.crm_tz_source, "ambiguous")
        self.assertEqual(partner.crm_tz_confidence, "none")
        self.assertIn("America/Sao_Paulo", partner.crm_tz_candidates)
        self.assertIn("America/Manaus", partner.crm_tz_candidates)
        # Kiribati spans three zones; its number does not tell which one
        partner = self._partner(country_id=self.country["KI"].id, phone="+686 7512 3456")
        self.assertEqual(partner.crm_tz_source, "ambiguous")
        self.assertIn("Pacific/Kiritimati", partner.crm_tz_candidates)
        # nothing known at all
        partner = self._partner()
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), (False, "unknown"))

    def test_phone_of_another_country_does_not_override_the_country(self):
        partner = self._partner(country_id=self.country["JP"].id, phone="+1 212 555 0100")
        self.assertEqual(partner.crm_tz, "Asia/Tokyo")

    def test_opportunity_shows_customer_local_time_and_day(self):
        customer = self._partner(country_id=self.country["NP"].id)
        lead = self.env["crm.lead"].create(
            {"name": "Himalayan cold storage", "type": "opportunity", "partner_id": customer.id}
        )
        with freeze_time("2026-03-02 10:00:00"):  # a Monday, 15:45 in Kathmandu (+05:45)
            lead.invalidate_recordset(["customer_local_time"])
            self.assertEqual(lead.customer_tz, "Asia/Kathmandu")
            self.assertEqual(lead.customer_local_time, "Monday 15:45 (Asia/Kathmandu, UTC+05:45)")
        india = self._partner(country_id=self.country["IN"].id)
        lead.partner_id = india
        with freeze_time("2026-03-02 10:00:00"):
            lead.invalidate_recordset(["customer_local_time"])
            self.assertEqual(lead.customer_local_time, "Monday 15:30 (Asia/Kolkata, UTC+05:30)")

    def test_lead_without_contact_infers_from_its_own_fields(self):
        lead = self.env["crm.lead"].create(
            {"name": "Inbound", "country_id": self.country["AE"].id, "phone": "+971 4 123 4567"}
        )
        self.assertEqual((lead.customer_tz, lead.customer_tz_source), ("Asia/Dubai", "country"))

    def test_setting_the_zone_on_the_opportunity_sets_the_contact(self):
        customer = self._partner(country_id=self.country["BR"].id)
        lead = self.env["crm.lead"].create(
            {"name": "Açaí supply", "type": "opportunity", "partner_id": customer.id}
        )
        self.assertEqual(lead.customer_tz_source, "ambiguous")
        with Form(lead) as form:
            form.customer_tz = "America/Recife"
        self.assertEqual(customer.tz, "America/Recife")
        self.assertEqual(lead.customer_tz_source, "partner")

    def test_kiritimati_and_pago_pago_across_the_date_line(self):
        utc = datetime(2026, 5, 5, 20, 0)
        kiritimati = tz_tools.utc_to_local(utc, "Pacific/Kiritimati")
        pago_pago = tz_tools.utc_to_local(utc, "Pacific/Pago_Pago")
        self.assertEqual(kiritimati.strftime("%a %d %H:%M"), "Wed 06 10:00")
        self.assertEqual(pago_pago.strftime("%a %d %H:%M"), "Tue 05 09:00")
        self.assertEqual(tz_tools.utc_offset_label(kiritimati), "UTC+14:00")
        self.assertEqual(tz_tools.utc_offset_label(pago_pago), "UTC-11:00")
        # same wall-clock hour, a day and an hour apart
        self.assertEqual(
            tz_tools.local_to_utc(datetime(2026, 5, 6, 10, 0), "Pacific/Kiritimati"), utc
        )


@tagged("post_install", "-at_install")
class TestLocalTimes(TransactionCase):
    def test_paris_gap_moves_forward(self):
        # 2026-03-29 02:30 does not exist in Paris: clocks jump from 02:00 to 03:00
        utc = tz_tools.local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Paris")
        self.assertEqual(utc, datetime(2026, 3, 29, 1, 30))
        local = tz_tools.utc_to_local(utc, "Europe/Paris")
        self.assertEqual(local.strftime("%H:%M %Z"), "03:30 CEST")

    def test_paris_overlap_takes_first_occurrence(self):
        # 2026-10-25 02:30 happens twice in Paris: first in CEST (00:30 UTC), then CET
        utc = tz_tools.local_to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Paris")
        self.assertEqual(utc, datetime(2026, 10, 25, 0, 30))
        self.assertEqual(
            tz_tools.utc_to_local(datetime(2026, 10, 25, 1, 30), "Europe/Paris").strftime("%H:%M"),
            "02:30",
            "the second 02:30 exists too, an hour later",
        )

    def test_lord_howe_half_hour_shift(self):
        # Lord Howe moves by 30 minutes: +10:30 in winter, +11:00 in summer
        winter = tz_tools.localize(datetime(2026, 7, 1, 9, 0), "Australia/Lord_Howe")
        summer = tz_tools.localize(datetime(2026, 12, 1, 9, 0), "Australia/Lord_Howe")
        self.assertEqual(tz_tools.utc_offset_label(winter), "UTC+10:30")
        self.assertEqual(tz_tools.utc_offset_label(summer), "UTC+11:00")
        # 2026-10-04 02:15 does not exist (02:00 -> 02:30): moved forward by the 30 min gap
        gap = tz_tools.localize(datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe")
        self.assertEqual(gap.strftime("%H:%M"), "02:45")
        # 2026-04-05 01:45 happens twice (02:00 -> 01:30): first occurrence, summer time
        twice = tz_tools.local_to_utc(datetime(2026, 4, 5, 1, 45), "Australia/Lord_Howe")
        self.assertEqual(twice, datetime(2026, 4, 4, 14, 45))

    def test_quarter_and_half_hour_zones(self):
        self.assertEqual(
            tz_tools.local_to_utc(datetime(2026, 1, 15, 9, 0), "Asia/Kolkata"),
            datetime(2026, 1, 15, 3, 30),
        )
        self.assertEqual(
            tz_tools.local_to_utc(datetime(2026, 1, 15, 9, 0), "Asia/Kathmandu"),
            datetime(2026, 1, 15, 3, 15),
        )
        start, stop = tz_tools.local_day_interval(
            datetime(2026, 3, 29).date(), 9, 17, "Europe/Paris"
        )
        self.assertEqual((start.hour, stop.hour), (7, 15), "09-17 CEST on the day clocks change")
