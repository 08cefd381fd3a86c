from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from .. import portal_input
from ..models.crm_channel_registration import RegistrationInputError
from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestPortalInput(ChannelCase):
    """Amounts are read in the partner's language, or refused with a message; deadlines come
    with the time left."""

    def test_parse_amount_in_the_languages_format(self):
        cases = [
            ("45.000,00", ".", ",", 45000.0),
            ("45.000", ".", ",", 45000.0),
            ("45000,5", ".", ",", 45000.5),
            ("€ 45.000,00", ".", ",", 45000.0),
            ("45\u202f000,00", "\u202f", ",", 45000.0),
            ("45,000.00", ",", ".", 45000.0),
            ("45000", ",", ".", 45000.0),
            ("45.5", ",", ".", 45.5),
        ]
        for text, thousands, point, expected in cases:
            with self.subTest(text=text, thousands=thousands, point=point):
                self.assertEqual(portal_input.parse_amount(text, thousands, point), expected)
        # read two ways, or not an amount: refused
        for text, thousands, point in (
            ("45.000,00", ",", "."),
            ("45000.5", ".", ","),
            ("4.50.00", ".", ","),
            ("45k", ",", "."),
            ("", ",", "."),
        ):
            with (
                self.subTest(text=text, thousands=thousands, point=point),
                self.assertRaises(ValueError),
            ):
                portal_input.parse_amount(text, thousands, point)

    def _register(self, user, amount):
        return (
            self.env["crm.channel.registration"]
            .with_user(user)
            .action_channel_register(
                {
                    "customer_name": "Lumen Retail SAS",
                    "contact_name": "Paul Martin",
                    "email": "paul.martin@lumen-retail.example.com",
                    "country_id": self.country_fr.id,
                    "expected_revenue": amount,
                    "date_close_expected": str(fields.Date.today() + timedelta(days=30)),
                }
            )
        )

    def test_registration_amount_in_the_partners_language(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.user_a_sales.lang = "de_DE"
        registration = self._register(self.user_a_sales, "45.000,00").sudo()
        self.assertEqual(registration.expected_revenue, 45000)
        with self.assertRaises(RegistrationInputError) as caught:
            self._register(self.user_a_sales, "45000.50")
        self.assertIn("45.000,50", caught.exception.errors["expected_revenue"])
        # an English-speaking partner writes it the other way
        self.user_b_sales.lang = "en_US"
        registration = self._register(self.user_b_sales, "45,000.00").sudo()
        self.assertEqual(registration.expected_revenue, 45000)
        with self.assertRaises(RegistrationInputError):
            self._register(self.user_b_sales, "45.000,00")

    def test_offer_shows_the_time_left(self):
        lead = self.lead_offered.with_user(self.user_a_sales)
        deadline = self.lead_offered.channel_offer_deadline
        with freeze_time(deadline - timedelta(hours=30)):
            lead.invalidate_recordset()
            values = lead.read(["channel_offer_time_left"])[0]
            self.assertEqual(values["channel_offer_time_left"], "30 hours left")
        with freeze_time(deadline + timedelta(minutes=1)):
            lead.invalidate_recordset()
            self.assertEqual(lead.channel_offer_time_left, "expired")
        # not offered: nothing to count down
        self.assertFalse(self.lead_a.with_user(self.user_a_sales).channel_offer_time_left)


@tagged("post_install", "-at_install")
class TestPortalPages(ChannelCase, HttpCase):
    def test_home_tile_and_page_share_one_name(self):
        self.authenticate("a_manager", "a_manager")
        home = self.url_open("/my").text
        tile = home[home.index('href="/my/leads"') :][:800]
        self.assertIn("Offers", tile)
        self.assertNotIn("Leads", tile)
        page = self.url_open("/my/leads").text
        self.assertIn('<h3 class="mb-3">Offers</h3>', page)

    def test_offer_deadline_in_the_partners_time_zone(self):
        self.user_a_sales.tz = "Asia/Tokyo"
        self.authenticate("a_sales", "a_sales")
        page = self.url_open(f"/my/lead/{self.lead_offered.id}").text
        self.assertIn("Asia/Tokyo", page)
        self.assertIn("o_channel_time_left", page)
        self.assertIn(" left", page)

    def test_win_rate_only_with_outcomes(self):
        self.authenticate("a_manager", "a_manager")
        page = self.url_open("/my/channel/scorecard").text
        self.assertIn("No outcome yet", page)
        self.assertNotIn(">0%<", page.replace("</bdi>", ""))
