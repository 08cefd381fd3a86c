from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


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
