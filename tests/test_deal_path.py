"""One deal's path through the whole suite (ARCHITECTURE.md, "One deal's path").

A reseller registers a deal in the portal; the person behind it gives consent, sharing with
partners confirmed by double opt-in; the vendor approves the registration, which hands the
opportunity to the reseller; the customer's clock and contact window are known; the deal is
negotiated in euros (company in dollars) with a configured, priced, approved and revised
quotation; the order is invoiced and paid and the deal ledger follows it in both currencies;
years later the person asks for erasure and the DPO erases them while the books stay intact.

Every step is done by the user who does it in real life. Dates are relative to today (the
registration refuses a closing date in the past), rates are this company's own.
"""

import re
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_b2b_cpq.tests.common import CpqCommon
from odoo.addons.crm_deal_ledger.tests.common import DealLedgerCommon
from odoo.addons.mail.tests.common import mail_new_test_user

CONTACT = "Liesbeth Van Damme"
EMAIL = "liesbeth.vandamme@scheldt-reefer.example"
PHONE = "+32 3 555 01 87"
CUSTOMER = "Scheldt Reefer Terminals NV"
EVIDENCE = {"ip_address": "198.51.100.23", "user_agent": "Mozilla/5.0 (Windows NT 10.0)"}


@tagged("post_install", "-at_install")
class TestDealPath(DealLedgerCommon):
    """A USD company (Odoo's accounting test company) selling to a Belgian customer in EUR:
    1 EUR = 1.25 USD ten days ago, 2 USD from today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = cls.company_data["company"]
        cls.company.write({"country_id": env.ref("base.us").id})
        cls.today = fields.Date.context_today(env["res.partner"])
        cls.invoice_day = cls.today - timedelta(days=5)
        env["res.currency.rate"].create(
            [
                {
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                    "name": cls.today - timedelta(days=10),
                    "rate": 0.8,
                },
                {
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                    "name": cls.today,
                    "rate": 0.5,
                },
            ]
        )
        cls.be = env.ref("base.be")
        cls._setup_people()
        cls._setup_channel()
        cls._setup_privacy()
        cls._setup_catalogue()
        # Secured sales journal: posted invoices get an inalterable hash.
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.restrict_mode_hash_table = True

    @classmethod
    def _company_user(cls, login, name, groups):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@vendor.example.com",
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _setup_people(cls):
        # DealLedgerCommon gives the salesman (Nadia), another salesman and the accountant.
        cls.sales_manager = cls._company_user(
            "path_manager", "Marc Dubois", "sales_team.group_sale_manager"
        )
        cls.dpo = cls._company_user(
            "path_dpo", "Dana Protector", "sales_team.group_sale_salesman,crm_gdpr.group_gdpr_dpo"
        )
        cls.team.write({"user_id": cls.sales_manager.id})

    @classmethod
    def _setup_channel(cls):
        # configuration a manager edits, set up as superuser
        env = cls.env(su=True)
        # Routing and the other graded partners of the database stay out of this deal.
        env["crm.channel.routing.rule"].search([]).write({"active": False})
        cls.gold = env["res.partner.grade"].create(
            {
                "name": "Gold Path",
                "sequence": 1,
                "partner_weight": 50,
                "channel_max_open_offers": 5,
                "channel_offer_hours": 24,
                "channel_protection_days": 90,
            }
        )
        cls.reseller = env["res.partner"].create(
            {
                "name": "Antwerp Cold Chain Integrators",
                "is_company": True,
                "email": "info@acc-integrators.example.com",
                "country_id": cls.be.id,
                "grade_id": cls.gold.id,
                "user_id": cls.salesman.id,  # the vendor's account manager of this reseller
                "company_id": cls.company.id,
            }
        )
        cls.reseller_user = cls._portal_user("path_reseller", "Pieter Janssens", cls.reseller)
        cls.other_reseller = env["res.partner"].create(
            {
                "name": "Lille Froid Partenaires",
                "is_company": True,
                "email": "contact@lille-froid.example.com",
                "country_id": env.ref("base.fr").id,
                "grade_id": cls.gold.id,
                "company_id": cls.company.id,
            }
        )
        cls.other_reseller_user = cls._portal_user(
            "path_other_reseller", "Camille Lefort", cls.other_reseller
        )

    @classmethod
    def _portal_user(cls, login, name, company):
        user = mail_new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@partners.example.com",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        user.partner_id.write({"parent_id": company.id, "channel_role": "manager"})
        return user

    @classmethod
    def _setup_privacy(cls):
        # configuration a manager edits, set up as superuser
        env = cls.env(su=True)
        env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        env["crm.gdpr.purpose"].search([("is_mailing_default", "=", True)]).write(
            {"is_mailing_default": False}
        )
        cls.channel_email = env.ref("crm_gdpr.channel_email")
        cls.channel_sharing = env.ref("crm_gdpr.channel_partner_sharing")
        cls.purpose_news = env["crm.gdpr.purpose"].create(
            {
                "name": "Cold-chain newsletter",
                "description": "Our product news for cold stores, once a month.",
                "lawful_basis": "consent",
                "channel_ids": [Command.set(cls.channel_email.ids)],
                "validity_months": 24,
                "is_mailing_default": True,
            }
        )
        cls.purpose_sharing = env["crm.gdpr.purpose"].create(
            {
                "name": "Follow-up by a certified reseller",
                "description": "A certified reseller near you contacts you about your project.",
                "lawful_basis": "consent",
                "channel_ids": [Command.set(cls.channel_sharing.ids)],
                "validity_months": 12,
            }
        )

    @classmethod
    def _setup_catalogue(cls):
        # configuration a manager edits, set up as superuser
        env = cls.env(su=True)
        env["product.pricelist"].search([("company_id", "in", [False, cls.company.id])]).write(
            {"active": False}
        )
        cls.pricelist_benelux = env["product.pricelist"].create(
            {"name": "Benelux (EUR)", "currency_id": cls.eur.id, "company_id": cls.company.id}
        )
        cls.gateway, cls.support = (
            env["product.product"].create(
                {
                    "name": name,
                    "type": product_type,
                    "invoice_policy": "order",
                    "list_price": price,
                    "standard_price": cost,
                    "taxes_id": [Command.set(cls.tax_10.ids)],
                    "property_account_income_id": cls.company_data["default_account_revenue"].id,
                }
            )
            for name, product_type, price, cost in (
                ("Reefer Telematics Gateway", "consu", 520.0, 260.0),
                ("Premium Support (year)", "service", 2100.0, 300.0),
            )
        )
        env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": cls.pricelist_benelux.id,
                    "applied_on": "0_product_variant",
                    "product_id": product.id,
                    "compute_price": "fixed",
                    "fixed_price": price,
                }
                for product, price in ((cls.gateway, 449.95), (cls.support, 1890.0))
            ]
        )
        cls.rule_support = env["cpq.config.rule"].create(
            {
                "name": "Gateways ship with a support contract",
                "rule_type": "requires",
                "company_id": cls.company.id,
                "product_tmpl_id": cls.gateway.product_tmpl_id.id,
                "target_product_tmpl_ids": [Command.set(cls.support.product_tmpl_id.ids)],
            }
        )
        cls.policy = env["cpq.discount.policy"].create(
            {
                "name": "Enterprise Sales policy",
                "team_id": cls.team.id,
                "company_id": cls.company.id,
                "max_discount": 10.0,
                "min_margin": 20.0,
                "approver_ids": [Command.set(cls.sales_manager.ids)],
            }
        )

    # ---------------------------------------------------------------------------------------
    # The steps, each done by the user who does it
    # ---------------------------------------------------------------------------------------
    def _register(self):
        """The reseller registers the deal in its portal; nothing matches it."""
        registration = (
            self.env["crm.channel.registration"]
            .with_user(self.reseller_user)
            .action_channel_register(
                {
                    "customer_name": CUSTOMER,
                    "contact_name": CONTACT,
                    "email": EMAIL,
                    "phone": PHONE,
                    "vat": "BE0403170701",
                    "country_id": str(self.be.id),
                    "expected_revenue": "12,000",
                    "product_ids": [str(self.gateway.product_tmpl_id.id)],
                    "date_close_expected": fields.Date.to_string(self.today + timedelta(days=60)),
                    "note": "Twelve reefer gateways for the new terminal in Antwerp.",
                }
            )
        )
        self.assertEqual(registration.state, "pending")
        self.assertFalse(registration.has_conflict, registration.sudo().conflict_ids)
        self.assertFalse(registration.conflict_message)
        self.assertEqual(registration.partner_id, self.reseller)
        self.assertEqual(registration.company_id, self.company)
        # The vendor is asked to review it; the other reseller does not see it.
        self.assertTrue(registration.sudo().activity_ids)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            registration.with_user(self.other_reseller_user).read(["customer_name"])
        return registration.with_user(self.env.user)

    def _record_consent(self):
        """The salesman calls the contact: newsletter consent by phone. From the preference
        page, the person then asks to be followed up by a reseller, and confirms it from the
        email sent to them (double opt-in)."""
        wizard = (
            self.env["crm.gdpr.consent.record"]
            .with_user(self.salesman)
            .create(
                {
                    "name": CONTACT,
                    "email": EMAIL,
                    "purpose_id": self.purpose_news.id,
                    "channel_ids": [Command.set(self.channel_email.ids)],
                    "source": "phone",
                    "note": "Called after the registration; happy to get the newsletter.",
                }
            )
        )
        wizard.action_record()
        Subject = self.env["crm.gdpr.subject"]
        subject = Subject._find_or_create(email=EMAIL)
        self.assertEqual(subject.name, CONTACT)
        news = subject.consent_ids
        self.assertEqual((news.purpose_id, news.state), (self.purpose_news, "given"))
        self.assertEqual(news.receipt_ids.source, "phone")
        self.assertEqual(news.receipt_ids.create_uid, self.salesman)
        Consent = self.env["crm.gdpr.consent"]
        self.assertEqual(
            Consent._gdpr_denials([EMAIL], self.purpose_sharing, "partner_sharing"),
            {EMAIL: "no_consent"},
        )

        # The person, from the signed link of their preference page (public).
        public = self.env.ref("base.public_user")
        token = subject._preference_token()
        page_subject = Subject.with_user(public).sudo().browse(subject.id)
        self.assertTrue(page_subject._check_preference_token(token))
        self.assertFalse(page_subject._check_preference_token(token[:-1] + "x"))
        outcome = page_subject._preference_apply(
            "give",
            purpose_id=str(self.purpose_sharing.id),
            channel_id=str(self.channel_sharing.id),
            source="preference_page",
            evidence=EVIDENCE,
        )
        self.assertEqual(outcome, "pending")
        sharing = subject.consent_ids.filtered(lambda c: c.purpose_id == self.purpose_sharing)
        self.assertEqual(sharing.state, "pending")
        self.assertEqual(
            Consent._gdpr_denials([EMAIL], self.purpose_sharing, "partner_sharing"),
            {EMAIL: "pending"},
            "a pending consent allows no sharing",
        )
        mail = self.env["mail.mail"].search([("email_to", "ilike", EMAIL)])
        self.assertEqual(len(mail), 1)
        raw_token = re.search(r"/gdpr/confirm/([\w-]+)", str(mail.body_html)).group(1)
        Token = self.env["crm.gdpr.optin.token"].with_user(public).sudo()
        status, record = Token._consume(raw_token, **EVIDENCE)
        self.assertEqual(status, "confirmed")
        self.assertEqual(sharing.state, "given")
        receipt = sharing.receipt_ids.filtered(lambda r: r.state_to == "given")
        self.assertEqual(receipt.source, "double_optin")
        self.assertEqual(receipt.origin, f"crm.gdpr.optin.token,{record.id}")
        self.assertEqual(receipt.ip_address, EVIDENCE["ip_address"])
        self.assertEqual(Token._consume(raw_token)[0], "used", "the link works once")
        self.assertEqual(
            Consent._gdpr_denials([EMAIL], self.purpose_sharing, "partner_sharing"), {}
        )
        return subject

    def _approve(self, registration):
        """The sales manager approves: the opportunity is the reseller's, accepted."""
        with self.assertRaises(AccessError):
            registration.with_user(self.salesman).action_approve()
        registration.with_user(self.sales_manager).action_approve()
        self.assertEqual(registration.state, "approved")
        self.assertEqual(registration.decided_by_id, self.sales_manager)
        self.assertEqual(registration.protected_until, self.today + timedelta(days=90))
        lead = registration.lead_id
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_assigned_id, self.reseller)
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.channel_user_id, self.reseller_user)
        self.assertEqual(lead.channel_registration_id, registration)
        self.assertEqual(lead.user_id, self.salesman, "the reseller's account manager")
        self.assertEqual(lead.company_id, self.company)
        self.assertEqual(lead.email_from, EMAIL)
        # The reseller works the deal and sees the contact; the other reseller sees nothing.
        seen = lead.with_user(self.reseller_user).read(
            ["name", "channel_contact_name", "channel_email"]
        )[0]
        self.assertEqual((seen["channel_contact_name"], seen["channel_email"]), (CONTACT, EMAIL))
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            lead.with_user(self.other_reseller_user).read(["name"])
        return lead

    def _qualify(self, lead):
        """The salesman links the customer, learns their clock and values the deal in euros."""
        lead = lead.with_user(self.salesman)
        lead._handle_partner_assignment(create_missing=True)
        contact = lead.partner_id
        self.assertEqual(contact.name, CONTACT)
        self.assertEqual(contact.commercial_partner_id.name, CUSTOMER)
        self.assertEqual(contact.email, EMAIL)
        # Belgium has one time zone: the customer's clock is known without asking.
        self.assertEqual(lead.customer_tz, "Europe/Brussels")
        self.assertEqual(contact.crm_tz, "Europe/Brussels")
        Window = self.env["crm.contact.window"]
        Window.search([("country_id", "=", self.be.id)]).write({"active": False})
        Window.create(
            {"name": "Belgium", "country_id": self.be.id, "hour_from": 8.5, "hour_to": 17.0}
        )
        self.env["crm.public.holiday"].search([("country_id", "=", self.be.id)]).unlink()
        tuesday = datetime(2031, 1, 7)  # a Tuesday in winter: Brussels is UTC+1
        self.assertEqual(
            Window._crm_check_time(
                self.be, lead.customer_tz, tuesday.replace(hour=8), tuesday.replace(hour=9), "her"
            ),
            [],
            "09:00-10:00 in Brussels",
        )
        self.assertTrue(
            Window._crm_check_time(
                self.be, lead.customer_tz, tuesday.replace(hour=17), tuesday.replace(hour=18), "her"
            ),
            "18:00 in Brussels is after her business hours",
        )
        self.assertTrue(
            Window._crm_check_day(self.be, tuesday.date() + timedelta(days=4), "her"),
            "Saturday",
        )
        # Negotiated in euros; valued at the rate of the expected closing date.
        self.assertEqual(lead.expected_revenue, 12000.0, "registered in the company currency")
        lead.write({"team_id": self.team.id, "deal_currency_id": self.eur.id})
        lead.deal_amount = 10000.0
        self.assertEqual(lead.deal_rate_source, "closing_date")
        self.assertEqual(lead.deal_valuation_date, self.today + timedelta(days=60))
        self.assertEqual(lead.deal_rate_date, self.today)
        self.assertAlmostEqual(lead.deal_rate, 2.0)
        self.assertEqual(lead.expected_revenue, 20000.0)
        self.assertIn("1 EUR = 2 USD", lead.deal_rate_info)
        return lead.with_user(self.env.user)

    def _quote(self, lead):
        """Configured, priced, approved, sent, revised, approved again and confirmed."""
        Order = self.env["sale.order"].with_user(self.salesman)
        quote = Order.create(
            {
                "partner_id": lead.partner_id.id,
                "opportunity_id": lead.id,
                "user_id": self.salesman.id,
                "team_id": self.team.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.gateway.id, "product_uom_qty": 10, "discount": 15.0}
                    )
                ],
            }
        )
        self.assertEqual(quote.pricelist_id, self.pricelist_benelux, "the deal's currency")
        self.assertEqual(quote.currency_id, self.eur)
        self.assertEqual(quote.order_line.price_unit, 449.95)
        # Configuration: a gateway needs a support contract in the same quotation.
        self.assertIn(self.rule_support.name, quote.cpq_config_issues)
        with self.assertRaises(UserError):
            quote.action_quotation_sent()
        quote.write(
            {"order_line": [Command.create({"product_id": self.support.id, "product_uom_qty": 1})]}
        )
        self.assertFalse(quote.cpq_config_issues)
        for line in quote.order_line:
            CpqCommon.assertBuildUpAddsUp(self, line)
        # 15% is above the team's 10%: the sales manager approves, the salesman cannot.
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertIn("15.00%", quote.approval_reason)
        with self.assertRaises(UserError):
            quote.action_quotation_sent()
        with self.assertRaises(AccessError):
            quote.action_cpq_approve()
        quote.with_user(self.sales_manager).action_cpq_approve()
        self.assertEqual(quote.approval_state, "approved")
        self.assertEqual(quote.approval_decided_by_id, self.sales_manager)
        quote.action_quotation_sent()
        self.assertEqual(quote.state, "sent")

        # The customer wants twelve gateways: version 2 of the quotation.
        action = quote.action_cpq_new_revision()
        revision = Order.browse(action["res_id"])
        self.assertEqual(revision.cpq_revision_number, 1)
        self.assertEqual(revision.name, f"{quote.name}-R1")
        self.assertEqual(revision.cpq_version_ids, quote | revision)
        self.assertEqual(quote.superseded_by_id, revision)
        self.assertEqual((quote.state, quote.cpq_status), ("cancel", "superseded"))
        gateway_line = revision.order_line.filtered(lambda line: line.product_id == self.gateway)
        gateway_line.product_uom_qty = 12
        self.assertEqual(revision.currency_id, self.eur)
        self.assertEqual(revision.approval_state, "to_approve", "a new version is decided anew")
        revision.with_user(self.sales_manager).action_cpq_approve()
        revision.action_quotation_sent()
        # 12 x 449.95 - 15% = 4,589.49; + 1,890.00; + 10% tax = 7,127.44 EUR.
        self.assertEqual(gateway_line.price_subtotal, 4589.49)
        self.assertEqual(revision.amount_untaxed, 6479.49)
        self.assertEqual(revision.amount_tax, 647.95)
        self.assertEqual(revision.amount_total, 7127.44)
        revision.action_confirm()
        self.assertEqual(revision.state, "sale")
        self.assertEqual(lead.order_ids.filtered(lambda o: o.state == "sale"), revision)
        return revision

    def _invoice_and_pay(self, order):
        """The salesman invoices the order; the accountant posts it and registers the
        payment."""
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        invoice = invoice.with_user(self.accountant)
        invoice.write({"invoice_date": self.invoice_day})
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.currency_id, self.eur)
        self.assertEqual(invoice.opportunity_id, order.opportunity_id)
        self.assertEqual(invoice.amount_total, 7127.44)
        self.assertEqual(invoice.amount_total_signed, 8909.30, "at 1.25 on the invoice date")
        self.assertTrue(invoice.inalterable_hash)
        payment = (
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": self.today,
                    "amount": invoice.amount_residual,
                    "currency_id": self.eur.id,
                    "journal_id": self.bank_journal.id,
                }
            )
            ._create_payments()
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(payment.amount, 7127.44)
        return invoice.with_user(self.env.user)

    def _check_ledger(self, lead):
        deal = lead.with_user(self.salesman)
        self.assertEqual(deal.ledger_currency_id, self.eur)
        self.assertLedger(
            deal,
            ordered=7127.44,
            invoiced=7127.44,
            paid=7127.44,
            outstanding=0.0,
            to_invoice=0.0,
            invoiced_company=8909.30,  # at 1.25 USD on the invoice date
            paid_company=14254.88,  # at 2 USD on the payment date
            exchange_difference=5345.58,
            outstanding_company=0.0,
        )
        self.assertReconcilesWithAccounting(lead)
        for figure in ("invoiced", "paid", "invoiced_company", "paid_company"):
            amount = deal[f"ledger_{figure}"]
            currency = self.usd if figure.endswith("company") else self.eur
            self.assertTrue(currency.is_zero(amount - currency.round(amount)), figure)
        # The accountant follows it in the ledger report (not the opportunity itself); another
        # salesman and the reseller see none of it.
        entries = (
            self.env["crm.deal.ledger.line"]
            .with_user(self.accountant)
            .search([("lead_id", "=", lead.id)])
        )
        self.assertEqual(set(entries.mapped("kind")), {"order", "invoice", "payment"})
        # The report is in the company currency.
        self.assertAlmostEqual(sum(entries.mapped("amount_invoiced")), 8909.30, places=2)
        self.assertAlmostEqual(sum(entries.mapped("amount_paid")), 14254.88, places=2)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            lead.with_user(self.accountant).read(["name"])
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            lead.with_user(self.other_salesman).read(["ledger_paid"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            lead.with_user(self.reseller_user).read(["ledger_invoiced"])

    def _erase(self, subject, lead, invoice):
        """Later, the person asks to be forgotten; the DPO erases them."""
        contact = lead.partner_id
        total, total_company = invoice.amount_total, invoice.amount_total_signed
        hash_before = invoice.inalterable_hash
        Scanner = self.env["crm.gdpr.scanner"]
        identifiers = Scanner._identifier_set([EMAIL], [CONTACT], [PHONE])
        self.assertTrue(Scanner._scan(identifiers), "the person is in the database before")
        # The reseller's registration keeps a matching key derived from the phone number.
        registration = lead.channel_registration_id.sudo()
        phone_digits = re.sub(r"\D", "", PHONE)
        key_digits = re.sub(r"\D", "", registration.phone_key or "")
        self.assertTrue(key_digits and phone_digits.endswith(key_digits))
        request = (
            self.env["crm.gdpr.request"]
            .with_user(self.dpo)
            .create(
                {
                    "request_type": "erasure",
                    "partner_id": contact.id,
                    "company_id": self.company.id,
                    "identity_method": "email",
                    "received_via": "email",
                    "description": "Please delete everything you hold about me.",
                }
            )
        )
        self.assertEqual(request.subject_id, subject)
        request.action_verify_identity()
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).action_process()
        residual = request.with_user(self.dpo).action_process()
        self.assertEqual(residual, [])
        self.assertEqual(request.state, "done")
        self.env.invalidate_all()
        self.assertEqual(Scanner._scan(identifiers), [])
        # The person is anonymised in place.
        self.assertTrue(subject.erased)
        self.assertFalse(subject.email)
        self.assertFalse(contact.active)
        self.assertFalse(contact.email or contact.phone)
        self.assertNotIn(CONTACT, contact.name)
        self.assertTrue(lead.gdpr_anonymised)
        self.assertFalse(lead.contact_name or lead.email_from or lead.phone)
        self.assertEqual(set(subject.consent_ids.mapped("state")), {"withdrawn"})
        self.assertNotIn(CONTACT, registration.contact_name)
        self.assertNotIn(PHONE, registration.phone or "")
        self.assertFalse(
            re.sub(r"\D", "", registration.phone_key or "")
            and phone_digits.endswith(re.sub(r"\D", "", registration.phone_key or "")),
            "no key derived from the phone number is left behind",
        )
        # The books are intact: totals, hash, partner link, and the chain still verifies.
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, total)
        self.assertEqual(invoice.amount_total_signed, total_company)
        self.assertEqual(invoice.inalterable_hash, hash_before)
        self.assertEqual(invoice.partner_id, contact)
        moves = self.env["account.move"].search(
            [("journal_id", "=", self.sale_journal.id), ("inalterable_hash", "!=", False)],
            order="sequence_prefix, sequence_number",
        )
        recomputed = moves._calculate_hashes("")
        self.assertEqual([recomputed[m] for m in moves], moves.mapped("inalterable_hash"))
        hold = (
            self.env["crm.gdpr.legal.hold"]
            .with_user(self.dpo)
            .search([("request_id", "=", request.id)])
        )
        self.assertEqual(hold.sudo().move_ids, invoice)
        # The ledger still adds up after erasure.
        self.assertLedger(lead, invoiced=7127.44, paid=7127.44, paid_company=14254.88)

    # ---------------------------------------------------------------------------------------
    def test_one_deal_from_registration_to_erasure(self):
        registration = self._register()
        subject = self._record_consent()
        lead = self._approve(registration)
        self.assertEqual(
            self.env["crm.gdpr.consent"]._gdpr_filter_allowed(
                lead, self.purpose_sharing, "partner_sharing"
            ),
            lead,
            "the person allowed sharing with the reseller",
        )
        lead = self._qualify(lead)
        order = self._quote(lead)
        invoice = self._invoice_and_pay(order)
        self._check_ledger(lead)
        self._erase(subject, lead, invoice)
