from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GdprCase

NAME = "Tomasz Portalowy"
EMAIL = "tomasz.portal@example.pl"


@tagged("post_install", "-at_install")
class TestErasureBasic(GdprCase):
    """Erasure needs neither accounting nor mass mailing: with crm_gdpr alone, a portal
    customer's contact, user, lead, chatter and consents go, and the scan is empty."""

    def test_erasure_of_a_portal_customer_without_invoices(self):
        env = self.env(context=dict(self.env.context, tracking_disable=False))
        portal = self._new_portal_user(EMAIL, NAME, EMAIL)
        lead = env["crm.lead"].create(
            {
                "name": "Garden shed",
                "partner_id": portal.partner_id.id,
                "description": f"<p>{NAME} wants it by May</p>",
            }
        )
        lead.message_post(body=f"<p>Called {NAME} ({EMAIL})</p>", message_type="comment")
        consent = self._give(portal.partner_id, self.purpose_news, self.channel_email)
        request = env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": portal.partner_id.id,
                "identity_method": "account",
                "company_id": self.company.id,
            }
        )
        request.action_verify_identity()
        self.assertEqual(request.with_user(self.user_dpo).action_process(), [])
        self.assertEqual(request.state, "done")
        self.assertFalse(portal.active)
        self.assertNotIn("tomasz", portal.login)
        self.assertNotIn(NAME, lead.description or "")
        self.assertEqual(consent.state, "withdrawn")
        self.assertFalse(self.env["crm.gdpr.legal.hold"].search([("request_id", "=", request.id)]))
        identifiers = self.env["crm.gdpr.scanner"]._identifier_set([EMAIL], [NAME])
        self.assertEqual(self.env["crm.gdpr.scanner"]._scan(identifiers), [])
        with self.assertRaises(UserError):
            request.subject_id._set_consents(
                self.purpose_news, self.channel_email, "given", "phone"
            )

    def test_a_surname_that_is_a_word_of_the_pseudonym(self):
        """ "Person" is the surname of this person and a word of the pseudonym ("Erased person
        DSR/..."): the name is replaced once, and the scan comes back empty."""
        partner = self.env["res.partner"].create(
            {"name": "Bench Erasable Person", "email": "bench.erasable@example.com"}
        )
        lead = self.env["crm.lead"].create(
            {"name": "Bench deal", "partner_id": partner.id, "contact_name": partner.name}
        )
        lead.message_post(body="<p>Call: Bench Erasable Person</p>", message_type="comment")
        request = self.env["crm.gdpr.request"].create(
            {"request_type": "erasure", "partner_id": partner.id, "identity_method": "email"}
        )
        request.action_verify_identity()
        self.assertEqual(request.with_user(self.user_dpo).action_process(), [])
        self.assertEqual(partner.name, f"Erased person {request.name}")

    def test_free_text_elsewhere_is_rewritten_and_scanned_again(self):
        """What the structured pass cannot reach (the person named in another contact's notes,
        a meeting's description, a text file): the one scan of the database finds it, only
        those tables are rewritten, the second scan of them is empty, and the evidence says
        what was rewritten."""
        partner = self.env["res.partner"].create({"name": NAME, "email": EMAIL})
        colleague = self.env["res.partner"].create(
            {"name": "Anna Kowalska", "comment": f"<p>Works with {NAME}, write to {EMAIL}</p>"}
        )
        event = self.env["calendar.event"].create(
            {"name": "Site visit", "description": f"<p>Bring the plans for {EMAIL}</p>"}
        )
        clean_file = self.env["ir.attachment"].create(
            {"name": "other.txt", "raw": b"Nothing about anybody", "mimetype": "text/plain"}
        )
        named_file = self.env["ir.attachment"].create(
            {"name": "notes.txt", "raw": f"Call {EMAIL} back".encode(), "mimetype": "text/plain"}
        )
        request = self.env["crm.gdpr.request"].create(
            {"request_type": "erasure", "partner_id": partner.id, "identity_method": "email"}
        )
        request.action_verify_identity()
        self.assertEqual(request.with_user(self.user_dpo).action_process(), [])
        self.assertEqual(request.state, "done")
        self.assertNotIn(EMAIL, colleague.comment)
        self.assertIn("Anna Kowalska", colleague.name)
        self.assertNotIn(EMAIL, str(event.description))
        self.assertNotIn(EMAIL.encode(), named_file.raw)
        self.assertEqual(clean_file.raw, b"Nothing about anybody")
        evidence = self.env["crm.gdpr.eraser"]._evidence_payload(request.evidence_attachment_id)
        rewritten = {row["table"] for row in evidence["residual_rewrites"]}
        self.assertLessEqual({"res_partner", "calendar_event"}, rewritten)
        self.assertEqual(evidence["records"]["files rewritten"], 1)
        self.assertEqual(evidence["scan"]["result"], "empty")
        self.assertGreater(evidence["scan"]["tables"], 100, "the whole database was scanned")
        identifiers = self.env["crm.gdpr.scanner"]._identifier_set([EMAIL], [NAME])
        self.assertEqual(self.env["crm.gdpr.scanner"]._scan(identifiers), [])
