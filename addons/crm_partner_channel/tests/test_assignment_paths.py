from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
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
        lead the partner's deal without an offer: they are refused (see
        test_channel_state_owner); created without them, the lead is offered."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        values = self._values("Imported as accepted", partner_assigned_id=self.partner_a.id)
        with self.assertRaisesRegex(UserError, "offers and registrations"):
            Lead.create(
                dict(values, channel_state="accepted", channel_user_id=self.user_a_sales.id)
            )
        self.assertFalse(Lead.search_count([("name", "=", "Imported as accepted")]))
        self._assert_offered(Lead.create(values), self.partner_a)

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


@tagged("post_install", "-at_install")
class TestRestoredLeads(ChannelCase):
    """An archived (or lost) lead is offered to nobody. Assigned to a partner while archived (by
    a create, an import, a write), it waits without an offer and without a channel state that
    would make it the partner's; when it is made active again, whatever the path (the Unarchive
    action, the stock toggle, an RPC write of ``active``), it is offered to that partner as a
    manual assignment. A deal the partner accepted, lost and then restored stays its deal."""

    NOW = TestAssignmentPaths.NOW
    _assert_offered = TestAssignmentPaths._assert_offered
    _values = TestAssignmentPaths._values

    def _assert_held_back(self, lead, partner):
        """Assigned, archived, and not offered: nothing the partner could accept or work."""
        lead = lead.sudo()
        lead.invalidate_recordset()
        self.assertFalse(lead.active)
        self.assertEqual(lead.partner_assigned_id, partner)
        self.assertFalse(lead.channel_state)
        self.assertFalse(lead.channel_user_id)
        self.assertFalse(lead.channel_offer_ids.filtered(lambda offer: offer.state == "offered"))

    @freeze_time(NOW)
    def test_created_archived_then_unarchived(self):
        """Created archived with the partner (an RPC create, an import of old leads): no offer
        while archived, as the partner's people read it; offered when unarchived."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        lead = Lead.create(
            self._values(
                "Archived at creation", partner_assigned_id=self.partner_a.id, active=False
            )
        )
        self._assert_held_back(lead, self.partner_a)
        self.assertFalse(lead.sudo().channel_offer_ids)
        portal = lead.with_user(self.user_a_manager)
        self.assertFalse(portal.channel_state)
        self.assertFalse(portal.channel_offer_id)
        lead.action_unarchive()
        self._assert_offered(lead, self.partner_a)
        # the partner answers it like any offer
        lead.with_user(self.user_a_sales).action_channel_accept()
        self.assertEqual(lead.sudo().channel_state, "accepted")

    @freeze_time(NOW)
    def test_created_archived_with_a_channel_state_of_its_own(self):
        """An archived lead imported as 'accepted' by the partner's salesperson is refused;
        imported without the state, it waits, and is offered when it is restored."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        values = self._values(
            "Archived and imported as accepted", partner_assigned_id=self.partner_a.id, active=False
        )
        with self.assertRaisesRegex(UserError, "offers and registrations"):
            Lead.create(
                dict(values, channel_state="accepted", channel_user_id=self.user_a_sales.id)
            )
        lead = Lead.create(values)
        self._assert_held_back(lead, self.partner_a)
        self.assertFalse(lead.with_user(self.user_a_manager).channel_state)
        lead.with_user(self.sales_manager).toggle_active()
        self._assert_offered(lead, self.partner_a)

    @freeze_time(NOW)
    def test_every_restoring_path(self):
        """The Unarchive action, the stock toggle and an RPC write of ``active``, as a
        salesperson and as a sales manager, to a contact of the partner company too."""
        contact = self.user_b_sales.partner_id
        for user in (self.salesman, self.sales_manager):
            Lead = self.env["crm.lead"].with_user(user)
            for path, restore in (
                ("action_unarchive", lambda lead: lead.action_unarchive()),
                ("toggle_active", lambda lead: lead.toggle_active()),
                ("write", lambda lead: lead.write({"active": True})),
                (
                    "write with other values",
                    lambda lead: lead.write({"active": True, "priority": "2"}),
                ),
            ):
                with self.subTest(user=user.login, path=path):
                    lead = Lead.create(
                        self._values(path, partner_assigned_id=contact.id, active=False)
                    )
                    self._assert_held_back(lead, self.partner_b)
                    restore(lead)
                    self.assertTrue(lead.active)
                    self._assert_offered(lead, self.partner_b, hours=48)

    @freeze_time(NOW)
    def test_restored_and_assigned_in_one_write(self):
        """Restored and given a partner in one write: one offer, to the partner written, be it
        another partner or the one the lead was held for."""
        Lead = self.env["crm.lead"].with_user(self.sales_manager)
        other = Lead.create(
            self._values("To B", partner_assigned_id=self.partner_a.id, active=False)
        )
        same = Lead.create(
            self._values("Still A", partner_assigned_id=self.partner_a.id, active=False)
        )
        other.write({"active": True, "partner_assigned_id": self.partner_b.id})
        self._assert_offered(other, self.partner_b, hours=48)
        same.write({"active": True, "partner_assigned_id": self.partner_a.id})
        self._assert_offered(same, self.partner_a)

    @freeze_time(NOW)
    def test_assigned_by_write_while_archived(self):
        """Archived, then assigned by hand (a write): held back until restored. A deal another
        partner accepted, lost and given to a new partner while lost is not the new partner's
        deal when restored: it is offered to it."""
        lead = self.env["crm.lead"].with_user(self.salesman).create(self._values("To archive"))
        lead.action_archive()
        lead.write({"partner_assigned_id": self.partner_a.id})
        self._assert_held_back(lead, self.partner_a)
        lead.action_unarchive()
        self._assert_offered(lead, self.partner_a)

        deal = self.lead_b.with_user(self.sales_manager)
        deal.action_set_lost()
        deal.write({"partner_assigned_id": self.partner_a.id})
        self._assert_held_back(deal, self.partner_a)
        self.assertEqual(
            deal.sudo().channel_offer_ids.mapped("state"), ["accepted"], "B's answer is history"
        )
        deal.action_unarchive()
        deal = deal.sudo()
        self.assertEqual(deal.channel_state, "offered")
        self.assertEqual(deal.channel_offer_id.partner_id, self.partner_a)
        self.assertFalse(deal.channel_user_id)

    @freeze_time(NOW)
    def test_accepted_deal_lost_then_restored_stays_the_partners(self):
        """A deal the partner accepted, marked lost and restored is still its deal: no new
        offer, same salesperson. An offer still open when its lead is restored is kept. Both
        restored in one call with a lead assigned while archived, which is offered."""
        reason = self.env["crm.lost.reason"].create({"name": "Budget cut"})
        assigned = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                self._values(
                    "Assigned while archived", partner_assigned_id=self.partner_a.id, active=False
                )
            )
        )
        deal = self.lead_a.with_user(self.salesman)
        offered = self.lead_offered.with_user(self.salesman)
        before = {
            lead: (lead.sudo().channel_offer_ids, lead.sudo().channel_decision_ids)
            for lead in (self.lead_a, self.lead_offered)
        }
        (deal | offered).action_set_lost(lost_reason_id=reason.id)
        self.assertFalse(deal.active)
        self.assertEqual(deal.sudo().channel_state, "accepted", "lost, still the partner's")
        (deal | offered | assigned).with_user(self.sales_manager).action_unarchive()
        self._assert_offered(assigned, self.partner_a)
        deal = deal.sudo()
        self.assertTrue(deal.active)
        self.assertEqual(deal.channel_state, "accepted")
        self.assertEqual(deal.channel_user_id, self.user_a_sales)
        self.assertEqual(deal.partner_assigned_id, self.partner_a)
        self.assertEqual((deal.channel_offer_ids, deal.channel_decision_ids), before[self.lead_a])
        self.assertEqual(deal.channel_offer_id.state, "accepted")
        offered = offered.sudo()
        self.assertEqual(offered.channel_state, "offered")
        self.assertEqual(
            (offered.channel_offer_ids, offered.channel_decision_ids), before[self.lead_offered]
        )
        self.assertEqual(offered.channel_offer_id.state, "offered")
        # the partner still works its restored deal
        self.lead_a.with_user(self.user_a_sales).action_channel_update({"priority": "3"})
        self.assertEqual(deal.priority, "3")

    @freeze_time(NOW)
    def test_restored_lead_of_a_partner_outside_the_channel(self):
        """A partner without a tier gets no offer on restore either (as on assignment), while
        a lead of a graded partner restored with it is offered."""
        partner = self.env["res.partner"].create({"name": "Plain Company", "is_company": True})
        Lead = self.env["crm.lead"].with_user(self.salesman)
        outside = Lead.create(self._values("Outside", partner_assigned_id=partner.id, active=False))
        inside = Lead.create(
            self._values("Inside", partner_assigned_id=self.partner_a.id, active=False)
        )
        (outside | inside).action_unarchive()
        self._assert_offered(inside, self.partner_a)
        self.assertTrue(outside.active)
        self.assertEqual(outside.partner_assigned_id, partner)
        self.assertFalse(outside.channel_state)
        self.assertFalse(outside.sudo().channel_offer_ids)

    @freeze_time(NOW)
    def test_channel_code_restoring_offers_nothing(self):
        """The channel's own code (superuser, ``channel_routing``) restores without an offer."""
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(self._values("Own code", partner_assigned_id=self.partner_a.id, active=False))
        )
        lead.sudo().with_context(channel_routing=True).write({"active": True})
        self.assertFalse(lead.sudo().channel_offer_ids)
        # the same key from an RPC call is ignored
        lead.action_archive()
        lead.with_context(channel_routing=True).write({"active": True})
        self._assert_offered(lead, self.partner_a)


