from odoo.addons.crm_gdpr.tests.common import GdprCase
from odoo.addons.crm_partner_channel.tests.common import ChannelCase

# What the partner must not see of the person behind ChannelCase's leads.
PERSON = ("Jane Customer", "jane.customer", "470 12 34 56", "Korenmarkt")


class PartnerSharingCase(ChannelCase, GdprCase):
    """The channel's partners, tiers and leads (lead_a: accepted by partner A's salesperson,
    lead_offered: offered to A) and the privacy purposes, channels and users, together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Consent = cls.env["crm.gdpr.consent"]
        cls.portal_lead_a = cls.lead_a.with_user(cls.user_a_sales)

    def record_consent(self, lead, decision="given", user=None):
        """Record, as a salesperson on the lead's form, what the person said on the phone about
        sharing with partners; returns the consent (with its receipts)."""
        wizard = (
            self.env["crm.gdpr.consent.record"]
            .with_user(user or self.salesman)
            .with_context(active_model="crm.lead", active_id=lead.id)
            .create(
                {
                    "purpose_id": self.purpose_sharing.id,
                    "channel_ids": [(6, 0, self.channel_sharing.ids)],
                    "decision": decision,
                    "source": "phone",
                    "note": f"On the phone: {decision} for our resellers.",
                }
            )
        )
        wizard.action_record()
        return self.Consent.search(
            [
                ("subject_id", "=", lead.gdpr_subject_id.id),
                ("purpose_id", "=", self.purpose_sharing.id),
                ("channel_id", "=", self.channel_sharing.id),
            ]
        )

    def assert_person_hidden(self, portal_lead):
        self.assertFalse(portal_lead.channel_contact_visible)
        for fname in (
            "channel_contact_name",
            "channel_email",
            "channel_phone",
            "channel_mobile",
            "channel_street",
            "channel_street2",
            "channel_city",
            "channel_zip",
        ):
            self.assertFalse(portal_lead[fname], fname)

    def assert_person_shown(self, portal_lead):
        self.assertTrue(portal_lead.channel_contact_visible)
        self.assertEqual(portal_lead.channel_contact_name, "Jane Customer")
        self.assertEqual(portal_lead.channel_email, "jane.customer@customer-corp.example.com")
        self.assertEqual(portal_lead.channel_phone, "+32 470 12 34 56")
        self.assertEqual(portal_lead.channel_street, "Korenmarkt 1")
        self.assertEqual(portal_lead.channel_city, "Ghent")
