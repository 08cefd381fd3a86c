import base64
import io
import json
import zipfile

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import GdprAccountingCase

NAME = "Lucía Fernández"
EMAIL = "lucia.fernandez@example.es"
IBAN = "ES91 2100 0418 4502 0005 1332"


@tagged("post_install", "-at_install")
class TestAccessArchive(GdprAccountingCase):
    """The access archive holds everything a scan of the database finds about the person; it
    is built by the officer and only the officer reads it; the officer's flow around it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.user_sales_2 = cls._new_user("gdpr_sales_2", "Other Salesman")
        cls.lucia = env["res.partner"].create({"name": NAME, "email": EMAIL})
        env["res.partner.bank"].create({"acc_number": IBAN, "partner_id": cls.lucia.id})
        cls.lead = env["crm.lead"].create(
            {
                "name": "Dining room",
                "partner_id": cls.lucia.id,
                "user_id": cls.user_sales_2.id,
                "description": "<p>Hidden note of the other salesman</p>",
            }
        )
        env["ir.attachment"].create(
            {
                "name": "sketch.txt",
                "raw": b"table sketch",
                "mimetype": "text/plain",
                "res_model": "crm.lead",
                "res_id": cls.lead.id,
            }
        )
        cls.invoice = cls._invoice(cls.lucia, 700, post=False)
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.invoice.write({"ref": "Order by phone"})
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # tracking values are written at commit time
        cls.invoice.action_post()
        cls.invoice.message_post(body="<p>Payment promised for Friday</p>")
        cls.invoice.activity_schedule(summary="Check the payment", user_id=cls.user_sales.id)
        env["mail.mail"].create(
            {
                "subject": "Your invoice",
                "email_to": EMAIL,
                "body_html": "<p>Here is your invoice</p>",
                "state": "sent",
                "auto_delete": False,
            }
        )
        cls._give(cls.lucia, cls.purpose_news, cls.channel_email, note="agreed at the fair")

    def _request(self, user):
        request = (
            self.env["crm.gdpr.request"]
            .with_user(user)
            .with_company(self.acc_company)
            .create(
                {
                    "request_type": "access",
                    "partner_id": self.lucia.id,
                    "company_id": self.acc_company.id,
                    "user_id": user.id,
                    "date_received": "2025-04-01",
                }
            )
        )
        wizard = Form(
            self.env["crm.gdpr.identity.check"]
            .with_user(user)
            .with_context(**request.action_open_identity_check()["context"])
        )
        wizard.identity_method = "email"
        wizard.save().action_confirm()
        return request

    def _payload(self, request):
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(request.sudo().archive_file)))
        return archive, json.loads(archive.read("data.json"))

    def test_identity_is_asked_in_a_dialog(self):
        request = self._request(self.user_sales)
        self.assertEqual(request.state, "verified")
        self.assertEqual(request.identity_method, "email")
        self.assertEqual(request.identity_verified_by, self.user_sales)
        arch = self.env.ref("crm_gdpr.crm_gdpr_request_view_form").arch
        self.assertIn('name="action_open_identity_check"', arch)
        self.assertNotIn('name="action_verify_identity"', arch)

    def test_a_salesperson_never_gets_the_archive(self):
        request = self._request(self.user_sales)
        with self.assertRaises(AccessError):
            request.with_user(self.user_sales).action_process()
        self.assertEqual(request.state, "verified")
        request.with_user(self.user_dpo).with_company(self.acc_company).action_process()
        self.assertEqual(request.state, "done")
        archive = request.sudo().archive_attachment_id
        self.assertTrue(archive)
        as_sales = request.with_user(self.user_sales)
        as_sales.read(["name", "state"])
        with self.assertRaises(AccessError):
            as_sales.read(["archive_file"])
        with self.assertRaises(AccessError):
            archive.with_user(self.user_sales).read(["datas"])
        # the officer reads it
        dpo_request = request.with_user(self.user_dpo).with_company(self.acc_company)
        self.assertTrue(dpo_request.read(["archive_file"])[0]["archive_file"])

    def test_archive_holds_everything_the_scan_finds(self):
        request = self._request(self.user_dpo)
        request.with_user(self.user_dpo).with_company(self.acc_company).action_process()
        archive, payload = self._payload(request)
        sections = payload["sections"]
        self.assertEqual(sections["bank_accounts"][0]["account_number"], IBAN)
        bodies = " ".join(m["body"] for m in sections["messages"])
        self.assertIn("Payment promised for Friday", bodies)
        changes = " ".join(m["changes"] for m in sections["messages"])
        self.assertIn("Order by phone", changes)
        self.assertIn("Your invoice", [m["subject"] for m in sections["mails"]])
        self.assertIn("Check the payment", [a["summary"] for a in sections["activities"]])
        self.assertIn(
            "Oak kitchen cabinets", [line["description"] for line in sections["invoice_lines"]]
        )
        self.assertEqual(sections["receipts"][0]["note"], "agreed at the fair")
        sketch = next(a for a in sections["attachments"] if a["name"] == "sketch.txt")
        self.assertEqual(archive.read(sketch["file"]), b"table sketch")
        # Everything a scan of every text column finds is in the archive.
        subject = request.subject_id.sudo()
        footprint = subject._gdpr_footprint()
        identifiers = self.env["crm.gdpr.eraser"]._identifiers(subject, footprint)
        found = self.env["crm.gdpr.scanner"]._scan_rows(identifiers)
        self.assertIn("res.partner.bank", found)
        self.assertIn("mail.mail", found)
        records = set(payload["records"])
        for model, ids in found.items():
            if model in ("crm.gdpr.request", "privacy.log", "crm.gdpr.legal.hold"):
                continue
            for record_id in ids:
                self.assertIn(f"{model},{record_id}", records)

    def test_send_the_archive_to_the_person(self):
        request = self._request(self.user_dpo)
        dpo_request = request.with_user(self.user_dpo).with_company(self.acc_company)
        dpo_request.action_process()
        with self.assertRaises(AccessError):
            request.with_user(self.user_sales).action_send_archive()
        mail_id = dpo_request.action_send_archive()
        mail = self.env["mail.mail"].browse(mail_id)
        self.assertEqual(mail.email_to, EMAIL)
        self.assertEqual(mail.attachment_ids, request.sudo().archive_attachment_id)
        self.assertTrue(request.archive_sent_date)

    def test_orders_in_the_archive_when_sales_is_installed(self):
        order = None
        if "sale.order" in self.env:
            env = self.env(context=dict(self.env.context, tracking_disable=False))
            product = env["product.product"].create({"name": "Oak chair"})
            order = env["sale.order"].create(
                {
                    "partner_id": self.lucia.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "name": "Oak chair, walnut oil",
                                "product_uom_qty": 4,
                                "price_unit": 120,
                            },
                        )
                    ],
                }
            )
            self.env.flush_all()
            self.env.cr.precommit.run()
            order.user_id = self.user_sales_2
            self.env.flush_all()
            self.env.cr.precommit.run()
            order.message_post(body="<p>Delivery to the third floor</p>")
            order.activity_schedule(summary="Confirm the delivery date", user_id=self.user_sales.id)
        request = self._request(self.user_dpo)
        request.with_user(self.user_dpo).with_company(self.acc_company).action_process()
        _archive, payload = self._payload(request)
        sections = payload["sections"]
        if order is None:
            self.assertNotIn("orders", sections)
            self.assertNotIn("order_lines", sections)
            return
        self.assertEqual(sections["orders"][0]["number"], order.name)
        self.assertEqual(sections["order_lines"][0]["description"], "Oak chair, walnut oil")
        self.assertIn(
            "Delivery to the third floor", " ".join(m["body"] for m in sections["messages"])
        )
        self.assertIn("Other Salesman", " ".join(m["changes"] for m in sections["messages"]))
        self.assertIn("Confirm the delivery date", [a["summary"] for a in sections["activities"]])
        self.assertIn(f"sale.order,{order.id}", payload["records"])