@tagged("post_install", "-at_install")
class TestMergedLeads(ChannelCase):
    """Stock's merge wizard writes the head lead with the first assigned partner of the merged
    leads: the head goes through an offer like any lead assigned by hand, unless the partner
    already holds it."""

    NOW = TestAssignmentPaths.NOW
    _assert_offered = TestAssignmentPaths._assert_offered
    _values = TestAssignmentPaths._values

    def _merge(self, leads):
        wizard = (
            self.env["crm.merge.opportunity"]
            .with_user(self.sales_manager)
            .with_context(active_model="crm.lead", active_ids=leads.ids)
            .create({})
        )
        self.assertEqual(wizard.opportunity_ids, leads)
        wizard.action_merge()
        head = leads.exists()
        self.assertEqual(len(head), 1)
        return head

    @freeze_time(NOW)
    def test_merge_into_a_head_without_partner(self):
        """The tail was offered to A; the head (an opportunity, further in the pipeline) had no
        partner: the merged deal is offered to A, with its own offer and decision."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        head = Lead.create(
            self._values("Head", type="opportunity", stage_id=self.stage_proposal.id)
        )
        tail = Lead.create(self._values("Tail", partner_assigned_id=self.partner_a.id))
        self.assertEqual(tail.sudo().channel_state, "offered")
        merged = self._merge(head | tail)
        self.assertEqual(merged, head)
        self._assert_offered(head, self.partner_a)
        self.assertEqual(head.sudo().channel_decision_ids.partner_id, self.partner_a)

    @freeze_time(NOW)
    def test_merge_a_deal_accepted_into_a_head_without_partner(self):
        """The tail was A's accepted deal: the head it is merged into was never offered to A,
        so A gets it as an offer to answer, not as a deal it silently works."""
        head = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(self._values("Head", type="opportunity", stage_id=self.stage_proposal.id))
        )
        self._merge(head | self.lead_a)
        self._assert_offered(head, self.partner_a)

    @freeze_time(NOW)
    def test_merge_two_deals_accepted_by_the_same_partner(self):
        """Both deals were accepted by A: the merged deal stays A's accepted deal, with its
        salesperson and its offer history, and no new offer."""
        other = self._lead("Second warehouse in Antwerp", self.country_be)
        other._channel_offer_manually(self.partner_a)
        other.with_user(self.user_a_sales).action_channel_accept()
        offers = (self.lead_a | other).sudo().channel_offer_ids
        self.assertEqual(offers.mapped("state"), ["accepted", "accepted"])
        head = self._merge(self.lead_a | other)
        head = head.sudo()
        self.assertEqual(head.channel_state, "accepted")
        self.assertEqual(head.partner_assigned_id, self.partner_a)
        self.assertEqual(head.channel_user_id, self.user_a_sales)
        self.assertEqual(len(head.channel_offer_ids), 1)
        self.assertLessEqual(head.channel_offer_ids, offers)
        self.assertEqual(head.channel_offer_id.state, "accepted")
        self.assertEqual(len(head.channel_decision_ids), 1)
        self.assertFalse(
            self.env["crm.channel.offer"].search(
                [
                    ("partner_id", "=", self.partner_a.id),
                    ("state", "=", "offered"),
                    ("lead_id", "=", head.id),
                ]
            )
        )
        # A still works it
        head.with_user(self.user_a_sales).action_channel_update({"priority": "3"})
        self.assertEqual(head.priority, "3")

    @freeze_time(NOW)
    def test_merge_into_a_lost_opportunity(self):
        """The head is a lost opportunity (stock ranks opportunities first, lost or not; the
        wizard leaves archived leads out, an RPC call of ``merge_opportunity`` does not): it is
        assigned to the tail's partner without an offer while lost, and offered when restored."""
        Lead = self.env["crm.lead"].with_user(self.salesman)
        head = Lead.create(
            self._values("Lost head", type="opportunity", stage_id=self.stage_proposal.id)
        )
        head.action_set_lost()
        tail = Lead.create(self._values("Tail", partner_assigned_id=self.partner_a.id))
        merged = (head | tail).with_user(self.sales_manager).merge_opportunity()
        self.assertEqual(merged, head)
        self.assertFalse(tail.exists())
        head = head.sudo()
        self.assertFalse(head.active)
        self.assertEqual(head.partner_assigned_id, self.partner_a)
        self.assertFalse(head.channel_state)
        self.assertFalse(head.channel_offer_ids)
        head.with_user(self.sales_manager).toggle_active()
        self._assert_offered(head, self.partner_a)
