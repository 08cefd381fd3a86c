"""Every customer- and partner-facing page of the suite renders right to left in Arabic and
Hebrew, and left to right in English (so that the test can fail).

Each page is fetched over HTTP as the person who opens it in real life: the reseller in its
portal, the customer in theirs, the person from the signed link of an email, a visitor of the
subscription form. The element checked is the page's top content element, the one each addon's
own RTL test checks.
"""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

LANGS = {"ar_001": "rtl", "he_IL": "rtl", "en_US": "ltr"}
# Top content elements, as the addons render them.
CHANNEL_PAGE = r'<div class="o_channel_portal"[^>]*>'
PREFERENCES = r'<div class="o_gdpr_preferences"[^>]*>'
GDPR_WRAP = r'<div id="wrap" class="container py-4"[^>]*>'
BOOKING = r'<div[^>]*class="container o_crm_booking py-4"[^>]*>'
# The customer of a quotation under review sees only the page saying so (crm_b2b_cpq).
CPQ_UNDER_REVIEW = r'<div[^>]*class="container py-5 o_cpq_quote_under_review"[^>]*>'
CPQ_SUPERSEDED = r'<div[^>]*class="alert alert-warning d-print-none o_cpq_superseded"[^>]*>'


@tagged("post_install", "-at_install")
class TestRightToLeftPages(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.languages = env["res.lang"]
        for code in LANGS:
            cls.languages |= env["res.lang"]._activate_lang(code)
        if "website" in env:
            # With the website module, pages are served in the website's languages only.
            env["website"].search([]).language_ids |= cls.languages
        env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        cls.company = env.company
        cls.salesman = new_test_user(
            env,
            login="rtl_rep",
            name="Rania Haddad",
            email="rania@vendor.example.com",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.manager = new_test_user(
            env,
            login="rtl_manager",
            name="Yosef Mizrahi",
            email="yosef@vendor.example.com",
            groups="sales_team.group_sale_manager",
        )
        cls._setup_channel()
        cls._setup_quotations()
        cls._setup_privacy()
        cls._setup_booking()

    @classmethod
    def _setup_channel(cls):
        env = cls.env
        env["crm.channel.routing.rule"].search([]).write({"active": False})
        grade = env["res.partner.grade"].create(
            {"name": "RTL Gold", "sequence": 1, "channel_protection_days": 90}
        )
        cls.reseller = env["res.partner"].create(
            {
                "name": "Gulf Cold Chain Partners",
                "is_company": True,
                "email": "info@gulf-cold.example.com",
                "country_id": env.ref("base.ae").id,
                "grade_id": grade.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.reseller_user = mail_new_test_user(
            env,
            login="rtl_reseller",
            name="Layla Nasser",
            email="layla@gulf-cold.example.com",
            groups="base.group_portal",
        )
        cls.reseller_user.partner_id.write(
            {"parent_id": cls.reseller.id, "channel_role": "manager"}
        )
        Lead = env["crm.lead"]
        cls.lead_offered = Lead.create(
            {"name": "Dubai reefer yard", "type": "lead", "contact_name": "Omar Saleh"}
        )
        cls.lead_offered._channel_offer_manually(cls.reseller)
        cls.lead_accepted = Lead.create(
            {"name": "Haifa port cold store", "type": "lead", "contact_name": "Noa Levi"}
        )
        cls.lead_accepted._channel_offer_manually(cls.reseller)
        cls.lead_accepted.with_user(cls.reseller_user).action_channel_accept()
        cls.registration = (
            env["crm.channel.registration"]
            .with_user(cls.reseller_user)
            .action_channel_register(
                {
                    "customer_name": "Sharjah Frozen Foods LLC",
                    "contact_name": "Huda Karim",
                    "email": "huda.karim@sharjah-frozen.example.com",
                    "expected_revenue": "45000",
                    "date_close_expected": fields.Date.to_string(
                        fields.Date.today() + timedelta(days=30)
                    ),
                }
            )
        )

    @classmethod
    def _setup_quotations(cls):
        env = cls.env
        cls.buyer = mail_new_test_user(
            env,
            login="rtl_buyer",
            name="Tamar Ben-David",
            email="tamar@negev-foods.example.com",
            groups="base.group_portal",
        )
        team = env["crm.team"].create({"name": "Middle East", "user_id": cls.manager.id})
        policy = env["cpq.discount.policy"].create(
            {
                "name": "Middle East policy",
                "team_id": team.id,
                "max_discount": 10.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(cls.manager.ids)],
            }
        )
        product = env["product.product"].create(
            {
                "name": "Reefer Telematics Gateway",
                "list_price": 450.0,
                "standard_price": 200.0,
                "taxes_id": [Command.clear()],
            }
        )

        def quote(discount):
            return (
                env["sale.order"]
                .with_user(cls.salesman)
                .create(
                    {
                        "partner_id": cls.buyer.partner_id.id,
                        "team_id": team.id,
                        "user_id": cls.salesman.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 8,
                                    "discount": discount,
                                }
                            )
                        ],
                    }
                )
            )

        # Sent to the customer, then caught by a policy tightened since: under review (a sent
        # quotation itself can no longer be changed beyond what was approved).
        cls.quote_under_review = quote(8.0)
        cls.quote_under_review.action_quotation_sent()
        policy.max_discount = 5.0
        cls.quote_superseded = quote(0.0)
        cls.quote_superseded.action_quotation_sent()
        cls.quote_superseded.with_user(cls.salesman).action_cpq_new_revision()

    @classmethod
    def _setup_privacy(cls):
        env = cls.env
        env["crm.gdpr.purpose"].search([("is_mailing_default", "=", True)]).write(
            {"is_mailing_default": False}
        )
        purpose = env["crm.gdpr.purpose"].create(
            {
                "name": "Cold-chain newsletter",
                "description": "Our product news, once a month.",
                "lawful_basis": "consent",
                "channel_ids": [Command.set(env.ref("crm_gdpr.channel_email").ids)],
                "validity_months": 24,
            }
        )
        Subject = env["crm.gdpr.subject"]
        cls.subject = Subject._find_or_create(email="mariam.aziz@example.com", name="Mariam Aziz")
        consents = cls.subject._set_consents(
            purpose, env.ref("crm_gdpr.channel_email"), "pending", "portal"
        )
        cls.optin_token = env["crm.gdpr.optin.token"]._issue(cls.subject, consents, "portal")
        # The people behind the portal users, seen in English first: /my/privacy must still
        # follow the language the user reads in now.
        Subject.with_context(lang="en_US")._find_or_create(partner=cls.reseller_user.partner_id)
        Subject.with_context(lang="en_US")._find_or_create(partner=cls.buyer.partner_id)

    @classmethod
    def _setup_booking(cls):
        env = cls.env
        cls.booking_customer = env["res.partner"].create(
            {
                "name": "Khalid Mansour",
                "email": "khalid@riyadh-dates.example.com",
                "country_id": env.ref("base.sa").id,
                "tz": "Asia/Riyadh",
            }
        )
        lead = env["crm.lead"].create(
            {
                "name": "Riyadh dates cold store",
                "type": "opportunity",
                "partner_id": cls.booking_customer.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.booking_link = env["crm.booking.link"].create(
            {
                "lead_id": lead.id,
                "partner_id": cls.booking_customer.id,
                "user_id": cls.salesman.id,
                "notice_hours": 0,
                "days": 2,
            }
        )

    # ---------------------------------------------------------------------------------------
    def _cases(self):
        """(page, path, login, top element, record whose language decides)."""
        reseller, buyer = self.reseller_user, self.buyer
        offered, accepted = self.lead_offered, self.lead_accepted
        subject, link = self.subject, self.booking_link
        return [
            ("partner leads", "/my/leads", "rtl_reseller", CHANNEL_PAGE, reseller),
            ("partner offer", f"/my/lead/{offered.id}", "rtl_reseller", CHANNEL_PAGE, reseller),
            ("partner deals", "/my/opportunities", "rtl_reseller", CHANNEL_PAGE, reseller),
            (
                "partner deal",
                f"/my/opportunity/{accepted.id}",
                "rtl_reseller",
                CHANNEL_PAGE,
                reseller,
            ),
            ("registration form", "/my/channel/register", "rtl_reseller", CHANNEL_PAGE, reseller),
            (
                "registrations",
                "/my/channel/registrations",
                "rtl_reseller",
                CHANNEL_PAGE,
                reseller,
            ),
            (
                "registration",
                f"/my/channel/registration/{self.registration.id}",
                "rtl_reseller",
                CHANNEL_PAGE,
                reseller,
            ),
            ("scorecard", "/my/channel/scorecard", "rtl_reseller", CHANNEL_PAGE, reseller),
            (
                "partner privacy",
                "/my/privacy",
                "rtl_reseller",
                PREFERENCES,
                reseller,
            ),
            (
                "customer privacy",
                "/my/privacy",
                "rtl_buyer",
                PREFERENCES,
                buyer,
            ),
            (
                "quotation under review",
                self.quote_under_review.get_portal_url(),
                "rtl_buyer",
                CPQ_UNDER_REVIEW,
                buyer,
            ),
            (
                "superseded quotation",
                self.quote_superseded.get_portal_url(),
                "rtl_buyer",
                CPQ_SUPERSEDED,
                buyer,
            ),
            (
                "preference page",
                f"/gdpr/preferences/{subject.id}/{subject._preference_token()}",
                None,
                PREFERENCES,
                subject,
            ),
            ("opt-in confirmation", f"/gdpr/confirm/{self.optin_token}", None, GDPR_WRAP, subject),
            ("subscription form", "/gdpr/subscribe", None, GDPR_WRAP, None),
            ("booking page", link._crm_booking_path(), None, BOOKING, self.booking_customer),
        ]

    def _direction(self, path, login, element, code):
        self.authenticate(login, login)
        response = self.url_open(path, headers={"Cookie": f"frontend_lang={code}"})
        self.assertEqual(response.status_code, 200, path)
        tag = re.search(element, response.text)
        self.assertTrue(tag, f"{path}: no {element} in the page")
        direction = re.search(r'\sdir="(\w+)"', tag.group(0))
        return direction and direction.group(1)

    def test_pages_follow_the_direction_of_the_language(self):
        for page, path, login, element, person in self._cases():
            for code, expected in LANGS.items():
                with self.subTest(page=page, lang=code):
                    for record in person or ():
                        record.lang = code
                    self.assertEqual(self._direction(path, login, element, code), expected)
