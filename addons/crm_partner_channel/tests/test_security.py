from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestPartnerIsolation(ChannelCase):
    """Partner B attacks partner A's leads through every model entry point."""

    def _attacks(self, lead):
        """Every public method a portal user can reach on a lead, with plausible arguments."""
        reason = self.reason.id
        activity_type = self.env.ref("mail.mail_activity_data_todo").id
        return {
            "read": lambda rec: rec.read(["name"]),
            "read_contact": lambda rec: rec.read(["channel_email"]),
            "web_read": lambda rec: rec.web_read({"name": {}}),
            "name": lambda rec: rec.name,
            "write_stage": lambda rec: rec.write({"stage_id": self.stage_proposal.id}),
            "write_revenue": lambda rec: rec.write({"expected_revenue": 1}),
            "write_partner": lambda rec: rec.write({"partner_assigned_id": self.partner_b.id}),
            "action_channel_accept": lambda rec: rec.action_channel_accept(),
            "action_channel_decline": lambda rec: rec.action_channel_decline(reason, "mine"),
            "action_channel_set_stage": lambda rec: rec.action_channel_set_stage(
                self.stage_proposal.id
            ),
            "action_channel_update": lambda rec: rec.action_channel_update({"expected_revenue": 1}),
            "action_channel_post_note": lambda rec: rec.action_channel_post_note("hello"),
            "action_channel_schedule_activity": lambda rec: rec.action_channel_schedule_activity(
                activity_type, "call", "2099-01-01"
            ),
            "action_channel_activity_done": lambda rec: rec.action_channel_activity_done(
                self.env["mail.activity"].sudo().search([], limit=1).id
            ),
            "action_channel_assign_salesperson": lambda rec: rec.action_channel_assign_salesperson(
                self.user_b_sales.id
            ),
            "action_channel_withdraw": lambda rec: rec.action_channel_withdraw(),
            "action_channel_route": lambda rec: rec.action_channel_route(),
            "partner_interested": lambda rec: rec.partner_interested("mine"),
            "partner_desinterested": lambda rec: rec.partner_desinterested("no", False, True),
            "update_lead_portal": lambda rec: rec.update_lead_portal(
                {
                    "expected_revenue": 1,
                    "probability": 1,
                    "priority": "3",
                    "date_deadline": False,
                    "activity_date_deadline": False,
                }
            ),
            "update_contact_details_from_portal": lambda rec: (
                rec.update_contact_details_from_portal({"email_from": "evil@example.com"})
            ),
            "assign_partner": lambda rec: rec.assign_partner(self.partner_b.id),
            "action_assign_partner": lambda rec: rec.action_assign_partner(),
            "search_geo_partner": lambda rec: rec.search_geo_partner(),
            "assign_geo_localize": lambda rec: rec.assign_geo_localize(1.0, 1.0),
            "assign_salesman_of_assigned_partner": lambda rec: (
                rec.assign_salesman_of_assigned_partner()
            ),
            "message_post": lambda rec: rec.message_post(body="hello", message_type="comment"),
            "message_subscribe": lambda rec: rec.message_subscribe(
                partner_ids=self.user_b_manager.partner_id.ids
            ),
            "message_unsubscribe": lambda rec: rec.message_unsubscribe(
                partner_ids=rec.sudo().message_partner_ids.ids
            ),
            "copy": lambda rec: rec.copy(),
            "unlink": lambda rec: rec.unlink(),
            "toggle_active": lambda rec: rec.toggle_active(),
            "action_set_won": lambda rec: rec.action_set_won(),
            "action_set_lost": lambda rec: rec.action_set_lost(),
            "convert_opportunity": lambda rec: rec.convert_opportunity(False),
        }

    def assertAttacksFail(self, user, lead, skip=()):
        before = self.snapshot(lead)
        for name, attack in self._attacks(lead).items():
            if name in skip:
                continue
            with self.subTest(attack=name, user=user.login, lead=lead.name):
                target = self.env["crm.lead"].with_user(user).browse(lead.id)
                with self.assertRaises(AccessError):
                    attack(target)
                self.assertEqual(self.snapshot(lead), before, f"{name} changed the lead")

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_partner_b_cannot_touch_a_accepted_lead(self):
        for user in (self.user_b_manager, self.user_b_sales):
            self.assertAttacksFail(user, self.lead_a)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_partner_b_cannot_touch_a_offered_lead(self):
        for user in (self.user_b_manager, self.user_b_sales):
            self.assertAttacksFail(user, self.lead_offered)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_other_salesperson_cannot_touch_colleague_deal(self):
        # same company, other salesperson: the deal is Arne's
        self.assertAttacksFail(self.user_a_sales2, self.lead_a)

    def test_partner_b_does_not_find_a_leads(self):
        Lead = self.env["crm.lead"].with_user(self.user_b_manager)
        found = Lead.search([("partner_assigned_id", "!=", False)])
        self.assertIn(self.lead_b, found)
        self.assertNotIn(self.lead_a, found)
        self.assertNotIn(self.lead_offered, found)
        self.assertEqual(Lead.search_count([("id", "=", self.lead_a.id)]), 0)

    def test_manager_sees_company_deals_salesperson_only_own(self):
        manager = self.env["crm.lead"].with_user(self.user_a_manager).search([])
        self.assertIn(self.lead_a, manager)
        self.assertIn(self.lead_offered, manager)
        own = self.env["crm.lead"].with_user(self.user_a_sales).search([])
        self.assertIn(self.lead_a, own)
        self.assertIn(self.lead_offered, own, "offers nobody took are for every salesperson")
        other = self.env["crm.lead"].with_user(self.user_a_sales2).search([])
        self.assertNotIn(self.lead_a, other)
        self.assertIn(self.lead_offered, other)
        # a manager works a salesperson's deal
        self.lead_a.with_user(self.user_a_manager).action_channel_set_stage(self.stage_qualified.id)
        self.assertEqual(self.lead_a.stage_id, self.stage_qualified)

    def test_role_change_applies_at_once(self):
        self.assertFalse(
            self.env["crm.lead"].with_user(self.user_a_sales2).search([("id", "=", self.lead_a.id)])
        )
        self.user_a_sales2.partner_id.channel_role = "manager"
        self.assertTrue(
            self.env["crm.lead"].with_user(self.user_a_sales2).search([("id", "=", self.lead_a.id)])
        )


