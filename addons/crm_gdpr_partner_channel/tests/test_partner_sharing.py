from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PartnerSharingCase


@tagged("post_install", "-at_install")
class TestPartnerSharing(PartnerSharingCase):
    """The partner sees the deal; it sees the person only with their consent to be shared with
    partners, decided when read."""

    def test_without_consent_the_partner_sees_the_deal_not_the_person(self):
        lead = self.portal_lead_a
        self.assertEqual(lead.channel_state, "accepted")
        self.assertNotIn(self.lead_a, self.lead_a._channel_may_share_personal_data())
        self.assert_person_hidden(lead)
        values = lead.read(["name", "expected_revenue", "stage_id", "channel_partner_name"])[0]
        self.assertEqual(values["name"], "Warehouse scanners for Antwerp")
        self.assertEqual(values["expected_revenue"], 12000)
        self.assertEqual(values["stage_id"][0], self.stage_new.id)
        self.assertEqual(values["channel_partner_name"], "Warehouse scanners for Antwerp Ltd")
        # the vendor sees why; the partner cannot read the reason
        self.assertEqual(
            self.lead_a.with_user(self.salesman).gdpr_partner_sharing_reason,
            "No consent to share with partners.",
        )
        with self.assertRaises(AccessError):
            lead.read(["gdpr_partner_sharing_reason"])
        # nor change the contact it cannot see
        with self.assertRaises(AccessError):
            lead.update_contact_details_from_portal({"phone": "+32 470 99 99 99"})
        self.assertEqual(self.lead_a.phone, "+32 470 12 34 56")

    def test_consent_given_then_withdrawn_shows_then_hides_at_once(self):
        lead = self.portal_lead_a
        self.assert_person_hidden(lead)
        consent = self.record_consent(self.lead_a)
        self.assertEqual(consent.state, "given")
        self.assertEqual(consent.receipt_ids.mapped("state_to"), ["given"])
        self.assertEqual(consent.receipt_ids.user_id, self.salesman)
        # no invalidation by hand: the decision is made when read
        self.assert_person_shown(lead)
        self.assertFalse(self.lead_a.gdpr_partner_sharing_reason)
        self.assertIn(self.lead_a, self.lead_a._channel_may_share_personal_data())
        self.record_consent(self.lead_a, decision="withdrawn")
        self.assertEqual(consent.state, "withdrawn")
        self.assert_person_hidden(lead)
        self.assertEqual(
            self.lead_a.gdpr_partner_sharing_reason,
            "The consent to share with partners was withdrawn.",
        )
        # given again (the person changed their mind): shown again
        consent.subject_id._set_consents(
            self.purpose_sharing, self.channel_sharing, "given", source="email"
        )
        self.assert_person_shown(lead)

    def test_only_consent_to_share_with_partners_counts(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(
            email=self.lead_a.email_from, name="Jane Customer"
        )
        # consent to newsletters by email says nothing about resellers
        subject._set_consents(
            self.purpose_news, self.channel_email | self.channel_phone, "given", source="email"
        )
        self.assert_person_hidden(self.portal_lead_a)
        self.assertEqual(
            self.lead_a.gdpr_partner_sharing_reason, "No consent to share with partners."
        )
        # the suite's own reseller purpose (data) counts like any active purpose of the channel
        subject._set_consents(
            self.env.ref("crm_gdpr.purpose_partner_sharing"),
            self.channel_sharing,
            "given",
            source="email",
        )
        self.assert_person_shown(self.portal_lead_a)
        # a purpose no longer in use gives no right to share
        self.env.ref("crm_gdpr.purpose_partner_sharing").active = False
        self.lead_a.invalidate_recordset()
        self.assert_person_hidden(self.portal_lead_a)

    def test_pending_consent_hides_the_person(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(
            email=self.lead_a.email_from, name="Jane Customer"
        )
        consent = subject._set_consents(
            self.purpose_sharing, self.channel_sharing, "pending", source="web_form"
        )
        self.assertEqual(consent.state, "pending")
        self.assert_person_hidden(self.portal_lead_a)
        self.assertEqual(
            self.lead_a.gdpr_partner_sharing_reason,
            "The consent to share with partners awaits the person's confirmation.",
        )
        # the person confirms from their mailbox: shown
        consent._change_state("given", source="double_optin")
        self.assert_person_shown(self.portal_lead_a)

    def test_expired_consent_hides_the_person(self):
        consent = self.record_consent(self.lead_a)
        self.assertTrue(consent.date_expiry)
        with freeze_time(consent.date_expiry - timedelta(minutes=1)):
            self.lead_a.invalidate_recordset()
            self.assert_person_shown(self.portal_lead_a)
        with freeze_time(consent.date_expiry + timedelta(minutes=1)):
            self.lead_a.invalidate_recordset()
            self.assert_person_hidden(self.portal_lead_a)
            self.assertEqual(
                self.lead_a.gdpr_partner_sharing_reason,
                "The consent to share with partners expired: ask again.",
            )

    def _request(self, request_type, partner):
        request = self.env["crm.gdpr.request"].create(
            {
                "request_type": request_type,
                "partner_id": partner.id,
                "date_received": fields.Date.today(),
                "user_id": self.user_dpo.id,
                "identity_method": "email",
            }
        )
        request.action_verify_identity()
        return request

    def test_restriction_and_objection_hide_the_person_despite_consent(self):
        customer = self.env["res.partner"].create(
            {"name": "Jane Customer", "email": "jane.customer@customer-corp.example.com"}
        )
        self.lead_a.partner_id = customer
        self.record_consent(self.lead_a)
        self.assert_person_shown(self.portal_lead_a)
        restriction = self._request("restriction", customer)
        restriction.action_process()
        self.assertTrue(self.lead_a.gdpr_subject_id.processing_restricted)
        self.assert_person_hidden(self.portal_lead_a)
        self.assertEqual(
            self.lead_a.gdpr_partner_sharing_reason,
            "Processing is restricted at the person's request (Art. 18).",
        )
        restriction.with_user(self.user_dpo).action_lift_restriction()
        self.assert_person_shown(self.portal_lead_a)
        self._request("objection", customer).action_process()
        self.assert_person_hidden(self.portal_lead_a)
        self.assertEqual(
            self.lead_a.gdpr_partner_sharing_reason,
            "The person objected to the processing (Art. 21).",
        )

    def test_erased_person_stays_hidden(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Wouter Peeters",
                "email": "wouter.peeters@harbour-logistics.example.com",
                "phone": "+32 3 555 01 02",
            }
        )
        lead = self._lead(
            "Dock scanners for Zeebrugge",
            self.country_be,
            partner_id=customer.id,
            contact_name="Wouter Peeters",
            email_from=customer.email,
            phone=customer.phone,
        )
        lead._channel_offer_manually(self.partner_a)
        lead.with_user(self.user_a_sales).action_channel_accept()
        self.record_consent(lead)
        portal_lead = lead.with_user(self.user_a_sales)
        self.assertEqual(portal_lead.channel_contact_name, "Wouter Peeters")
        self._request("erasure", customer).with_user(self.user_dpo).action_process()
        self.assertTrue(lead.gdpr_subject_id.erased)
        self.assertFalse(portal_lead.channel_contact_visible)
        self.assertEqual(lead.gdpr_partner_sharing_reason, "The person's data was erased.")
        # a rep types the person's name on a new deal of the same (erased) contact: withheld
        again = self._lead(
            "Dock scanners, phase 2", self.country_be, partner_id=customer.id, email_from=False
        )
        again._channel_offer_manually(self.partner_a)
        again.with_user(self.user_a_sales).action_channel_accept()
        self.assertEqual(again.contact_name, "Jane Customer")
        self.assert_person_hidden(again.with_user(self.user_a_sales))
        self.assertEqual(again.gdpr_partner_sharing_reason, "The person's data was erased.")

    def test_lead_naming_nobody_to_ask_is_withheld(self):
        """No email and no contact: no consent can be recorded for the person, whose name and
        phone are still on the lead, so the partner does not see them."""
        lead = self._lead("Kiosk for a Bruges museum", self.country_be, email_from=False)
        self.assertFalse(lead.partner_id)
        lead._channel_offer_manually(self.partner_a)
        lead.with_user(self.user_a_sales).action_channel_accept()
        portal_lead = lead.with_user(self.user_a_sales)
        self.assert_person_hidden(portal_lead)
        self.assertEqual(portal_lead.channel_partner_name, "Kiosk for a Bruges museum Ltd")
        self.assertEqual(
            lead.gdpr_partner_sharing_reason,
            "No email address or contact on the lead: add one, then record the person's "
            "consent to share with partners.",
        )
        with self.assertRaises(UserError):
            self.record_consent(lead)
        # the rep adds the email the person gave, and their consent: shown
        lead.email_from = "jane.customer@customer-corp.example.com"
        self.assertEqual(lead.gdpr_partner_sharing_reason, "No consent to share with partners.")
        self.record_consent(lead)
        self.assertTrue(portal_lead.channel_contact_visible)
        self.assertEqual(portal_lead.channel_contact_name, "Jane Customer")

    def test_offered_lead_hides_the_person_even_with_consent(self):
        self.record_consent(self.lead_offered)
        self.assertIn(self.lead_offered, self.lead_offered._channel_may_share_personal_data())
        self.assert_person_hidden(self.lead_offered.with_user(self.user_a_sales))

    def test_messages_of_the_person_follow_the_consent(self):
        lead = self.lead_a
        mail = lead.message_post(
            body="<p>Hello, please call me back.</p>",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            email_from="jane.customer@customer-corp.example.com",
        )
        note = lead.message_post(
            body="<p>Her direct line: +32 470 12 34 56</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        harmless = lead.message_post(
            body="<p>Budget confirmed for Q3.</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        Message = self.env["mail.message"].with_user(self.user_a_sales)
        domain = [("model", "=", "crm.lead"), ("res_id", "=", lead.id)]
        visible = Message.search(domain)
        self.assertIn(harmless, visible)
        self.assertNotIn(mail, visible)
        self.assertNotIn(note, visible)
        with self.assertRaises(AccessError):
            mail.with_user(self.user_a_sales).read(["body"])
        self.record_consent(lead)
        visible = Message.search(domain)
        self.assertIn(mail, visible)
        self.assertIn(note, visible)
        self.assertIn("call me back", mail.with_user(self.user_a_sales).read(["body"])[0]["body"])

    def test_partner_is_notified_of_the_person_only_with_consent(self):
        lead = self.lead_a
        lead.message_subscribe(partner_ids=self.user_a_manager.partner_id.ids)
        body = "<p>Jane's mobile: +32 470 12 34 56</p>"
        before = lead.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertNotIn(self.user_a_manager.partner_id, before.notification_ids.res_partner_id)
        self.record_consent(lead)
        after = lead.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertIn(self.user_a_manager.partner_id, after.notification_ids.res_partner_id)

    def test_vendor_form_says_why(self):
        form = Form(self.lead_a.with_user(self.salesman))
        self.assertEqual(form.gdpr_partner_sharing_reason, "No consent to share with partners.")
        self.record_consent(self.lead_a)
        form = Form(self.lead_a.with_user(self.salesman))
        self.assertFalse(form.gdpr_partner_sharing_reason)
        self.assertTrue(form.channel_contact_visible)

    def test_decision_costs_the_same_for_5_and_50_leads(self):
        leads = self.env["crm.lead"]
        for index in range(50):
            leads |= self._lead(
                f"Fleet tablets {index}",
                self.country_be,
                email_from=f"buyer{index % 10}@fleet-customer.example.com",
            )
        for index in range(0, 10, 2):
            self.env["crm.gdpr.subject"]._find_or_create(
                email=f"buyer{index}@fleet-customer.example.com"
            )._set_consents(self.purpose_sharing, self.channel_sharing, "given", source="email")
        # warm the caches (channel by code) once, then count
        leads[:1].sudo()._channel_may_share_personal_data()
        counts = []
        for batch in (leads[:5], leads):
            self.env.flush_all()
            self.env.invalidate_all()
            batch = batch.sudo()
            start = self.env.cr.sql_log_count
            shared = batch._channel_may_share_personal_data()
            counts.append(self.env.cr.sql_log_count - start)
            consented = batch.filtered(lambda lead: int(lead.name.split()[-1]) % 2 == 0)
            self.assertEqual(shared, consented)
        self.assertEqual(counts[0], counts[1])
        self.assertLessEqual(counts[1], 3)
