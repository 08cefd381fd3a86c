from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestOffers(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a second partner covering Benelux, to re-offer to
        cls.partner_c = cls.env["res.partner"].create(
            {
                "name": "Fabrikam Benelux",
                "is_company": True,
                "country_id": cls.country_be.id,
                "grade_id": cls.bronze.id,
                "channel_territory_ids": [(6, 0, cls.territory_benelux.ids)],
            }
        )
        cls.user_c = cls._portal_user("c_manager", "Chloe Manager", cls.partner_c, "manager")

    def _routed_lead(self, name="Office printers for Liege"):
        lead = self._lead(name, self.country_be)
        lead._channel_route()
        return lead

    def test_accept_gives_the_deal_and_its_contact(self):
        lead = self.lead_offered
        portal_lead = lead.with_user(self.user_a_sales)
        self.assertFalse(portal_lead.channel_contact_visible)
        self.assertFalse(portal_lead.channel_email)
        self.assertFalse(portal_lead.channel_contact_name)
        self.assertFalse(portal_lead.channel_partner_name)
        portal_lead.action_channel_accept()
        offer = lead.channel_offer_id
        self.assertEqual(offer.state, "accepted")
        self.assertEqual(offer.answered_by_id, self.user_a_sales)
        self.assertTrue(offer.accepted_in_time)
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.channel_user_id, self.user_a_sales)
        self.assertIn(self.user_a_sales.partner_id, lead.message_partner_ids)
        portal_lead.invalidate_recordset()
        # the hook decides; alone, this addon shares the contact
        shareable = lead in lead._channel_may_share_personal_data()
        self.assertEqual(portal_lead.channel_contact_visible, shareable)
        self.assertEqual(
            portal_lead.channel_email,
            "jane.customer@customer-corp.example.com" if shareable else False,
        )
        if "crm_gdpr_partner_channel" not in self.env.registry._init_modules:
            self.assertTrue(shareable)
            self.assertEqual(portal_lead.channel_contact_name, "Jane Customer")
            self.assertEqual(portal_lead.channel_phone, "+32 470 12 34 56")
        self.assertEqual(portal_lead.channel_partner_name, "Office fit-out in Ghent Ltd")

    def test_hook_withholds_personal_data(self):
        """A bridge overriding the hook hides the person, not the deal."""
        lead = self.lead_a
        CrmLead = type(self.env["crm.lead"])
        original = CrmLead._channel_may_share_personal_data

        def nobody(records):
            return records.browse()

        CrmLead._channel_may_share_personal_data = nobody
        try:
            portal_lead = lead.with_user(self.user_a_sales)
            portal_lead.invalidate_recordset()
            self.assertFalse(portal_lead.channel_contact_visible)
            self.assertFalse(portal_lead.channel_email)
            self.assertFalse(portal_lead.channel_phone)
            self.assertEqual(portal_lead.channel_partner_name, "Warehouse scanners for Antwerp Ltd")
            with self.assertRaises(AccessError):
                portal_lead.update_contact_details_from_portal({"phone": "123456"})
        finally:
            CrmLead._channel_may_share_personal_data = original

    def test_accept_after_deadline_fails(self):
        lead = self.lead_offered
        deadline = lead.channel_offer_id.date_deadline
        with freeze_time(deadline + timedelta(minutes=1)), self.assertRaises(UserError):
            lead.with_user(self.user_a_sales).action_channel_accept()
        self.assertEqual(lead.channel_offer_id.state, "offered")
        self.assertEqual(lead.channel_state, "offered")

    def test_accept_twice_fails(self):
        lead = self.lead_offered
        lead.with_user(self.user_a_sales).action_channel_accept()
        with self.assertRaises(AccessError):
            lead.with_user(self.user_a_sales2).action_channel_accept()
        self.assertEqual(lead.channel_user_id, self.user_a_sales)

    def test_decline_needs_a_reason_then_reoffers(self):
        lead = self._routed_lead()
        first = lead.partner_assigned_id
        user = self.user_a_manager if first == self.partner_a else self.user_c
        portal_lead = lead.with_user(user)
        with self.assertRaises(UserError):
            portal_lead.action_channel_decline(False, "busy")
        self.assertEqual(lead.channel_state, "offered")
        portal_lead.action_channel_decline(self.reason.id, "Our team is on holiday")
        offer = lead.channel_offer_ids[-1:]
        self.assertEqual(offer.state, "declined")
        self.assertEqual(offer.decline_reason_id, self.reason)
        self.assertEqual(offer.decline_comment, "Our team is on holiday")
        self.assertEqual(lead.channel_state, "queued")
        self.assertFalse(lead.partner_assigned_id)
        self.assertIn(first, lead.partner_declined_ids)
        # the decliner loses the lead at once
        with self.assertRaises(AccessError):
            lead.with_user(user).read(["name"])
        # the scheduled job offers it to the next eligible partner
        self.env["crm.lead"]._cron_channel_process_offers()
        self.assertEqual(lead.channel_state, "offered")
        self.assertNotEqual(lead.partner_assigned_id, first)
        self.assertEqual(lead.partner_assigned_id, (self.partner_a | self.partner_c) - first)
        self.assertEqual(len(lead.channel_offer_ids), 2)
        self.assertEqual(len(lead.channel_decision_ids), 2)

    def test_expired_offers_hop_to_the_next_partner(self):
        lead = self._routed_lead()
        first_offer = lead.channel_offer_id
        first = first_offer.partner_id
        Lead = self.env["crm.lead"]
        # not yet expired: the job changes nothing
        Lead._cron_channel_process_offers()
        self.assertEqual(lead.channel_offer_id, first_offer)
        later = first_offer.date_deadline + timedelta(minutes=5)
        with freeze_time(later):
            Lead._cron_channel_process_offers()
            self.assertEqual(first_offer.state, "expired")
            second_offer = lead.channel_offer_id
            self.assertNotEqual(second_offer, first_offer)
            self.assertEqual(second_offer.state, "offered")
            self.assertNotEqual(second_offer.partner_id, first)
            # idempotent: running again changes nothing
            Lead._cron_channel_process_offers()
            self.assertEqual(lead.channel_offer_id, second_offer)
        with freeze_time(second_offer.date_deadline + timedelta(minutes=5)):
            Lead._cron_channel_process_offers()
        # both Benelux partners let it expire: nobody left
        self.assertEqual(lead.channel_state, "no_partner")
        self.assertEqual(
            [offer.state for offer in lead.channel_offer_ids.sorted("id")], ["expired", "expired"]
        )
        self.assertEqual(lead.partner_declined_ids, self.partner_a | self.partner_c)
        self.assertIn("expired", " ".join(lead.message_ids.mapped("body")))

    def test_cron_takes_bounded_batches(self):
        leads = self.env["crm.lead"]
        for index in range(5):
            lead = self._lead(f"Queued {index}", self.country_be)
            # waiting for routing, as a release leaves it (the channel's own write)
            lead.sudo().with_context(channel_routing=True).channel_state = "queued"
            leads |= lead
        self.env["crm.lead"]._cron_channel_process_offers(batch_size=2)
        self.assertEqual(len(leads.filtered(lambda lead: lead.channel_state == "queued")), 3)
        self.env["crm.lead"]._cron_channel_process_offers(batch_size=10)
        self.assertFalse(leads.filtered(lambda lead: lead.channel_state == "queued"))

    def test_vendor_withdraws_and_assigns_by_hand(self):
        lead = self._routed_lead()
        first = lead.partner_assigned_id
        lead.with_user(self.salesman).action_channel_withdraw()
        self.assertEqual(lead.channel_offer_ids.state, "cancelled")
        self.assertEqual(lead.channel_state, "queued")
        lead.with_user(self.salesman).partner_assigned_id = self.partner_b
        self.assertEqual(lead.channel_state, "offered")
        self.assertEqual(lead.channel_offer_id.partner_id, self.partner_b)
        decision = lead.channel_decision_ids.sorted("id")[-1]
        self.assertEqual(decision.outcome, "manual")
        self.assertIn("Sam Vendor", decision.explanation["reason"])
        self.assertIn(first, lead.partner_declined_ids)
        with self.assertRaises(AccessError):
            lead.with_user(self.user_b_manager).action_channel_withdraw()

    def test_customer_messages_hidden_until_the_contact_is_shared(self):
        lead = self.lead_offered
        customer_mail = lead.message_post(
            body="<p>Hello, I am Jane, call me on +32 470 12 34 56.</p>",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            email_from="jane.customer@customer-corp.example.com",
        )
        vendor_note = lead.message_post(
            body="<p>Reach her at jane.customer@customer-corp.example.com</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        harmless = lead.message_post(
            body="<p>The customer wants a quote before June.</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        Message = self.env["mail.message"].with_user(self.user_a_sales)
        visible = Message.search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertIn(harmless, visible)
        self.assertNotIn(customer_mail, visible)
        self.assertNotIn(vendor_note, visible)
        with self.assertRaises(AccessError):
            customer_mail.with_user(self.user_a_sales).read(["body"])
        lead.with_user(self.user_a_sales).action_channel_accept()
        self.env.invalidate_all()
        visible = Message.search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        shareable = lead in lead._channel_may_share_personal_data()
        self.assertEqual(customer_mail in visible, shareable)
        self.assertEqual(vendor_note in visible, shareable)
        self.assertIn(harmless, visible)

    def test_partner_is_not_notified_of_personal_data(self):
        lead = self.lead_offered
        lead.message_subscribe(partner_ids=self.user_a_manager.partner_id.ids)
        revealing = lead.message_post(
            body="<p>Her mobile: +32 470 12 34 56</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        harmless = lead.message_post(
            body="<p>Budget confirmed.</p>", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertNotIn(self.user_a_manager.partner_id, revealing.notification_ids.res_partner_id)
        self.assertIn(self.user_a_manager.partner_id, harmless.notification_ids.res_partner_id)

    def test_digest_emails_new_offers_without_contact_details(self):
        lead = self._routed_lead("Ghent hospital kiosks")
        partner = lead.partner_assigned_id
        offers = self.env["crm.channel.offer"].search(
            [("partner_id", "=", partner.id), ("state", "=", "offered")]
        )
        self.env["crm.lead"]._cron_channel_notify_partners()
        mails = self.env["mail.mail"].search([("subject", "ilike", partner.name)])
        self.assertEqual(len(mails), 1, "one email per partner, not one per lead")
        body = str(mails.body_html)
        self.assertIn("Ghent hospital kiosks", body)
        self.assertNotIn("jane.customer", body)
        self.assertNotIn("470 12 34 56", body)
        self.assertNotIn("Jane Customer", body)
        self.assertIn('dir="ltr"', body)
        self.assertTrue(all(offers.mapped("notified")))
        self.env["crm.lead"]._cron_channel_notify_partners()
        self.assertEqual(
            self.env["mail.mail"].search_count([("subject", "ilike", partner.name)]), 1
        )

    def test_digest_email_is_right_to_left_in_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        lead = self._routed_lead("Antwerp port sensors")
        partner = lead.partner_assigned_id
        partner.lang = "ar_001"
        self.env["crm.lead"]._cron_channel_notify_partners()
        mail = self.env["mail.mail"].search([("subject", "ilike", partner.name)], limit=1)
        self.assertIn('dir="rtl"', str(mail.body_html))
        self.assertIn("<bdi>Antwerp port sensors</bdi>", str(mail.body_html))

    @mute_logger("odoo.models")
    def test_only_partners_accept_and_decline(self):
        lead = self.lead_offered
        with self.assertRaises(AccessError):
            lead.with_user(self.salesman).action_channel_accept()
        with self.assertRaises(AccessError):
            lead.with_user(self.salesman).action_channel_decline(self.reason.id)
        self.assertEqual(lead.channel_state, "offered")

    def test_stock_partner_interested_goes_through_the_checks(self):
        lead = self.lead_offered
        lead.with_user(self.user_a_sales).partner_interested("We call them today")
        self.assertEqual(lead.channel_state, "accepted")
        self.assertIn("We call them today", "".join(lead.message_ids.mapped("body")))
        lead2 = self._routed_lead()
        user = self.user_a_manager if lead2.partner_assigned_id == self.partner_a else self.user_c
        lead2.with_user(user).partner_desinterested("Not for us", False, True)
        self.assertEqual(lead2.channel_state, "queued")
        self.assertEqual(
            lead2.channel_offer_ids.decline_reason_id,
            self.env.ref("crm_partner_channel.decline_reason_other"),
        )

    def test_offer_answer_figures(self):
        lead = self.lead_offered
        offer = lead.channel_offer_id
        with freeze_time(offer.date_offered + timedelta(hours=3)):
            lead.with_user(self.user_a_sales).action_channel_accept()
        self.assertAlmostEqual(offer.hours_to_answer, 3.0, places=1)
        self.assertTrue(offer.accepted_in_time)
        self.assertLess(offer.date_answered, fields.Datetime.now() + timedelta(days=1))
