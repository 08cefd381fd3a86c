from datetime import datetime

from freezegun import freeze_time

from odoo.tests import Form, TransactionCase, new_test_user, tagged

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


@tagged("post_install", "-at_install")
class TestTimeZoneEvidence(TransactionCase):
    """A zone counts as the contact's only when a person set it or the customer's browser
    reported it: stock gives every new contact the creating user's zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env,
            login="brussels_rep",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            tz="Europe/Brussels",
        )
        # as the web client calls: the user's zone in the context
        cls.rep_env = cls.env(user=cls.rep, context={"tz": "Europe/Brussels", "lang": "en_US"})
        cls.jp = cls.env.ref("base.jp")
        cls.br = cls.env.ref("base.br")

    def test_back_office_contact_gets_no_zone_from_its_creator(self):
        partner = self.rep_env["res.partner"].create(
            {"name": "Sakura Cold Logistics KK", "is_company": True, "country_id": self.jp.id}
        )
        self.assertEqual(partner.tz, "Europe/Brussels", "stock's default, still there")
        self.assertFalse(partner.crm_tz_origin)
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("Asia/Tokyo", "country"))
        # the form sends its default zone back: still not evidence
        with Form(self.rep_env["res.partner"]) as form:
            form.name = "Osaka Reefers KK"
            form.country_id = self.jp
        self.assertEqual(form.record.tz, "Europe/Brussels")
        self.assertEqual((form.record.crm_tz, form.record.crm_tz_source), ("Asia/Tokyo", "country"))
        # a default from the context or a global default is a default too
        brazil = self.rep_env["res.partner"].with_context(default_tz="Asia/Dubai")
        partner = brazil.create({"name": "Ipanema", "country_id": self.br.id})
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), (False, "ambiguous"))
        self.env["ir.default"].set("res.partner", "tz", "Asia/Dubai")
        partner = self.rep_env["res.partner"].create({"name": "Manaus", "country_id": self.br.id})
        self.assertEqual(partner.tz, "Asia/Dubai")
        self.assertEqual(partner.crm_tz_source, "ambiguous")

    def test_a_person_setting_the_zone_is_evidence(self):
        partner = self.rep_env["res.partner"].create(
            {"name": "Kyoto Foods", "country_id": self.br.id, "tz": "America/Recife"}
        )
        self.assertEqual(partner.crm_tz_origin, "partner")
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("America/Recife", "partner"))
        partner = self.rep_env["res.partner"].create({"name": "Rio", "country_id": self.br.id})
        with Form(partner.with_env(self.rep_env)) as form:
            form.tz = "America/Manaus"
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("America/Manaus", "partner"))
        # even the creator's own zone, once someone writes it
        partner.tz = "Europe/Brussels"
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("Europe/Brussels", "partner"))
        partner.tz = False
        self.assertFalse(partner.crm_tz_origin)
        self.assertEqual(partner.crm_tz_source, "ambiguous")

    def test_lead_conversion_does_not_give_the_users_zone(self):
        lead = self.rep_env["crm.lead"].create(
            {"name": "Reefers", "partner_name": "Nagoya Cold KK", "country_id": self.jp.id}
        )
        wizard = (
            self.rep_env["crm.lead2opportunity.partner"]
            .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
            .create({"name": "convert", "action": "create"})
        )
        wizard.action_apply()
        partner = lead.partner_id
        self.assertTrue(partner)
        self.assertFalse(partner.crm_tz_origin)
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("Asia/Tokyo", "country"))
        self.assertEqual((lead.customer_tz, lead.customer_tz_source), ("Asia/Tokyo", "country"))

    def test_opportunity_form_does_not_turn_an_inference_into_evidence(self):
        partner = self.rep_env["res.partner"].create({"name": "Berlin", "country_id": self.jp.id})
        with Form(self.rep_env["crm.lead"]) as form:
            form.name = "Cold rooms"
            form.partner_id = partner
        self.assertFalse(partner.crm_tz_origin)
        self.assertEqual(form.record.customer_tz_source, "country")

    def test_browser_reported_zone(self):
        partner = self.rep_env["res.partner"].create({"name": "Rio", "country_id": self.br.id})
        partner.sudo()._crm_set_browser_tz("America/Sao_Paulo")
        self.assertEqual(
            (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_origin),
            ("America/Sao_Paulo", "browser", "browser"),
        )
        partner.sudo()._crm_set_browser_tz("Not/AZone")
        self.assertEqual(partner.crm_tz, "America/Sao_Paulo")
        # a zone a person set is not moved by a travelling customer's browser
        partner.tz = "America/Manaus"
        partner.sudo()._crm_set_browser_tz("Europe/Lisbon")
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("America/Manaus", "partner"))


@tagged("post_install", "-at_install")
class TestTimeZonePrecision(TransactionCase):
    def _partner(self, **values):
        return self.env["res.partner"].create({"name": "Customer", **values})

    def test_phone_area_code_is_more_precise_than_the_state(self):
        us = self.env.ref("base.us")
        texas = self.env["res.country.state"].search(
            [("country_id", "=", us.id), ("code", "=", "TX")]
        )
        self.assertEqual(texas.crm_tz, "America/Chicago")
        el_paso = self._partner(country_id=us.id, state_id=texas.id, phone="+1 915 555 0100")
        self.assertEqual(
            (el_paso.crm_tz, el_paso.crm_tz_source, el_paso.crm_tz_confidence),
            ("America/Denver", "phone", "high"),
        )
        # a national number, read in the country
        el_paso = self._partner(country_id=us.id, state_id=texas.id, mobile="(915) 555-0101")
        self.assertEqual(el_paso.crm_tz, "America/Denver")
        # a number from another state says less than the address: the state wins
        houston = self._partner(country_id=us.id, state_id=texas.id, phone="+1 212 555 0100")
        self.assertEqual((houston.crm_tz, houston.crm_tz_source), ("America/Chicago", "state"))
        # a number that does not place the person (toll-free): the state
        dallas = self._partner(country_id=us.id, state_id=texas.id, phone="+1 800 555 0100")
        self.assertEqual((dallas.crm_tz, dallas.crm_tz_source), ("America/Chicago", "state"))

    def test_countries_of_one_clock_resolve(self):
        for code, zone in (
            ("de", "Europe/Berlin"),
            ("ar", "America/Argentina/Buenos_Aires"),
            ("my", "Asia/Kuala_Lumpur"),
        ):
            partner = self._partner(country_id=self.env.ref(f"base.{code}").id)
            self.assertEqual(
                (partner.crm_tz, partner.crm_tz_source, partner.crm_tz_confidence),
                (zone, "country", "high"),
                code,
            )
        # countries of several clocks still ask
        for code in ("us", "au", "cn"):
            partner = self._partner(country_id=self.env.ref(f"base.{code}").id)
            self.assertEqual(partner.crm_tz_source, "ambiguous", code)

    def test_one_clock_country_does_not_block_the_slot_finder(self):
        partner = self._partner(country_id=self.env.ref("base.de").id, email="k@example.de")
        lead = self.env["crm.lead"].create(
            {"name": "Service contract", "type": "opportunity", "partner_id": partner.id}
        )
        self.assertEqual(lead.customer_tz, "Europe/Berlin")
        action = lead.action_crm_find_slots()
        self.assertEqual(action["res_model"], "crm.slot.finder.wizard")

    def test_canonical_zone_names(self):
        # phonenumbers still says Asia/Calcutta, Asia/Katmandu, America/Buenos_Aires
        for phone, zone in (
            ("+91 98200 12345", "Asia/Kolkata"),
            ("+977 1 4412345", "Asia/Kathmandu"),
            ("+54 11 4321 0000", "America/Argentina/Buenos_Aires"),
        ):
            partner = self._partner(phone=phone)
            self.assertEqual((partner.crm_tz, partner.crm_tz_source), (zone, "phone"), phone)
        partner = self._partner(phone="+91 98200 12345", country_id=self.env.ref("base.in").id)
        self.assertEqual(partner.crm_tz, "Asia/Kolkata")
        # a deprecated name set by a person is shown under its canonical name
        partner = self._partner(tz="Asia/Calcutta")
        self.assertEqual((partner.crm_tz, partner.crm_tz_source), ("Asia/Kolkata", "partner"))
        self.assertEqual(partner.tz, "Asia/Calcutta", "what the person chose is kept")
