import html
import re

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestPortalEmailIsNotIdentity(GdprCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.consent_anna = cls._give(cls.partner_anna, cls.purpose_news, cls.channel_email)
        cls.mallory = cls._new_portal_user(
            "gdpr_mallory", "Mallory Portal", "mallory@example.com", password="gdpr_mallory_pw"
        )

    def test_portal_user_taking_someone_elses_email_gets_none_of_their_choices(self):
        self.authenticate("gdpr_mallory", "gdpr_mallory_pw")
        # Mallory types Anna's address in My Account (stock writes it in sudo).
        self.mallory.partner_id.with_user(self.mallory).sudo().write(
            {"email": self.partner_anna.email}
        )
        page = self.url_open("/my/privacy")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Mallory Portal", page.text)
        self.assertNotIn("Anna", page.text)
        self._post_form("/my/privacy", page, decision="withdraw_all")
        self._withdraw_on_my_privacy(page, self.purpose_news, self.channel_email)
        self.env.invalidate_all()
        self.assertEqual(self.consent_anna.state, "given")
        self.assertEqual(len(self.consent_anna.receipt_ids), 1)
        mine = self.env["crm.gdpr.subject"].search(
            [("partner_id", "=", self.mallory.partner_id.id)]
        )
        self.assertTrue(mine)
        self.assertNotEqual(mine, self.consent_anna.subject_id)
        self.assertFalse(mine.email_normalized, "the address is someone else's")
        # Nor does the address change move Anna's person.
        self.assertEqual(self.consent_anna.subject_id.partner_id, self.partner_anna)

    def _confirm_link(self, email):
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [("email_to", "=", email), ("subject", "=", "Please confirm your email address")]
            )
        )
        self.assertEqual(len(mail), 1)
        link = re.search(r'href="[^"]*(/my/privacy/confirm-email\?[^"]+)"', mail.body_html)
        return html.unescape(link.group(1))

    def _email_state(self, page):
        """State shown on the page for the product newsletter by email."""
        return re.search(
            r'data-purpose="%s".*?data-channel="email" data-state="(\w+)"' % self.purpose_news.id,
            page.text,
            re.DOTALL,
        ).group(1)

    def test_an_address_of_someone_elses_person_is_never_attached(self):
        self.authenticate("gdpr_mallory", "gdpr_mallory_pw")
        self.mallory.partner_id.with_user(self.mallory).sudo().write(
            {"email": self.partner_anna.email}
        )
        page = self.url_open("/my/privacy")
        self.assertIn("o_gdpr_confirm_email", page.text)
        self._post_form("/my/privacy", page, decision="confirm_email")
        link = self._confirm_link(self.partner_anna.email)
        # Even with the link (Anna's mailbox), Anna's person has a contact: nothing moves.
        response = self.url_open(link)
        self.assertIn("message=email_taken", response.url)
        self.env.invalidate_all()
        self.assertEqual(self.consent_anna.subject_id.partner_id, self.partner_anna)

    def test_own_address_is_attached_once_confirmed_from_the_mailbox(self):
        # Vera subscribed on the web form before having an account.
        vera = self.env["crm.gdpr.subject"]._find_or_create(email="vera@example.com")
        consent = self._give(vera, self.purpose_news, self.channel_email)
        user = self._new_portal_user(
            "gdpr_vera", "Vera Portal", "vera@example.com", password="gdpr_vera_pw"
        )
        self.authenticate("gdpr_vera", "gdpr_vera_pw")
        page = self.url_open("/my/privacy")
        self.assertIn("o_gdpr_confirm_email", page.text)
        self.assertEqual(self._email_state(page), "none")
        self._post_form("/my/privacy", page, decision="confirm_email")
        link = self._confirm_link("vera@example.com")
        for forged in (
            link.replace("token=", "token=x"),
            link.replace("expires=", "expires=1"),
        ):
            self.assertIn("message=invalid", self.url_open(forged).url)
        self.env.invalidate_all()
        self.assertFalse(vera.partner_id)
        response = self.url_open(link)
        self.assertIn("message=email_confirmed", response.url)
        self.env.invalidate_all()
        self.assertEqual(vera.partner_id, user.partner_id)
        page = self.url_open("/my/privacy")
        self.assertNotIn("o_gdpr_confirm_email", page.text)
        self.assertEqual(self._email_state(page), "given")
        self.assertEqual(consent.state, "given")


