from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import PERSON, PartnerSharingCase


@tagged("post_install", "-at_install")
class TestPartnerSharingPortal(PartnerSharingCase, HttpCase):
    """What the partner's portal pages and RPC calls show of the person, as consent comes and
    goes."""

    def rpc_read(self, lead, fnames):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": "crm.lead", "method": "read", "args": [lead.ids, fnames], "kwargs": {}},
        )[0]

    def deal_page(self, lead):
        response = self.url_open(f"/my/opportunity/{lead.id}")
        self.assertEqual(response.status_code, 200)
        return response.text

    def assert_page_hides_person(self, page):
        self.assertIn("Warehouse scanners for Antwerp", page)
        self.assertIn("Channel New", page)
        self.assertIn('value="12000.0"', page)
        self.assertIn("o_channel_contact_hidden", page)
        for text in PERSON:
            self.assertNotIn(text, page)

    def test_page_and_rpc_follow_consent(self):
        fnames = [
            "name",
            "expected_revenue",
            "stage_id",
            "channel_contact_visible",
            "channel_contact_name",
            "channel_email",
            "channel_phone",
            "channel_street",
        ]
        self.authenticate("a_sales", "a_sales")
        self.assert_page_hides_person(self.deal_page(self.lead_a))
        values = self.rpc_read(self.lead_a, fnames)
        self.assertEqual(values["name"], "Warehouse scanners for Antwerp")
        self.assertEqual(values["expected_revenue"], 12000)
        self.assertEqual(values["stage_id"][0], self.stage_new.id)
        self.assertFalse(values["channel_contact_visible"])
        self.assertFalse(values["channel_contact_name"])
        self.assertFalse(values["channel_email"])
        self.assertFalse(values["channel_phone"])
        self.assertFalse(values["channel_street"])
        # the person agrees on the phone: the partner sees them on the next page
        self.record_consent(self.lead_a)
        page = self.deal_page(self.lead_a)
        self.assertIn("Jane Customer", page)
        self.assertIn("jane.customer@customer-corp.example.com", page)
        self.assertIn("+32 470 12 34 56", page)
        self.assertNotIn("o_channel_contact_hidden", page)
        values = self.rpc_read(self.lead_a, fnames)
        self.assertTrue(values["channel_contact_visible"])
        self.assertEqual(values["channel_email"], "jane.customer@customer-corp.example.com")
        self.assertEqual(values["channel_contact_name"], "Jane Customer")
        # and withdraws it: hidden again
        self.record_consent(self.lead_a, decision="withdrawn")
        self.assert_page_hides_person(self.deal_page(self.lead_a))
        values = self.rpc_read(self.lead_a, fnames)
        self.assertFalse(values["channel_contact_visible"])
        self.assertFalse(values["channel_email"])

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.http_routing.models.ir_http")
    def test_consent_opens_nothing_to_another_partner_nor_the_raw_fields(self):
        self.record_consent(self.lead_a)
        self.authenticate("b_manager", "b_manager")
        response = self.url_open(f"/my/opportunity/{self.lead_a.id}")
        self.assertIn(response.status_code, (403, 404))
        for text in PERSON:
            self.assertNotIn(text, response.text)
        with self.assertRaises(JsonRpcException):
            self.rpc_read(self.lead_a, ["channel_email"])
        # the right partner reads the person through the channel fields only
        self.authenticate("a_sales", "a_sales")
        for fnames in (["email_from"], ["contact_name"], ["gdpr_partner_sharing_reason"]):
            with self.subTest(fnames=fnames), self.assertRaises(JsonRpcException) as caught:
                self.rpc_read(self.lead_a, fnames)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
