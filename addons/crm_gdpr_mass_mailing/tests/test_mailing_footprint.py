import base64
import io
import json
import zipfile

from odoo.tests import tagged

from odoo.addons.crm_gdpr.tests.common import GdprCase

NAME = "Hanna Lindqvist"
EMAIL = "hanna.lindqvist@example.se"


@tagged("post_install", "-at_install")
class TestMailingFootprint(GdprCase):
    """The person's mailing contacts, list memberships and the traces of mailings sent to them
    are in the access archive, and erasure removes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hanna = cls.env["res.partner"].create({"name": NAME, "email": EMAIL})
        cls.newsletter = cls.env["mailing.list"].create({"name": "Kitchen news"})
        cls.contact = cls.env["mailing.contact"].create(
            {"name": NAME, "email": EMAIL, "list_ids": [(4, cls.newsletter.id)]}
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Spring offers",
                "body_html": "<p>Our spring offers are here.</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, cls.newsletter.ids)],
                "gdpr_purpose_id": cls.purpose_news.id,
            }
        )
        cls.trace = cls.env["mailing.trace"].create(
            {
                "mass_mailing_id": cls.mailing.id,
                "model": "mailing.contact",
                "res_id": cls.contact.id,
                "email": EMAIL,
                "trace_status": "sent",
            }
        )

    def _request(self, request_type):
        request = self.env["crm.gdpr.request"].create(
            {
                "request_type": request_type,
                "partner_id": self.hanna.id,
                "identity_method": "email",
                "company_id": self.company.id,
            }
        )
        request.action_verify_identity()
        return request

    def test_access_archive_holds_lists_and_mailings(self):
        request = self._request("access")
        request.with_user(self.user_dpo).action_process()
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(request.sudo().archive_file)))
        payload = json.loads(archive.read("data.json"))
        sections = payload["sections"]
        self.assertEqual(sections["mailing_lists"][0]["list"], "Kitchen news")
        self.assertEqual(sections["mailings"][0]["mailing"], "Spring offers")
        self.assertIn(f"mailing.contact,{self.contact.id}", payload["records"])
        self.assertIn(f"mailing.trace,{self.trace.id}", payload["records"])

    def test_erasure_deletes_mailing_contacts_and_anonymises_traces(self):
        request = self._request("erasure")
        self.assertEqual(request.with_user(self.user_dpo).action_process(), [])
        self.assertFalse(self.contact.exists())
        self.assertNotEqual(self.trace.email, EMAIL)
        self.assertIn("erased.invalid", self.trace.email)
        identifiers = self.env["crm.gdpr.scanner"]._identifier_set([EMAIL], [NAME])
        self.assertEqual(self.env["crm.gdpr.scanner"]._scan(identifiers), [])
