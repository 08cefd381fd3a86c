from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GdprCase

EVIDENCE = {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11; Linux x86_64)"}


@tagged("post_install", "-at_install")
class TestDoubleOptin(GdprCase):
    def _subscribe(self, email="lena.fischer@example.de", choices=None):
        Subject = self.env["crm.gdpr.subject"]
        choices = choices or [f"consent_{self.purpose_news.id}_{self.channel_email.id}"]
        return Subject._web_form_subscribe("Lena Fischer", email, choices, dict(EVIDENCE))

    def _last_token(self, subject):
        return self.env["crm.gdpr.optin.token"].search([("subject_id", "=", subject.id)], limit=1)

    def test_web_form_consent_stays_pending_and_allows_no_processing(self):
        subject = self._subscribe()
        consent = subject.consent_ids
        self.assertEqual(consent.state, "pending")
        receipt = consent.receipt_ids
        self.assertEqual((receipt.source, receipt.state_to), ("web_form", "pending"))
        self.assertEqual(receipt.ip_address, "203.0.113.7")
        self.assertEqual(receipt.user_agent, EVIDENCE["user_agent"])
        self.assertEqual(receipt.purpose_version_id, self.purpose_news.current_version_id)
        # Pending allows no processing, whatever the model asking.
        Consent = self.env["crm.gdpr.consent"]
        self.assertEqual(
            Consent._gdpr_denials(["lena.fischer@example.de"], self.purpose_news, "email"),
            {"lena.fischer@example.de": "pending"},
        )
        lead = self.env["crm.lead"].create(
            {"name": "Lena", "email_from": "lena.fischer@example.de"}
        )
        self.assertFalse(Consent._gdpr_filter_allowed(lead, self.purpose_news, "email"))
        # The confirmation email went out, with the link.
        mail = self.env["mail.mail"].search([("email_to", "ilike", "lena.fischer@example.de")])
        self.assertEqual(len(mail), 1)
        self.assertIn("/gdpr/confirm/", mail.body_html)

    def test_confirmation_link_is_single_use(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(email="lena.fischer@example.de")
        consents = subject._set_consents(
            self.purpose_news, self.channel_email | self.channel_phone, "pending", "portal"
        )
        token = self.env["crm.gdpr.optin.token"]._issue(subject, consents, "portal")
        Token = self.env["crm.gdpr.optin.token"]
        status, record = Token._consume(token, **EVIDENCE)
        self.assertEqual(status, "confirmed")
        self.assertEqual(set(consents.mapped("state")), {"given"})
        receipts = consents.receipt_ids.filtered(lambda r: r.state_to == "given")
        self.assertEqual(set(receipts.mapped("source")), {"double_optin"})
        self.assertEqual(set(receipts.mapped("ip_address")), {"203.0.113.7"})
        self.assertEqual(set(receipts.mapped("origin")), {f"crm.gdpr.optin.token,{record.id}"})
        # The second time, nothing happens.
        count = len(consents.receipt_ids)
        self.assertEqual(Token._consume(token, **EVIDENCE)[0], "used")
        self.assertEqual(len(consents.receipt_ids), count)
        # The token itself is nowhere in the database, only its keyed hash.
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM crm_gdpr_optin_token WHERE token_hash = %s", (token,)
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_expired_wrong_and_withdrawn_links(self):
        Token = self.env["crm.gdpr.optin.token"]
        self.env.company.gdpr_optin_validity_hours = 48
        subject = self.env["crm.gdpr.subject"]._find_or_create(email="lena.fischer@example.de")
        consent = subject._set_consents(self.purpose_news, self.channel_email, "pending", "portal")
        with freeze_time("2024-05-01 12:00:00"):
            token = Token._issue(subject, consent, "portal")
        record = self._last_token(subject)
        self.assertEqual(record.expires_at, fields.Datetime.to_datetime("2024-05-03 12:00:00"))
        with freeze_time("2024-05-03 12:00:00"):
            self.assertEqual(Token._consume(token)[0], "expired")
        self.assertEqual(consent.state, "pending")
        self.assertEqual(Token._consume("not-a-token")[0], "invalid")
        self.assertEqual(Token._consume("")[0], "invalid")
        self.assertEqual(Token._consume("x" * 5000)[0], "invalid")
        # Withdrawn meanwhile: confirming an old link gives nothing.
        with freeze_time("2024-05-04 12:00:00"):
            token = Token._issue(subject, consent, "portal")
            consent._change_state("withdrawn", source="email")
            self.assertEqual(Token._consume(token)[0], "confirmed")
        self.assertEqual(consent.state, "withdrawn")

    def test_confirmation_email_is_not_sent_again_within_minutes(self):
        Token = self.env["crm.gdpr.optin.token"]
        subject = self.env["crm.gdpr.subject"]._find_or_create(email="lena.fischer@example.de")
        consent = subject._set_consents(self.purpose_news, self.channel_email, "pending", "portal")
        now = fields.Datetime.now()
        with freeze_time(now):
            self.assertTrue(Token._issue(subject, consent, "portal"))
            self.assertFalse(Token._issue(subject, consent, "portal"))
        with freeze_time(now + timedelta(minutes=11)):
            self.assertTrue(Token._issue(subject, consent, "portal"))

    def test_confirmation_email_and_footer_right_to_left(self):
        self.env["res.lang"]._activate_lang("he_IL")
        subject = self.env["crm.gdpr.subject"]._find_or_create(
            email="yael.cohen@example.co.il", name="Yael Cohen"
        )
        subject.lang = "he_IL"
        consent = subject._set_consents(self.purpose_news, self.channel_email, "pending", "portal")
        self.env["crm.gdpr.optin.token"]._issue(subject, consent, "portal")
        mail = self.env["mail.mail"].search([("email_to", "ilike", "yael.cohen@example.co.il")])
        self.assertIn('dir="rtl"', mail.body_html)
        self.assertIn("<bdi>Yael Cohen</bdi>", mail.body_html)
        self.assertIn('dir="rtl"', subject._preference_footer())
        subject.lang = "en_US"
        self.assertIn('dir="ltr"', subject._preference_footer())

    def test_web_form_bad_input_changes_nothing(self):
        Subject = self.env["crm.gdpr.subject"]
        count = Subject.search_count([])
        good = [f"consent_{self.purpose_news.id}_{self.channel_email.id}"]
        for email, choices in (
            ("not an email", good),
            ("lena@example.de", []),
            ("lena@example.de", ["consent_x_y"]),
            ("lena@example.de", [f"consent_{self.purpose_news.id}_{self.channel_sharing.id}"]),
            ("lena@example.de", [f"consent_{self.purpose_service.id}_999999"]),
        ):
            with self.subTest(email=email, choices=choices), self.assertRaises(UserError):
                Subject._web_form_subscribe("Lena", email, choices, {})
        self.assertEqual(Subject.search_count([]), count)

    def test_web_form_keeps_existing_name(self):
        subject = self._subscribe()
        self.assertEqual(subject.name, "Lena Fischer")
        again = self.env["crm.gdpr.subject"]._web_form_subscribe(
            "Somebody Else",
            "lena.fischer@example.de",
            [f"consent_{self.purpose_news.id}_{self.channel_phone.id}"],
            {},
        )
        self.assertEqual(again, subject)
        self.assertEqual(subject.name, "Lena Fischer")
        self.assertEqual(len(subject.consent_ids), 2)
