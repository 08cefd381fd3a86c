from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import GdprAccountingCase

NAME = "Greta Lindqvist"
SURNAME = "Lindqvist"
EMAIL = "greta.lindqvist@example.se"
PHONE = "+49 30 1234567"
IBAN = "DE89 3704 0044 0532 0130 00"
VAT = "DE136695976"
STREET = "Lindenstraße 42"


@tagged("post_install", "-at_install")
class TestErasureEverything(GdprAccountingCase):
    """Erasure keeps the books verifiable and leaves nothing else about the person: any written
    form of their phone, IBAN and VAT, derived fields, the surname on their own records,
    addresses, file contents; it writes nothing personal itself and can run again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.greta = env["res.partner"].create(
            {
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "street": STREET,
                "city": "Berlin",
                "vat": VAT,
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.bank = env["res.partner.bank"].create({"acc_number": IBAN, "partner_id": cls.greta.id})
        # Somebody else, whose records mention Greta in many ways.
        cls.other = env["res.partner"].create(
            {
                "name": "Jonas Berg",
                "email": "jonas.berg@example.se",
                "comment": "<p>Greta pays from DE89370400440532013000, VAT DE 136 695 976</p>",
            }
        )
        # A namesake: same surname, another person.
        cls.namesake = env["res.partner"].create(
            {"name": "Olof Lindqvist", "email": "olof@example.se"}
        )
        cls.referral = env["crm.lead"].create(
            {
                "name": "Referral from Jonas",
                "partner_id": cls.other.id,
                "description": "<p>Call her on +49 (0)30 123 45 67 or 030-1234567</p>",
            }
        )
        cls.referral.message_post(body="<p>Her number: +49-30-1234567</p>")
        cls.lead = env["crm.lead"].create(
            {"name": f"Kitchen for Mrs {SURNAME}", "partner_id": cls.greta.id}
        )
        cls.event = env["calendar.event"].create(
            {
                "name": "Measuring visit",
                "location": f"{STREET}, Berlin",
                "start": "2025-03-01 09:00:00",
                "stop": "2025-03-01 10:00:00",
                "partner_ids": [(6, 0, (cls.greta | cls.other).ids)],
            }
        )
        cls.file = env["ir.attachment"].create(
            {
                "name": "site-notes.txt",
                "raw": f"Site notes: {NAME}, {EMAIL}, phone 030 1234567\n".encode(),
                "mimetype": "text/plain",
                "res_model": "res.partner",
                "res_id": cls.other.id,
            }
        )
        # Her invoice on the hash-locked sales journal names her in its line labels.
        cls.invoice = cls._invoice(cls.greta, 900, post=False)
        cls.invoice.invoice_line_ids.name = f"Kitchen for {NAME}, {STREET}"
        cls.invoice.action_post()
        cls.invoice.activity_schedule(summary=f"Remind {SURNAME} to pay", user_id=cls.user_sales.id)
        # A draft invoice is not in the books yet: its lines lose the address.
        cls.draft = cls._invoice(cls.greta, 100, post=False)
        cls.draft.invoice_line_ids.name = f"Delivery to {STREET}"
        cls.request = cls._erasure_request(cls.greta)

    @classmethod
    def _erasure_request(cls, partner):
        request = cls.env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": partner.id,
                "company_id": cls.acc_company.id,
                "identity_method": "email",
                "date_received": "2025-04-01",
            }
        )
        request.action_verify_identity()
        return request

    def _erase(self, request=None):
        request = request or self.request
        return request.with_user(self.user_dpo).with_company(self.acc_company).action_process()

    def _integrity(self):
        admin = self.env.ref("base.user_admin")
        admin.groups_id |= self.env.ref("account.group_account_user")
        admin.company_ids |= self.acc_company
        results = (
            self.acc_company.with_user(admin)
            .with_company(self.acc_company)
            ._check_hash_integrity()["results"]
        )
        return {(r["journal_name"], r["status"]) for r in results if r["status"] != "no_data"}

    def test_books_stay_verifiable_with_her_name_in_line_labels(self):
        self.assertTrue(self.invoice.inalterable_hash)
        before = self._integrity()
        self.assertTrue(before)
        self.assertEqual({status for _journal, status in before}, {"verified"})

        self.assertEqual(self._erase(), [])

        self.env.invalidate_all()
        # Odoo's own integrity check still verifies every hashed entry.
        self.assertEqual(self._integrity(), before)
        self.assertEqual(self.invoice.invoice_line_ids.name, f"Kitchen for {NAME}, {STREET}")
        self.assertEqual(self.request.state, "done")
        evidence = self.env["crm.gdpr.eraser"]._evidence_payload(
            self.request.evidence_attachment_id
        )
        kept = {(k["table"], k["column"]) for k in evidence["scan"]["kept"]}
        self.assertIn(("account_move_line", "name"), kept)
        self.assertNotIn(NAME, str(evidence))

    def test_erasure_writes_no_personal_data_itself(self):
        self._erase()
        self.assertFalse(self.bank.exists())
        self.env.flush_all()
        for needle in ("0532 0130", "0532013000"):
            self.assertFalse(
                self.env["mail.message"].search([("body", "ilike", needle)]),
                "the deleted bank account's number was logged",
            )
        identifiers = self.env["crm.gdpr.scanner"]._identifier_set(ibans=[IBAN])
        self.assertEqual(self.env["crm.gdpr.scanner"]._scan(identifiers), [])

    def test_a_new_request_on_an_erased_person_works(self):
        self._erase()
        erased = self.greta.with_context(active_test=False)
        again = self._erasure_request(erased)
        self.assertEqual(again.subject_id, self.request.subject_id)
        self.assertEqual(self._erase(again), [])
        self.assertEqual(again.state, "done")
        self.assertTrue(again.evidence_attachment_id)

    def test_every_written_form_is_gone(self):
        self.assertIn("136695976", self.greta.peppol_endpoint or "")
        self.assertEqual(self._erase(), [])
        self.env.invalidate_all()
        greta = self.greta.with_context(active_test=False)
        # derived e-invoicing identifier
        self.assertFalse(greta.vat)
        self.assertNotIn("136695976", greta.peppol_endpoint or "")
        # phones in other written forms, IBAN and VAT in free text
        self.assertNotIn("45 67", self.referral.description)
        self.assertNotIn("1234567", self.referral.description)
        self.assertNotIn("1234567", self.referral.message_ids[0].body)
        self.assertNotIn("0532013000", self.other.comment)
        self.assertNotIn("695 976", self.other.comment)
        self.assertIn("Greta pays from", self.other.comment)
        # the surname alone on her records; a namesake keeps his
        self.assertNotIn(SURNAME, self.lead.name)
        self.assertNotIn(SURNAME, self.invoice.activity_ids.summary)
        self.assertEqual(self.namesake.name, "Olof Lindqvist")
        # the street in event locations and invoice lines outside the books
        self.assertNotIn(STREET, self.event.location)
        self.assertNotIn(STREET, self.draft.invoice_line_ids.name)
        # the contents of files
        content = self.file.raw.decode()
        self.assertTrue(content.startswith("Site notes: "))
        for needle in (NAME, EMAIL, "1234567"):
            self.assertNotIn(needle, content)
        self.assertNotIn(NAME, self.file.index_content or "")

    def test_erasure_certificate(self):
        dpo_request = self.request.with_user(self.user_dpo).with_company(self.acc_company)
        with self.assertRaises(UserError):
            dpo_request.action_print_erasure_certificate()
        self._erase()
        action = dpo_request.action_print_erasure_certificate()
        self.assertEqual(action["report_name"], "crm_gdpr.report_erasure_certificate")
        self.assertEqual(action["report_type"], "qweb-pdf")
        html, _type = (
            self.env["ir.actions.report"]
            .with_company(self.acc_company)
            ._render_qweb_html("crm_gdpr.action_report_erasure_certificate", self.request.ids)
        )
        html = html.decode()
        self.assertIn(self.request.name, html)
        self.assertIn("o_gdpr_scan_result", html)
        self.assertIn(">empty<", html)
        self.assertIn("account_move_line.name", html)
        self.assertIn(self.invoice.name, html)
        for secret in (NAME, EMAIL, STREET, SURNAME):
            self.assertNotIn(secret, html)
        with self.assertRaises(AccessError):
            self.request.with_user(self.user_sales).action_print_erasure_certificate()
