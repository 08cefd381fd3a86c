import logging

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import GdprAccountingCase

NAME = "Marta Wiśniewska"
EMAIL = "marta.wisniewska@example.pl"
PHONE = "+48 601 234 567"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestErasure(GdprAccountingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.other = env["res.partner"].create({"name": "Jan Nowak", "email": "jan@example.pl"})
        cls.marta = env["res.partner"].create(
            {
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "street": "ul. Długa 12",
                "city": "Gdańsk",
                "country_id": cls.env.ref("base.be").id,
                "comment": f"<p>Prefers calls after 5 pm, {NAME}</p>",
            }
        )
        # A namesake with another address must be left alone.
        cls.namesake = env["res.partner"].create(
            {"name": NAME, "email": "marta.w@other-example.com"}
        )
        cls.lead = env["crm.lead"].create(
            {
                "name": f"Kitchen for {NAME}",
                "contact_name": NAME,
                "email_from": EMAIL,
                "phone": PHONE,
                "partner_id": cls.marta.id,
                "expected_revenue": 14500,
                "description": f"<p>{NAME} wants an oak kitchen, call {PHONE}</p>",
            }
        )
        cls.lead.message_post(body=f"<p>Spoke with {NAME} ({EMAIL})</p>", message_type="comment")
        cls.lead_attachment = env["ir.attachment"].create(
            {
                "name": "floor-plan.txt",
                "raw": f"{NAME} floor plan".encode(),
                "res_model": "crm.lead",
                "res_id": cls.lead.id,
            }
        )
        cls.lead.activity_schedule(summary=f"Call {NAME} back", user_id=cls.user_sales.id)
        cls.event = env["calendar.event"].create(
            {
                "name": f"Showroom visit {NAME}",
                "start": "2025-03-01 09:00:00",
                "stop": "2025-03-01 10:00:00",
                "partner_ids": [(6, 0, (cls.marta | cls.other).ids)],
            }
        )
        cls.consents = cls._give(
            cls.marta,
            cls.purpose_news,
            cls.channel_email | cls.channel_phone,
            ip_address="203.0.113.9",
            user_agent="Firefox",
            note=f"said yes, {NAME}",
        )
        env["mail.blacklist"]._add(EMAIL)
        cls.outgoing = env["mail.mail"].create(
            {"subject": "Your quote", "email_to": EMAIL, "body_html": f"<p>Dear {NAME}</p>"}
        )
        # Invoices: one for someone else, then Marta's (its partner changed: a tracking value).
        cls.invoice_other = cls._invoice(cls.other, 500)
        cls.invoice = cls._invoice(cls.other, 1250.5, post=False)
        # Tracking starts once the creating transaction step is over.
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.invoice.write({"partner_id": cls.marta.id})
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # tracking values are written at commit time
        cls.invoice.action_post()
        cls.invoice.message_post(body=f"<p>Invoice sent to {NAME} &lt;{EMAIL}&gt;</p>")
        cls.invoice_pdf = env["ir.attachment"].create(
            {
                "name": "INV.pdf",
                "raw": b"%PDF-1.4 invoice",
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": cls.invoice.id,
            }
        )
        cls.request = env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": cls.marta.id,
                "company_id": cls.acc_company.id,
                "user_id": cls.user_sales.id,
                "identity_method": "email",
                "date_received": "2025-04-01",
            }
        )
        cls.request.action_verify_identity()
        cls.identifiers = cls.env["crm.gdpr.scanner"]._identifier_set([EMAIL], [NAME], [PHONE])

    def _hashes(self):
        moves = self.env["account.move"].search(
            [("journal_id", "=", self.sale_journal.id), ("inalterable_hash", "!=", False)],
            order="sequence_prefix, sequence_number",
        )
        return moves, moves._calculate_hashes("")

    def _erase(self):
        return self.request.with_user(self.user_dpo).with_company(self.acc_company).action_process()

    def test_scan_finds_the_person_before_erasure(self):
        hits = self.env["crm.gdpr.scanner"]._scan(self.identifiers)
        tables = {table for table, _column, _rows in hits}
        for table in (
            "res_partner",
            "crm_lead",
            "mail_message",
            "mail_mail",
            "mail_tracking_value",
            "calendar_event",
            "account_move",
            "mail_activity",
        ):
            self.assertIn(table, tables)

    def test_erasure_with_invoices_keeps_the_books_and_leaves_nothing(self):
        self.assertTrue(self.invoice.inalterable_hash)
        total, hash_before = self.invoice.amount_total, self.invoice.inalterable_hash
        moves, recomputed = self._hashes()
        self.assertEqual([recomputed[m] for m in moves], moves.mapped("inalterable_hash"))
        audit_messages = self.invoice.message_ids
        audit_tracking = self.env["mail.tracking.value"].search(
            [("mail_message_id", "in", audit_messages.ids)]
        )
        self.assertTrue(audit_tracking)

        residual = self._erase()

        self.assertEqual(residual, [])
        self.assertEqual(self.request.state, "done")
        self.env.invalidate_all()
        # The books: totals, partner link and hashes untouched, and the chain still verifies.
        self.assertEqual(self.invoice.amount_total, total)
        self.assertEqual(self.invoice.inalterable_hash, hash_before)
        self.assertEqual(self.invoice.partner_id, self.marta)
        moves, recomputed = self._hashes()
        self.assertEqual([recomputed[m] for m in moves], moves.mapped("inalterable_hash"))
        self.assertEqual(self.invoice.state, "posted")
        # The audit trail keeps its messages and tracking, without the person.
        self.assertEqual(self.invoice.message_ids, audit_messages)
        self.assertEqual(audit_tracking.exists(), audit_tracking)
        self.assertNotIn(NAME, self.invoice.invoice_partner_display_name)
        # The scan of every text column is empty.
        self.assertEqual(self.env["crm.gdpr.scanner"]._scan(self.identifiers), [])
        evidence = self.env["crm.gdpr.eraser"]._evidence_payload(
            self.request.evidence_attachment_id
        )
        self.assertEqual(evidence["scan"]["result"], "empty")
        self.assertEqual(evidence["scan"]["hits"], [])
        self.assertNotIn(EMAIL, str(evidence))
        self.assertNotIn(NAME, str(evidence))
        # Legal hold: Belgian invoices are kept 7 years after the last one.
        hold = self.env["crm.gdpr.legal.hold"].search([("request_id", "=", self.request.id)])
        self.assertEqual(hold.hold_until, fields.Date.to_date("2032-03-10"))
        self.assertEqual(hold.move_ids, self.invoice)
        self.assertIn(self.invoice_pdf, hold.attachment_ids)
        self.assertTrue(self.invoice_pdf.exists())
        self.assertEqual(evidence["legal_hold"]["until"], "2032-03-10")

    def test_derived_phone_numbers_are_found_and_computed_again(self):
        # Somebody else's lead noting Marta's number: only the residual pass reaches it, and
        # the sanitized number Odoo derived from it is not written as she wrote it.
        referral = self.env["crm.lead"].create(
            {"name": "Referral", "partner_id": self.other.id, "phone": PHONE}
        )
        self.assertEqual(referral.phone_sanitized, "+48601234567")
        hits = self.env["crm.gdpr.scanner"]._scan(self.identifiers)
        self.assertIn(("crm_lead", "phone_sanitized"), {(t, c) for t, c, _rows in hits})
        self.assertEqual(self._erase(), [])
        self.env.invalidate_all()
        self.assertNotIn("601", referral.phone)
        self.assertFalse(referral.phone_sanitized)
        self.assertEqual(referral.partner_id, self.other)

    def test_erasure_anonymises_every_model_in_place(self):
        self._erase()
        self.env.invalidate_all()
        marta, lead = self.marta.with_context(active_test=False), self.lead
        self.assertTrue(marta.exists())
        self.assertFalse(marta.active)
        self.assertFalse(marta.email or marta.phone or marta.street or marta.comment)
        self.assertIn(self.request.name, marta.name)
        self.assertTrue(lead.exists())
        self.assertTrue(lead.gdpr_anonymised)
        self.assertFalse(lead.contact_name or lead.email_from or lead.phone or lead.description)
        self.assertEqual(lead.expected_revenue, 14500)
        self.assertNotIn(NAME, lead.name)
        self.assertFalse(lead.activity_ids)
        self.assertFalse(self.lead_attachment.exists())
        self.assertFalse(self.outgoing.exists())
        self.assertFalse(
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", EMAIL)])
        )
        self.assertNotIn(marta, self.event.partner_ids)
        self.assertIn(self.other, self.event.partner_ids)
        for message in lead.message_ids:
            self.assertNotIn(NAME, message.body or "")
        # The namesake is somebody else: untouched.
        self.assertEqual(self.namesake.name, NAME)
        self.assertEqual(self.namesake.email, "marta.w@other-example.com")
        # Consents withdrawn, receipts intact but their evidence unreadable, chain verified.
        subject = self.request.subject_id
        self.assertTrue(subject.erased)
        self.assertFalse(subject.email)
        self.assertEqual(set(self.consents.mapped("state")), {"withdrawn"})
        first = self.consents.receipt_ids.sorted("sequence")[0]
        self.assertFalse(first.ip_address)
        self.assertTrue(first.evidence_erased)
        self.assertEqual(self._verify().state, "ok")
        # No processing of any kind afterwards.
        self.assertEqual(
            self.env["crm.gdpr.consent"]._gdpr_denials(self.lead, self.purpose_news, "email"),
            {self.lead.id: "erased"},
        )
        # The stock privacy log records the erasure, masked.
        log = self.env["privacy.log"].search([], order="id desc", limit=1)
        self.assertNotIn(NAME, log.anonymized_name)
        self.assertNotIn(EMAIL, log.anonymized_email)

    def test_hold_reveal_and_release(self):
        self._erase()
        hold = self.env["crm.gdpr.legal.hold"].search([("request_id", "=", self.request.id)])
        action = hold.with_user(self.user_dpo).action_reveal_for_audit()
        self.assertIn(NAME, action["params"]["message"])
        self.assertNotIn(NAME, str(hold.message_ids.mapped("body")))
        with self.assertRaises(AccessError):
            hold.with_user(self.user_sales).action_reveal_for_audit()
        with freeze_time("2032-03-09"):
            self.env["crm.gdpr.legal.hold"]._cron_release()
            self.assertEqual(hold.state, "active")
        with freeze_time("2032-03-10"):
            self.env["crm.gdpr.legal.hold"]._cron_release()
        self.assertEqual(hold.state, "released")
        self.assertFalse(hold.sudo().sealed_identity)
        self.assertFalse(self.invoice_pdf.exists())
        self.assertEqual(self.invoice.state, "posted")
        with self.assertRaises(UserError):
            hold.with_user(self.user_dpo).action_reveal_for_audit()

    def test_only_the_dpo_erases(self):
        with self.assertRaises(AccessError):
            self.request.with_user(self.user_sales).with_company(self.acc_company).action_process()
        self.assertEqual(self.marta.name, NAME)
        self.assertEqual(self.request.state, "verified")

    def test_no_personal_data_in_the_server_log(self):
        handler = _Capture()
        logger = logging.getLogger("odoo")
        previous = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            subject = self.env["crm.gdpr.subject"]._web_form_subscribe(
                "Ola Zielińska",
                "ola.zielinska@example.pl",
                [f"consent_{self.purpose_news.id}_{self.channel_email.id}"],
                {"ip_address": "198.51.100.1"},
            )
            token = self.env["crm.gdpr.optin.token"].search([("subject_id", "=", subject.id)])
            self.assertTrue(token)
            self.env["crm.gdpr.receipt.check"]._run()
            self._erase()
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous)
        self.assertTrue(handler.messages, "the flows log something, just not who")
        text = "\n".join(handler.messages)
        for secret in (
            NAME,
            EMAIL,
            PHONE,
            "Ola Zielińska",
            "ola.zielinska@example.pl",
            "203.0.113.9",
        ):
            self.assertNotIn(secret, text)

    def test_erasure_is_refused_for_users_of_the_database(self):
        self.user_sales.partner_id.email = "priya@example.com"
        request = self.env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": self.user_sales.partner_id.id,
                "identity_method": "known",
                "company_id": self.acc_company.id,
            }
        )
        request.action_verify_identity()
        with self.assertRaises(UserError):
            request.with_user(self.user_dpo).with_company(self.acc_company).action_process()
        self.assertEqual(request.state, "verified")
