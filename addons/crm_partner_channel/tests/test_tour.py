from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import ProductsCase


@tagged("post_install", "-at_install")
class TestPartnerTour(HttpCase):
    """In Chromium: a partner logs in, registers a deal, sees the conflict message on a
    duplicate, accepts an offer and moves it to a later stage."""

    def test_partner_journey(self):
        env = self.env
        grade = env["res.partner.grade"].create(
            {"name": "Tour Tier", "partner_weight": 10, "channel_offer_hours": 24}
        )
        company = env["res.partner"].create(
            {"name": "Tour Resellers", "is_company": True, "grade_id": grade.id}
        )
        user = mail_new_test_user(
            env,
            login="tour_partner",
            name="Tess Tour",
            email="tess@tour-resellers.example.com",
            groups="base.group_portal",
        )
        user.partner_id.write({"parent_id": company.id, "channel_role": "manager"})
        env["crm.stage"].create({"name": "Tour Qualification", "sequence": 1})
        proposal = env["crm.stage"].create({"name": "Tour Proposal", "sequence": 2})
        lead = env["crm.lead"].create(
            {
                "name": "Harbour cranes telemetry",
                "type": "lead",
                "contact_name": "Pieter Claes",
                "email_from": "pieter@port-example.example.com",
                "expected_revenue": 64000,
            }
        )
        lead._channel_offer_manually(company)

        self.start_tour("/web/login", "crm_partner_channel_tour", login=None)

        registrations = env["crm.channel.registration"].search([("partner_id", "=", company.id)])
        self.assertEqual(len(registrations), 2)
        self.assertEqual(registrations.mapped("has_conflict"), [True, False])
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.channel_user_id, user)
        self.assertEqual(lead.stage_id, proposal)


@tagged("post_install", "-at_install")
class TestProductsTour(ProductsCase, HttpCase):
    """In Chromium: a reseller types part of a product name, picks it with the keyboard, another
    by its reference with the mouse, removes a third, registers; the registration holds them."""

    def test_search_and_pick_products_of_interest(self):
        Registration = self.env["crm.channel.registration"].sudo()
        self.start_tour(
            "/my/channel/register", "crm_partner_channel_products_tour", login="a_sales"
        )
        registration = Registration.search([("customer_name", "=", "Lighthouse Marine Supplies")])
        self.assertEqual(len(registration), 1)
        self.assertEqual(registration.user_id, self.user_a_sales)
        self.assertEqual(registration.product_ids, self.scanner | self.catalogue[42])
