from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.crm_channel_registration import RegistrationInputError, company_name_key
from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestRegistration(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.template"].create(
            {"name": "Barcode Scanner X200", "sale_ok": True}
        )
        cls.not_for_sale = cls.env["product.template"].create(
            {"name": "Internal Spare Part", "sale_ok": False}
        )
        cls.known_customer = cls.env["res.partner"].create(
            {
                "name": "Brightline Logistics NV",
                "is_company": True,
                "vat": "BE0477 472 701",
                "email": "info@brightline-logistics.example.com",
                "phone": "+32 2 555 01 01",
            }
        )

    def values(self, **overrides):
        return {
            "customer_name": "Harbor Freight Solutions",
            "contact_name": "Lena Vos",
            "email": "lena.vos@harborfreight.example.com",
            "vat": "",
            "phone": "",
            "country_id": str(self.country_be.id),
            "expected_revenue": "48000",
            "product_ids": [str(self.product.id)],
            "date_close_expected": str(fields.Date.today() + timedelta(days=60)),
            "note": "Two warehouses, 40 scanners.",
            **overrides,
        }

    def register(self, user=None, **overrides):
        Registration = self.env["crm.channel.registration"].with_user(user or self.user_a_sales)
        return Registration.action_channel_register(self.values(**overrides))

    # ------------------------------------------------------------
    # Input
    # ------------------------------------------------------------

    def test_register_a_clean_deal(self):
        registration = self.register().sudo()
        self.assertEqual(registration.state, "pending")
        self.assertEqual(registration.partner_id, self.partner_a)
        self.assertEqual(registration.user_id, self.user_a_sales)
        self.assertTrue(registration.name.startswith("REG/"))
        self.assertEqual(registration.expected_revenue, 48000)
        self.assertEqual(registration.product_ids, self.product)
        self.assertFalse(registration.has_conflict)
        self.assertFalse(registration.conflict_message)
        self.assertTrue(registration.activity_ids, "the vendor is asked to review it")

    def test_bad_input_creates_nothing(self):
        Registration = self.env["crm.channel.registration"].sudo()
        count = Registration.search_count([])
        today = fields.Date.today()
        cases = {
            "customer_name": {"customer_name": " "},
            "contact_name": {"contact_name": ""},
            "email": {"email": "lena.vos at harborfreight"},
            "vat": {"vat": "12"},
            "phone": {"phone": "12-34"},
            "country_id": {"country_id": "999999"},
            "expected_revenue": {"expected_revenue": "forty thousand"},
            "date_close_expected": {"date_close_expected": str(today - timedelta(days=1))},
            "product_ids": {"product_ids": [str(self.not_for_sale.id)]},
            "note": {"note": "x" * 5001},
        }
        for field, overrides in cases.items():
            with self.subTest(field=field), self.assertRaises(RegistrationInputError) as caught:
                self.register(**overrides)
            self.assertIn(field, caught.exception.errors)
            self.assertEqual(Registration.search_count([]), count)
        more = {
            "negative revenue": ({"expected_revenue": "-5"}, "expected_revenue"),
            "zero revenue": ({"expected_revenue": "0"}, "expected_revenue"),
            "huge revenue": ({"expected_revenue": "1e13"}, "expected_revenue"),
            "no date": ({"date_close_expected": ""}, "date_close_expected"),
            "bad date": ({"date_close_expected": "31/12/2030"}, "date_close_expected"),
            "far date": (
                {"date_close_expected": str(today + timedelta(days=4 * 365))},
                "date_close_expected",
            ),
            "unknown product": ({"product_ids": ["999999"]}, "product_ids"),
            "garbage product": ({"product_ids": ["abc"]}, "product_ids"),
            "long name": ({"customer_name": "x" * 201}, "customer_name"),
        }
        for label, (overrides, field) in more.items():
            with self.subTest(case=label), self.assertRaises(RegistrationInputError) as caught:
                self.register(**overrides)
            self.assertIn(field, caught.exception.errors)
        # several errors at once, each with its message
        with self.assertRaises(RegistrationInputError) as caught:
            self.register(customer_name="", email="nope", expected_revenue="")
        self.assertEqual(
            set(caught.exception.errors), {"customer_name", "email", "expected_revenue"}
        )
        self.assertEqual(Registration.search_count([]), count)

    @mute_logger("odoo.models")
    def test_only_channel_partners_register(self):
        outsider_company = self.env["res.partner"].create(
            {"name": "Not A Partner", "is_company": True}
        )
        outsider = self._portal_user("outsider", "Otto Outsider", outsider_company, "manager")
        with self.assertRaises(AccessError):
            self.register(user=outsider)
        with self.assertRaises(AccessError):
            self.register(user=self.salesman)

    # ------------------------------------------------------------
    # Conflicts
    # ------------------------------------------------------------

    def assertConflict(self, registration, kinds):
        registration = registration.sudo()
        self.assertTrue(registration.has_conflict)
        self.assertEqual(set(registration.conflict_types.split(",")), set(kinds))
        self.assertEqual(set(registration.conflict_ids.mapped("match_type")), set(kinds))

    def assertMessageRevealsNobody(self, registration, *names):
        message = registration.with_user(registration.sudo().user_id).conflict_message
        self.assertTrue(message)
        for name in names:
            self.assertNotIn(name.lower(), message.lower())

    def test_conflict_on_email_domain_of_a_lead(self):
        lead = self._lead(
            "Harbor project",
            self.country_be,
            email_from="ceo@harborfreight.example.com",
            partner_name="HF Group",
        )
        registration = self.register()
        self.assertConflict(registration, ["email_domain"])
        self.assertEqual(registration.sudo().conflict_ids.lead_id, lead)
        self.assertMessageRevealsNobody(registration, "HF Group", "Harbor project", "ceo@")

    def test_generic_email_domains_match_whole_addresses_only(self):
        self._lead("Someone", self.country_be, email_from="jan.peeters@gmail.com")
        registration = self.register(
            customer_name="Peeters Bakery", email="lena.vos@gmail.com"
        ).sudo()
        self.assertFalse(registration.has_conflict)
        registration = self.register(
            customer_name="Corner Shop Peeters", email="jan.peeters@gmail.com"
        ).sudo()
        self.assertConflict(registration, ["email_domain"])

    def test_conflict_on_vat_of_a_customer(self):
        registration = self.register(customer_name="BL Logistics", vat="be 0477.472.701")
        self.assertConflict(registration, ["vat"])
        self.assertEqual(registration.sudo().conflict_ids.partner_id, self.known_customer)
        self.assertMessageRevealsNobody(registration, "Brightline")

    def test_conflict_on_phone_written_differently(self):
        self._lead("Dock cranes", self.country_be, phone="0470/12.34.56", email_from=False)
        registration = self.register(customer_name="Unrelated Name", phone="+32470123456")
        self.assertConflict(registration, ["phone"])

    def test_conflict_on_similar_company_name(self):
        registration = self.register(customer_name="BRIGHTLINE LOGISTICS")
        self.assertConflict(registration, ["company_name"])
        self.assertEqual(registration.sudo().conflict_ids.partner_id, self.known_customer)
        self.assertEqual(company_name_key("Brightline Logistics NV"), "brightline logistics")
        other = self.register(
            customer_name="Brightwater Farms", email="ops@brightwater.example.com"
        ).sudo()
        self.assertFalse(other.has_conflict)

    def test_conflict_with_another_partners_registration(self):
        first = self.register(user=self.user_b_sales, customer_name="Quayside Retail")
        second = self.register(
            customer_name="Quayside Retail Ltd", email="buyer@quayside.example.com"
        )
        self.assertConflict(second, ["company_name"])
        self.assertEqual(second.sudo().conflict_ids.other_registration_id, first.sudo())
        self.assertEqual(second.sudo().conflict_ids.other_partner_id, self.partner_b)
        self.assertMessageRevealsNobody(second, "Contoso", "Berta", "Quayside")

    @mute_logger("odoo.models")
    def test_partners_cannot_read_conflicts(self):
        self.register(customer_name="BRIGHTLINE LOGISTICS")
        registration = self.register(customer_name="Brightline Logistics")
        with self.assertRaises(AccessError):
            registration.read(["conflict_ids"])
        with self.assertRaises(AccessError):
            self.env["crm.channel.registration.conflict"].with_user(self.user_a_sales).search([])

    # ------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------

    def test_approve_creates_a_protected_deal(self):
        registration = self.register().sudo()
        registration.with_user(self.sales_manager).action_approve()
        lead = registration.lead_id
        self.assertEqual(registration.state, "approved")
        self.assertEqual(registration.protected_until, fields.Date.today() + timedelta(days=90))
        self.assertEqual(lead.partner_assigned_id, self.partner_a)
        self.assertEqual(lead.channel_user_id, self.user_a_sales)
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.channel_registration_id, registration)
        self.assertEqual(lead.expected_revenue, 48000)
        self.assertEqual(lead.channel_product_ids, self.product)
        self.assertFalse(registration.activity_ids)
        portal_lead = lead.with_user(self.user_a_sales)
        self.assertEqual(portal_lead.channel_protected_until, registration.protected_until)
        self.assertEqual(
            portal_lead.channel_contact_visible, lead in lead._channel_may_share_personal_data()
        )
        # B registering the same customer now conflicts with the protected deal
        duplicate = self.register(user=self.user_b_sales)
        self.assertTrue(duplicate.sudo().has_conflict)
        self.assertIn(lead, duplicate.sudo().conflict_ids.lead_id)

    def test_approve_onto_an_existing_opportunity(self):
        lead = self._lead("Harbor project", self.country_be)
        lead._channel_offer_manually(self.partner_b)
        registration = self.register().sudo()
        registration.lead_id = lead
        registration.with_user(self.sales_manager).action_approve()
        self.assertEqual(lead.partner_assigned_id, self.partner_a)
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.channel_offer_ids.state, "cancelled")
        # a second registration cannot take a protected deal
        other = self.register(user=self.user_b_sales).sudo()
        other.lead_id = lead
        with self.assertRaises(UserError):
            other.with_user(self.sales_manager).action_approve()
        self.assertEqual(other.state, "pending")

    @mute_logger("odoo.models")
    def test_reject_needs_a_reason_for_the_partner(self):
        registration = self.register().sudo()
        with self.assertRaises(UserError):
            registration.with_user(self.sales_manager).action_reject()
        registration.reject_reason = "We already quoted this customer directly."
        with self.assertRaises(AccessError):
            registration.with_user(self.salesman).action_reject()
        registration.with_user(self.sales_manager).action_reject()
        self.assertEqual(registration.state, "rejected")
        self.assertFalse(registration.lead_id)
        seen = registration.with_user(self.user_a_sales)
        self.assertEqual(seen.reject_reason, "We already quoted this customer directly.")
        with self.assertRaises(UserError):
            registration.with_user(self.sales_manager).action_approve()

    def test_protection_expires_unless_won_or_extended(self):
        first = self.register().sudo()
        second = self.register(customer_name="Other Corp", email="x@other-corp.example.com").sudo()
        third = self.register(customer_name="Third Corp", email="x@third-corp.example.com").sudo()
        (first | second | third).with_user(self.sales_manager).action_approve()
        second.lead_id.stage_id = self.stage_won
        third.with_user(self.sales_manager).action_extend()
        self.assertEqual(third.protected_until, fields.Date.today() + timedelta(days=180))
        with freeze_time(fields.Date.today() + timedelta(days=91)):
            self.env["crm.channel.registration"]._cron_expire_registrations()
        self.assertEqual(first.state, "expired")
        self.assertEqual(second.state, "won")
        self.assertEqual(third.state, "approved")
        # an expired deal no longer blocks, and can be extended again
        first.with_user(self.sales_manager).action_extend()
        self.assertEqual(first.state, "approved")
        self.assertGreater(first.protected_until, date.today())

    @mute_logger("odoo.models")
    def test_partners_read_only_their_registrations(self):
        mine = self.register()
        colleague = self.register(
            user=self.user_a_sales2, customer_name="Other Corp", email="x@other-corp.example.com"
        )
        theirs = self.register(
            user=self.user_b_sales, customer_name="Third Corp", email="x@third-corp.example.com"
        )
        Registration = self.env["crm.channel.registration"]
        self.assertEqual(Registration.with_user(self.user_a_sales).search([]), mine)
        self.assertEqual(
            Registration.with_user(self.user_a_manager).search([]), (mine | colleague).sudo(False)
        )
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_a_manager).read(["customer_name"])
        with self.assertRaises(AccessError):
            mine.with_user(self.user_a_sales).write({"state": "approved"})
        with self.assertRaises(AccessError):
            mine.with_user(self.user_a_sales).action_approve()