@tagged("post_install", "-at_install")
class TestPortalWhitelist(ChannelCase):
    """Partner A on its own leads: whitelist of fields, no reassignment, no internal data."""

    @mute_logger("odoo.models")
    def test_internal_notes_and_tags_are_not_readable(self):
        lead = self.lead_a.with_user(self.user_a_sales)
        for fname in ("description", "tag_ids", "user_id", "team_id", "partner_id"):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    lead.read([fname])
                with self.assertRaises(AccessError):
                    lead.search_read([("id", "=", lead.id)], [fname])
                with self.assertRaises(AccessError):
                    lead.web_read({fname: {}})
        lead.invalidate_recordset()
        with self.assertRaises(AccessError):
            lead.mapped("description")
        with self.assertRaises(AccessError):
            lead.search([("description", "ilike", "CFO")])
        with self.assertRaises(AccessError):
            lead.read_group([], ["tag_ids"], ["tag_ids"])
        # read() without fields returns the whitelist only
        values = lead.read()[0]
        self.assertNotIn("description", values)
        self.assertNotIn("tag_ids", values)
        self.assertNotIn("email_from", values)
        self.assertIn("name", values)

    @mute_logger("odoo.models")
    def test_raw_contact_fields_are_never_readable(self):
        lead = self.lead_a.with_user(self.user_a_sales)
        for fname in ("contact_name", "email_from", "phone", "mobile", "street", "partner_name"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                lead.read([fname])

    @mute_logger("odoo.models")
    def test_partner_cannot_reassign_its_lead(self):
        before = self.snapshot(self.lead_a)
        lead = self.lead_a.with_user(self.user_a_manager)
        attempts = {
            "write": lambda: lead.write({"partner_assigned_id": self.partner_b.id}),
            "write_user": lambda: lead.write({"channel_user_id": self.user_b_sales.id}),
            "write_declined": lambda: lead.write(
                {"partner_declined_ids": [(4, self.partner_b.id)]}
            ),
            "assign_partner": lambda: lead.assign_partner(self.partner_b.id),
            "assign_salesperson_other_company": lambda: lead.action_channel_assign_salesperson(
                self.user_b_sales.id
            ),
            "update_lead_portal_extra": lambda: lead.action_channel_update(
                {"partner_assigned_id": self.partner_b.id}
            ),
            "write_tags": lambda: lead.write({"tag_ids": [(5, 0, 0)]}),
            "write_description": lambda: lead.write({"description": "mine"}),
            "write_contact": lambda: lead.write({"email_from": "other@example.com"}),
            "write_user_id": lambda: lead.write({"user_id": False}),
            "create_opp_portal": lambda: (
                self.env["crm.lead"]
                .with_user(self.user_a_manager)
                .create_opp_portal({"contact_name": "x", "title": "y", "description": "z"})
            ),
        }
        for name, attempt in attempts.items():
            with self.subTest(attempt=name), self.assertRaises(AccessError):
                attempt()
            self.assertEqual(self.snapshot(self.lead_a), before, name)

    def test_partner_works_whitelisted_fields(self):
        lead = self.lead_a.with_user(self.user_a_sales)
        lead.write({"stage_id": self.stage_proposal.id, "priority": "2"})
        lead.action_channel_update({"expected_revenue": "45000.5", "date_deadline": "2099-03-31"})
        self.assertEqual(self.lead_a.stage_id, self.stage_proposal)
        self.assertEqual(self.lead_a.expected_revenue, 45000.5)
        self.assertEqual(str(self.lead_a.date_deadline), "2099-03-31")
        self.assertEqual(self.lead_a.priority, "2")

    def test_partner_bad_values_change_nothing(self):
        lead = self.lead_a.with_user(self.user_a_sales)
        before = self.snapshot(self.lead_a)
        bad = [
            {"expected_revenue": "a lot"},
            {"expected_revenue": -5},
            {"expected_revenue": 10**13},
            {"date_deadline": "31/31/2024"},
            {"date_deadline": "2001-01-01"},
            {"priority": "9"},
            {"expected_revenue": 10, "date_deadline": "not a date"},
        ]
        for values in bad:
            with self.subTest(values=values), self.assertRaises(UserError):
                lead.action_channel_update(values)
            self.assertEqual(self.snapshot(self.lead_a), before)
        with self.assertRaises(UserError):
            lead.action_channel_set_stage(self.stage_won.id)
        self.assertEqual(self.snapshot(self.lead_a), before)

    @mute_logger("odoo.models")
    def test_offer_cannot_be_worked_before_acceptance(self):
        lead = self.lead_offered.with_user(self.user_a_sales)
        before = self.snapshot(self.lead_offered)
        with self.assertRaises(AccessError):
            lead.action_channel_set_stage(self.stage_proposal.id)
        with self.assertRaises(AccessError):
            lead.action_channel_post_note("first!")
        self.assertEqual(self.snapshot(self.lead_offered), before)

    def test_partner_edits_reach_the_vendor(self):
        # leads created in this transaction are not tracked: forget that they are new
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        lead = self.lead_a.with_user(self.user_a_sales)
        lead.action_channel_set_stage(self.stage_proposal.id)
        lead.action_channel_update({"expected_revenue": 30000})
        lead.action_channel_post_note("Demo booked for Tuesday.")
        activity_id = lead.action_channel_schedule_activity(
            self.env.ref("mail.mail_activity_data_call").id, "Call the buyer", "2099-01-10"
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.lead_a.invalidate_recordset()
        tracked = self.lead_a.message_ids.sudo().tracking_value_ids.field_id.mapped("name")
        self.assertIn("stage_id", tracked)
        self.assertIn("expected_revenue", tracked)
        self.assertIn("Demo booked for Tuesday.", "".join(self.lead_a.message_ids.mapped("body")))
        activity = self.env["mail.activity"].browse(activity_id)
        self.assertEqual(activity.res_id, self.lead_a.id)
        self.assertEqual(activity.user_id, self.user_a_sales)
        lead.action_channel_activity_done(activity_id)
        self.assertFalse(activity.exists())

    @mute_logger("odoo.models")
    def test_activity_of_someone_else_cannot_be_closed(self):
        activity = self.lead_a.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.salesman.id
        )
        with self.assertRaises(AccessError):
            self.lead_a.with_user(self.user_a_sales).action_channel_activity_done(activity.id)
        self.assertTrue(activity.exists())
