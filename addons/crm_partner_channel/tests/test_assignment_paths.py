from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestAssignmentPaths(ChannelCase):
    """Whatever path sets a lead's partner (the field on the form, a lead created with it by an
    import or an RPC call, a ``default_*`` context key, an ir.default, a copy), the partner gets
    the lead through an offer with its tier's deadline, counted in its open offers, like a lead
    assigned by hand; never as a deal it silently works without having accepted it."""

    NOW = "2026-03-02 09:00:00"

    def _assert_offered(self, lead, partner, hours=24):
        lead = lead.sudo()
        self.assertEqual(lead.partner_assigned_id, partner)
        self.assertEqual(lead.channel_state, "offered")
        self.assertFalse(lead.channel_user_id)
        offer = lead.channel_offer_id
        self.assertEqual(offer.partner_id, partner)
        self.assertEqual(offer.state, "offered")
        self.assertEqual(offer.date_offered, fields.Datetime.to_datetime(self.NOW))
        self.assertEqual(offer.date_deadline - offer.date_offered, timedelta(hours=hours))
        self.assertEqual(len(lead.channel_offer_ids), 1)
        self.assertEqual(lead.channel_decision_ids.outcome, "manual")
        self.assertEqual(offer.decision_id, lead.channel_decision_ids)

    def _values(self, name, **values):
        return {"name": name, "type": "lead", "country_id": self.country_be.id, **values}

    @freeze_time(NOW)
    def test_created_with_the_partner(self):
        """A salesperson's RPC create (and an import's) with the partner set."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        lead = Lead.create(self._values("Created assigned", partner_assigned_id=self.partner_a.id))
        self._assert_offered(lead, self.partner_a)
        # a contact of the partner company: the offer, and the lead, go to the company
        contact = self.user_b_sales.partner_id
        lead = Lead.create(self._values("Created for a contact", partner_assigned_id=contact.id))
        self._assert_offered(lead, self.partner_b, hours=48)
        # the partner's people see it as an offer to answer, not as their deal
        portal = lead.with_user(self.user_b_sales)
        self.assertEqual(portal.channel_state, "offered")
        self.assertFalse(portal.channel_contact_visible)
        portal.action_channel_accept()
        self.assertEqual(lead.sudo().channel_state, "accepted")

    @freeze_time(NOW)
    def test_created_with_a_channel_state_of_its_own(self):
        """A channel state and a salesperson of the partner written at creation do not make the
        lead the partner's deal without an offer."""
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                self._values(
                    "Imported as accepted",
                    partner_assigned_id=self.partner_a.id,
                    channel_state="accepted",
                    channel_user_id=self.user_a_sales.id,
                )
            )
        )
        self._assert_offered(lead, self.partner_a)

    @freeze_time(NOW)
    def test_imported(self):
        """base_import's load(), as a salesperson."""
        result = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .load(
                ["name", "type", "partner_assigned_id/.id"],
                [["Imported lead", "lead", str(self.partner_a.id)]],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        self._assert_offered(self.env["crm.lead"].browse(result["ids"]), self.partner_a)

    @freeze_time(NOW)
    def test_default_context_key(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .with_context(default_partner_assigned_id=self.partner_b.id)
            .create(self._values("Created with a default"))
        )
        self._assert_offered(lead, self.partner_b, hours=48)

    @freeze_time(NOW)
    def test_ir_default(self):
        self.env["ir.default"].set("crm.lead", "partner_assigned_id", self.partner_a.id)
        lead = self.env["crm.lead"].with_user(self.salesman).create(self._values("By ir.default"))
        self._assert_offered(lead, self.partner_a)

    @freeze_time(NOW)
    def test_copy(self):
        """A copy of a deal a partner works is offered to it; the original stays its deal."""
        copy = self.lead_a.with_user(self.salesman).copy()
        self._assert_offered(copy, self.partner_a)
        self.assertEqual(self.lead_a.channel_state, "accepted")

    @freeze_time(NOW)
    def test_channel_context_key_from_rpc_skips_nothing(self):
        """The context key the channel's own code sets when it assigns (routing, registrations)
        is honoured as superuser only: sent by an RPC call, it skips no offer."""
        Lead = self.env["crm.lead"].with_user(self.salesman).with_context(channel_routing=True)
        lead = Lead.create(self._values("Key on create", partner_assigned_id=self.partner_a.id))
        self._assert_offered(lead, self.partner_a)
        other = Lead.create(self._values("Key on write"))
        other.write({"partner_assigned_id": self.partner_b.id})
        self._assert_offered(other, self.partner_b, hours=48)

    @freeze_time(NOW)
    def test_created_offer_counts_for_capacity(self):
        """The offer made at creation counts in the partner's open offers, so that routing
        respects the tier's capacity (bronze: 3)."""
        partner = self.env["res.partner"].create(
            {
                "name": "Small Reseller",
                "is_company": True,
                "grade_id": self.bronze.id,
                "channel_territory_ids": [(6, 0, self.territory_benelux.ids)],
            }
        )
        self.partner_a.grade_id = False
        Lead = self.env["crm.lead"].with_user(self.salesman)
        Lead.create(
            [
                self._values(f"Assigned {index}", partner_assigned_id=partner.id)
                for index in range(3)
            ]
        )
        routed = Lead.create(self._values("Routed"))
        routed.sudo()._channel_route()
        self.assertEqual(routed.sudo().channel_state, "no_partner")

    def test_partner_outside_the_channel(self):
        """A partner without a tier is not in the channel: the lead is assigned as stock Odoo
        does (no offer), as when the field is set by hand."""
        partner = self.env["res.partner"].create({"name": "Plain Company", "is_company": True})
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(self._values("Outside", partner_assigned_id=partner.id))
        )
        self.assertEqual(lead.partner_assigned_id, partner)
        self.assertFalse(lead.channel_state)
        self.assertFalse(lead.sudo().channel_offer_ids)
