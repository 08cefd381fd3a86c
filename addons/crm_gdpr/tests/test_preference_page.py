import re

from odoo.tests import HttpCase, tagged

from .common import CSRF, GdprCase


def route_readonly(env, path, method="GET"):
    """Whether Odoo serves `path` in a read-only transaction (a replica when configured)."""
    rule, _args = (
        env["ir.http"].routing_map().bind("localhost").match(path, method=method, return_rule=True)
    )
    readonly = rule.endpoint.routing["readonly"]
    return readonly(rule.endpoint.func.__self__) if callable(readonly) else readonly


@tagged("post_install", "-at_install")
class TestPreferencePage(GdprCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subject = cls.env["crm.gdpr.subject"]._find_or_create(partner=cls.partner_anna)
        cls._give(cls.subject, cls.purpose_news, cls.channel_email | cls.channel_phone)
        cls.other = cls.env["crm.gdpr.subject"]._find_or_create(partner=cls.partner_ben)
        cls._give(cls.other, cls.purpose_news, cls.channel_email)

    def _url(self, subject=None, token=None):
        subject = subject or self.subject
        return f"/gdpr/preferences/{subject.id}/{token or subject._preference_token()}"

    def _post(self, url, **data):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        return self._post_form(url, page, **data)

    def _consent(self, subject, channel):
        return subject.consent_ids.filtered(
            lambda c: c.channel_id == channel and c.purpose_id == self.purpose_news
        )

    def test_page_is_served_read_only(self):
        """The preference page is declared read-only (a replica can serve it) and writes
        nothing: in the read-only transaction of the test server, a write would make Odoo log
        a warning and serve it again read/write. The choices (POST) are read/write."""
        url = self._url()
        self.assertIs(route_readonly(self.env, url), True)
        self.assertIs(route_readonly(self.env, url, "POST"), False)
        self.assertIs(route_readonly(self.env, "/my/privacy"), False)
        with self.assertNoLogs("odoo.http", "WARNING"):
            page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Product newsletter", page.text)

    def test_link_reaches_only_its_own_person(self):
        page = self.url_open(self._url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Anna Kowalska", page.text)
        self.assertIn("Product newsletter", page.text)
        self.assertNotIn("Benoit", page.text)
        # Another person's id with this token, a forged token, a token of someone else.
        for url in (
            self._url(self.other, self.subject._preference_token()),
            self._url(self.subject, "0" * 64),
            self._url(self.subject, self.other._preference_token()),
            f"/gdpr/preferences/999999999/{self.subject._preference_token()}",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        # Rotating the salt kills old links.
        old = self._url()
        self.subject.sudo().preference_salt = "rotated"
        self.assertEqual(self.url_open(old).status_code, 404)

    def test_withdraw_is_one_click_and_recorded(self):
        email = self._consent(self.subject, self.channel_email)
        response = self._post(
            self._url(),
            decision="withdraw",
            purpose_id=self.purpose_news.id,
            channel_id=self.channel_email.id,
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your consent is withdrawn", response.text)
        self.assertEqual(email.state, "withdrawn")
        receipt = email.receipt_ids.sorted("sequence")[-1]
        self.assertEqual(receipt.source, "preference_page")
        self.assertEqual(receipt.ip_address, "127.0.0.1")
        self.assertTrue(receipt.user_agent)
        self.assertEqual(self._consent(self.subject, self.channel_phone).state, "given")
        self.assertEqual(self._consent(self.other, self.channel_email).state, "given")

    def test_give_on_the_page_needs_confirmation(self):
        email = self._consent(self.subject, self.channel_email)
        email._change_state("withdrawn", source="email")
        response = self._post(
            self._url(),
            decision="give",
            purpose_id=self.purpose_news.id,
            channel_id=self.channel_email.id,
        )
        self.assertIn("we sent you an email", response.text)
        self.assertEqual(email.state, "pending")
        mail = self.env["mail.mail"].search([("email_to", "ilike", "anna.kowalska@example.pl")])
        token = re.search(r"/gdpr/confirm/([\w-]+)", mail.body_html).group(1)
        # Opening the link (as mail scanners do) confirms nothing; the button does, once.
        page = self.url_open(f"/gdpr/confirm/{token}")
        self.assertIn("o_gdpr_confirm", page.text)
        self.assertEqual(email.state, "pending")
        csrf = CSRF.search(page.text).group(1)
        done = self.url_open(f"/gdpr/confirm/{token}", data={"csrf_token": csrf})
        self.assertIn("o_gdpr_confirmed", done.text)
        self.assertEqual(email.state, "given")
        again = self.url_open(f"/gdpr/confirm/{token}", data={"csrf_token": csrf})
        self.assertIn("o_gdpr_used", again.text)
        self.assertIn("o_gdpr_invalid", self.url_open("/gdpr/confirm/forged").text)

    def test_bad_input_shows_a_message_and_changes_nothing(self):
        receipts = self.env["crm.gdpr.receipt"].search_count([])
        inactive = self.purpose_sharing.copy({"active": False})
        for data in (
            {"decision": "withdraw", "purpose_id": "abc", "channel_id": "1"},
            {
                "decision": "obliterate",
                "purpose_id": self.purpose_news.id,
                "channel_id": self.channel_email.id,
            },
            {"decision": "give", "purpose_id": inactive.id, "channel_id": self.channel_sharing.id},
            {
                "decision": "give",
                "purpose_id": self.purpose_news.id,
                "channel_id": self.channel_sharing.id,
            },
        ):
            with self.subTest(data=data):
                response = self._post(self._url(), **data)
                self.assertIn("This choice is not available", response.text)
        self.assertEqual(self.env["crm.gdpr.receipt"].search_count([]), receipts)

    def test_objection_to_legitimate_interests_and_needed_processing(self):
        page = self.url_open(self._url())
        self.assertIn("I object", page.text)
        response = self._post(
            self._url(),
            decision="withdraw",
            purpose_id=self.purpose_service.id,
            channel_id=self.channel_email.id,
        )
        self.assertIn("Your consent is withdrawn", response.text)
        Consent = self.env["crm.gdpr.consent"]
        self.assertEqual(
            Consent._gdpr_denials(self.partner_anna, self.purpose_service, "email"),
            {self.partner_anna.id: "objected"},
        )
        self.assertIn("Allow again", self.url_open(self._url()).text)
        # Processing needed for a contract is shown, not offered as a choice.
        contract = self.purpose_service.copy({"lawful_basis": "contract", "name": "Deliveries"})
        self.assertIn("it is not a choice", self.url_open(self._url()).text)
        for decision in ("withdraw", "give"):
            response = self._post(
                self._url(),
                decision=decision,
                purpose_id=contract.id,
                channel_id=self.channel_email.id,
            )
            self.assertIn("This choice is not available", response.text)
        self.assertFalse(Consent.search([("purpose_id", "=", contract.id)]))

    def test_withdraw_all(self):
        self._post(self._url(), decision="withdraw_all")
        self.assertEqual(set(self.subject.consent_ids.mapped("state")), {"withdrawn"})
        self.assertEqual(self._consent(self.other, self.channel_email).state, "given")

    def test_page_is_in_the_person_language_right_to_left(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.subject.lang = "ar_001"
        page = self.url_open(self._url())
        self.assertIn('dir="rtl"', page.text)
        self.assertIn('lang="ar_001"', page.text)
        self.subject.lang = "en_US"
        self.assertIn('dir="ltr"', self.url_open(self._url()).text)

    def test_tour_withdraw_on_the_preference_page(self):
        self.start_tour(self._url(), "crm_gdpr_preference_withdraw")
        self.assertEqual(self._consent(self.subject, self.channel_email).state, "withdrawn")
        self.assertEqual(self._consent(self.subject, self.channel_phone).state, "given")


@tagged("post_install", "-at_install")
class TestMyPrivacy(GdprCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls._new_portal_user(
            "gdpr_portal", "Olga Portal", "olga.portal@example.cz", password="gdpr_portal_pw"
        )
        cls.mine = cls._give(cls.portal_user.partner_id, cls.purpose_news, cls.channel_email)
        cls.theirs = cls._give(cls.partner_ben, cls.purpose_news, cls.channel_email)

    def test_portal_user_manages_own_consents(self):
        self.authenticate("gdpr_portal", "gdpr_portal_pw")
        home = self.url_open("/my/home")
        self.assertIn("/my/privacy", home.text)
        page = self.url_open("/my/privacy")
        self.assertIn("Olga Portal", page.text)
        self.assertNotIn("Benoit", page.text)
        self._withdraw_on_my_privacy(page, self.purpose_news, self.channel_email)
        self.assertEqual(self.mine.state, "withdrawn")
        self.assertEqual(self.mine.receipt_ids.sorted("sequence")[-1].source, "portal")
        self.assertEqual(self.theirs.state, "given")

    def test_portal_user_reads_only_own_consents_by_rpc(self):
        Consent = self.env["crm.gdpr.consent"].with_user(self.portal_user)
        self.assertEqual(Consent.search([]), self.mine)
        self.assertFalse(
            self.env["crm.gdpr.subject"]
            .with_user(self.portal_user)
            .search([("id", "=", self.theirs.subject_id.id)])
        )
        self.authenticate("gdpr_portal", "gdpr_portal_pw")
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/crm.gdpr.consent/search_read",
            {
                "model": "crm.gdpr.consent",
                "method": "search_read",
                "args": [[]],
                "kwargs": {"fields": ["id", "state"]},
            },
        )
        self.assertEqual([r["id"] for r in result], self.mine.ids)

    def test_page_follows_the_user_language(self):
        arabic = self.env["res.lang"]._activate_lang("ar_001")
        if "website" in self.env:
            # with the website module, pages are served in the website's languages only
            self.env["website"].search([]).language_ids |= arabic
        self.authenticate("gdpr_portal", "gdpr_portal_pw")
        self.assertIn('dir="ltr"', self.url_open("/my/privacy").text)
        # the user picks Arabic in the page's language selector
        page = self.url_open("/ar/my/privacy").text
        self.assertIn('dir="rtl" lang="ar_001"', page)
        # ... or makes it the language of their account: the next session is in Arabic
        self.portal_user.lang = "ar_001"
        self.authenticate("gdpr_portal", "gdpr_portal_pw")
        self.assertIn('dir="rtl" lang="ar_001"', self.url_open("/my/privacy").text)
        # and back to English, though their privacy record was first seen in Arabic
        self.portal_user.lang = "en_US"
        self.authenticate("gdpr_portal", "gdpr_portal_pw")
        self.assertIn('dir="ltr" lang="en_US"', self.url_open("/my/privacy").text)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/my/privacy", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