@tagged("post_install", "-at_install")
class TestEmailChangeKeepsConsent(GdprCase):
    def setUp(self):
        super().setUp()
        self.consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        self.subject = self.consent.subject_id

    def test_staff_changing_a_contacts_email_keeps_the_consent_with_the_person(self):
        partner = self.partner_anna.with_user(self.user_sales)
        partner.write({"email": "anna.new@example.pl"})
        self.assertEqual(self.subject.email_normalized, "anna.new@example.pl")
        self.assertEqual(self.consent.state, "given")
        receipts = self.consent.receipt_ids.sorted("sequence")
        self.assertEqual(len(receipts), 2)
        last = receipts[-1]
        self.assertEqual((last.state_from, last.state_to), ("given", "given"))
        self.assertEqual(last.user_id, self.user_sales)
        self.assertNotIn("anna", (last.sudo().note or "").lower())
        Consent = self.env["crm.gdpr.consent"]
        self.assertEqual(
            Consent._gdpr_filter_allowed(["anna.new@example.pl"], self.purpose_news),
            ["anna.new@example.pl"],
        )
        self.assertEqual(
            Consent._gdpr_denials(["anna.kowalska@example.pl"], self.purpose_news),
            {"anna.kowalska@example.pl": "no_consent"},
        )
        self.assertEqual(self.env["crm.gdpr.receipt.check"]._run().state, "ok")

    def test_staff_editing_the_persons_email_writes_a_receipt(self):
        self.subject.with_user(self.user_dpo).write({"email": "anna.other@example.pl"})
        self.assertEqual(len(self.consent.receipt_ids), 2)
        self.assertEqual(self.consent.receipt_ids.sorted("sequence")[-1].user_id, self.user_dpo)

    def test_an_address_of_another_person_moves_nothing(self):
        ben = self._give(self.partner_ben, self.purpose_news, self.channel_email).subject_id
        self.partner_anna.with_user(self.user_sales).write({"email": self.partner_ben.email})
        self.assertEqual(self.subject.email_normalized, "anna.kowalska@example.pl")
        self.assertEqual(ben.partner_id, self.partner_ben)
        self.assertEqual(len(self.consent.receipt_ids), 1)


@tagged("post_install", "-at_install")
class TestConsentAccess(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sales_2 = cls._new_user("gdpr_sales_2", "Rui Seller")
        cls.user_all_leads = cls._new_user(
            "gdpr_sales_all", "Lena Manager", groups="sales_team.group_sale_salesman_all_leads"
        )
        Lead = cls.env["crm.lead"]
        cls.lead_mine = Lead.create(
            {"name": "Mine", "email_from": "mine@example.com", "user_id": cls.user_sales.id}
        )
        cls.lead_theirs = Lead.create(
            {"name": "Theirs", "email_from": "theirs@example.com", "user_id": cls.user_sales_2.id}
        )
        cls.lead_contact = Lead.create(
            {"name": "By contact", "partner_id": cls.partner_ben.id, "user_id": cls.user_sales_2.id}
        )
        Subject = cls.env["crm.gdpr.subject"]
        cls.consents = {}
        for key, email in (
            ("mine", "mine@example.com"),
            ("theirs", "theirs@example.com"),
            ("nolead", "nolead@example.com"),
        ):
            subject = Subject._find_or_create(email=email)
            cls.consents[key] = cls._give(
                subject,
                cls.purpose_news,
                cls.channel_email,
                ip_address="198.51.100.7",
                user_agent="Firefox",
            )
        cls.consents["contact"] = cls._give(cls.partner_ben, cls.purpose_news, cls.channel_email)

    def test_salesperson_sees_the_consents_of_the_leads_he_may_see(self):
        everything = self.env["crm.gdpr.consent"].browse([c.id for c in self.consents.values()])
        expected = {
            self.user_sales: {"mine", "nolead"},
            self.user_sales_2: {"theirs", "contact", "nolead"},
            self.user_all_leads: {"mine", "theirs", "contact", "nolead"},
            self.user_dpo: {"mine", "theirs", "contact", "nolead"},
        }
        for user, keys in expected.items():
            with self.subTest(user=user.login):
                visible = (
                    self.env["crm.gdpr.consent"]
                    .with_user(user)
                    .search([("id", "in", everything.ids)])
                )
                self.assertEqual(visible, self._of(keys))
                receipts = (
                    self.env["crm.gdpr.receipt"]
                    .with_user(user)
                    .search([("consent_id", "in", everything.ids)])
                )
                self.assertEqual(receipts.consent_id, visible)
                subjects = (
                    self.env["crm.gdpr.subject"]
                    .with_user(user)
                    .search([("id", "in", everything.subject_id.ids)])
                )
                self.assertEqual(subjects, visible.subject_id)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.consents["theirs"].with_user(self.user_sales).read(["state"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.consents["theirs"].receipt_ids.with_user(self.user_sales).read(["state_to"])

    def _of(self, keys):
        return self.env["crm.gdpr.consent"].browse([self.consents[key].id for key in keys])

    def test_ip_address_and_user_agent_are_for_the_officer_only(self):
        receipt = self.consents["mine"].receipt_ids
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            receipt.with_user(self.user_sales).read(["ip_address"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            receipt.with_user(self.user_all_leads).read(["user_agent"])
        values = receipt.with_user(self.user_sales).read(["state_to", "source"])
        self.assertEqual(values[0]["state_to"], "given")
        self.assertNotIn(
            "ip_address", self.env["crm.gdpr.receipt"].with_user(self.user_sales).fields_get()
        )
        read = receipt.with_user(self.user_dpo).read(["ip_address", "user_agent"])[0]
        self.assertEqual((read["ip_address"], read["user_agent"]), ("198.51.100.7", "Firefox"))
