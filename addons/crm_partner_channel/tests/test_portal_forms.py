from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestPortalFormsBadInput(ChannelCase, HttpCase):
    """Every portal form answers bad input (text where an id is expected, ids of nothing) with a
    message on the page and changes nothing; never a server error."""

    def post(self, url, **data):
        return self.url_open(url, data={"csrf_token": http.Request.csrf_token(self), **data})

    def assertMessage(self, response, text):
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertIn(text, response.text)

    @mute_logger("odoo.http")
    def test_non_numeric_ids_in_deal_forms(self):
        activity = self.lead_a.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_a_manager.id
        )
        self.authenticate("a_manager", "a_manager")
        before = self.snapshot(self.lead_a)
        lead = self.lead_a.id
        cases = [
            (f"/my/opportunity/{lead}/stage", {"stage_id": "abc"}, "Choose an open stage"),
            (f"/my/opportunity/{lead}/stage", {"stage_id": "99999999"}, "Choose an open stage"),
            (f"/my/opportunity/{lead}/stage", {"stage_id": ""}, "Choose an open stage"),
            (
                f"/my/opportunity/{lead}/activity",
                {"activity_type_id": "call", "date_deadline": "2099-01-01"},
                "Choose the kind of activity",
            ),
            (
                f"/my/opportunity/{lead}/activity",
                {
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                    "date_deadline": "tomorrow",
                },
                "The activity date must be a date",
            ),
            (f"/my/opportunity/{lead}/activity/99999999/done", {}, "no longer exists"),
            (f"/my/opportunity/{lead}/assign", {"user_id": "me"}, "Choose a colleague"),
            (f"/my/opportunity/{lead}/update", {"expected_revenue": "lots"}, "must be a number"),
            (f"/my/opportunity/{lead}/update", {"priority": "x"}, "0 to 3 stars"),
        ]
        for url, data, message in cases:
            with self.subTest(url=url, data=data):
                self.assertMessage(self.post(url, **data), message)
                self.assertEqual(self.snapshot(self.lead_a), before)
        self.assertTrue(activity.exists())

    @mute_logger("odoo.http")
    def test_non_numeric_reason_when_declining(self):
        self.authenticate("a_sales", "a_sales")
        before = self.snapshot(self.lead_offered)
        response = self.post(
            f"/my/lead/{self.lead_offered.id}/decline", reason_id="busy", comment="x"
        )
        self.assertMessage(response, "Choose why you decline this offer")
        self.assertEqual(self.snapshot(self.lead_offered), before)

    @mute_logger("odoo.http")
    def test_non_numeric_ids_in_registration_form(self):
        self.authenticate("a_sales", "a_sales")
        count = self.env["crm.channel.registration"].search_count([])
        response = self.post(
            "/my/channel/register",
            customer_name="Lumen Retail SAS",
            contact_name="Paul Martin",
            email="paul.martin@lumen-retail.example.com",
            country_id="France",
            expected_revenue="30000",
            date_close_expected=str(fields.Date.add(fields.Date.today(), days=30)),
            product_ids="cables",
        )
        self.assertMessage(response, "Choose a country from the list")
        self.assertIn("Choose the products from the list", response.text)
        self.assertEqual(self.env["crm.channel.registration"].search_count([]), count)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_losing_the_race_against_a_withdrawal_says_no_longer_open(self):
        self.authenticate("a_sales", "a_sales")
        # the partner opened the offer; meanwhile the vendor withdraws it
        self.lead_offered.with_user(self.salesman).action_channel_withdraw()
        for url, data in (
            (f"/my/lead/{self.lead_offered.id}/accept", {}),
            (f"/my/lead/{self.lead_offered.id}/decline", {"reason_id": self.reason.id}),
        ):
            with self.subTest(url=url):
                response = self.post(url, **data)
                self.assertMessage(response, "This offer is no longer open.")
        self.assertEqual(self.lead_offered.channel_state, "queued")
        self.assertFalse(self.lead_offered.partner_assigned_id)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_losing_the_race_against_a_colleague_says_no_longer_open(self):
        self.authenticate("a_sales2", "a_sales2")
        self.lead_offered.with_user(self.user_a_sales).action_channel_accept()
        response = self.post(f"/my/lead/{self.lead_offered.id}/accept")
        self.assertMessage(response, "This offer is no longer open.")
        self.assertEqual(self.lead_offered.channel_user_id, self.user_a_sales)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_losing_the_race_against_a_colleague_as_manager_says_no_longer_open(self):
        """A partner manager still reads the deal its colleague took: the refusal of its late
        answer is the same message, not a 403 (make load's resellers met it)."""
        self.authenticate("a_manager", "a_manager")
        self.lead_offered.with_user(self.user_a_sales).action_channel_accept()
        # the acceptance's tracking message is posted when its transaction commits
        self.env.cr.precommit.run()
        before = self.snapshot(self.lead_offered)
        for url, data in (
            (f"/my/lead/{self.lead_offered.id}/accept", {}),
            (f"/my/lead/{self.lead_offered.id}/decline", {"reason_id": self.reason.id}),
        ):
            with self.subTest(url=url):
                response = self.post(url, **data)
                self.assertEqual(response.status_code, 200)
                self.assertMessage(response, "This offer is no longer open.")
        self.assertEqual(self.snapshot(self.lead_offered), before)
        self.assertEqual(self.lead_offered.channel_user_id, self.user_a_sales)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule")
    def test_another_partner_still_gets_no_page(self):
        self.authenticate("b_manager", "b_manager")
        response = self.post(f"/my/lead/{self.lead_offered.id}/accept")
        self.assertIn(response.status_code, (403, 404))
        self.assertNotIn(self.lead_offered.name, response.text)
