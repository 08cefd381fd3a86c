from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestPartnerChanges(ChannelCase):
    """Partners change only whitelisted fields of their own open deals, always tracked; the
    customer's details and the followers are the vendor's; no posting on an offer not accepted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Jane Customer",
                "email": "jane.customer@customer-corp.example.com",
                "phone": "+32 470 12 34 56",
            }
        )
        cls.lead_a.write({"partner_id": cls.customer.id})
        cls.lead_a.message_subscribe(partner_ids=cls.salesman.partner_id.ids)

    def _finalize_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _tracked_fields(self, lead):
        return set(lead.sudo().message_ids.tracking_value_ids.field_id.mapped("name"))

    def test_every_writable_field_is_tracked(self):
        Lead = self.env["crm.lead"]
        for fname in Lead._channel_portal_write_fields():
            with self.subTest(field=fname):
                self.assertTrue(Lead._fields[fname].tracking, f"{fname} is not tracked")

    def test_partner_changes_are_tracked_whatever_the_context(self):
        keys = ("tracking_disable", "mail_notrack", "mail_create_nolog")
        stages = [self.stage_qualified, self.stage_proposal, self.stage_new]
        for index, key in enumerate(keys):
            with self.subTest(context=key):
                self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
                before = len(self.lead_a.sudo().message_ids.tracking_value_ids)
                lead = self.lead_a.with_user(self.user_a_sales).with_context(**{key: True})
                lead.write(
                    {
                        "stage_id": stages[index].id,
                        "priority": str(index + 1),
                        "date_deadline": fields.Date.add(fields.Date.today(), days=30 + index),
                        "expected_revenue": 20000 + index,
                    }
                )
                self._finalize_tracking()
                self.lead_a.invalidate_recordset()
                trackings = self.lead_a.sudo().message_ids.tracking_value_ids
                # four fields changed; an addon tracking a field derived from them (crm_global's
                # deal amount follows the expected revenue) may add its own line
                self.assertGreaterEqual(len(trackings) - before, 4)
                self.assertTrue(
                    {"stage_id", "priority", "date_deadline", "expected_revenue"}
                    <= self._tracked_fields(self.lead_a)
                )

    def test_closed_deals_are_the_vendors(self):
        self.lead_a.write({"stage_id": self.stage_won.id})
        self.assertEqual(self.lead_a.probability, 100)
        lead = self.lead_a.with_user(self.user_a_sales)
        before = self.snapshot(self.lead_a)
        attempts = {
            "stage": lambda: lead.write({"stage_id": self.stage_proposal.id}),
            "revenue": lambda: lead.write({"expected_revenue": 1}),
            "update": lambda: lead.action_channel_update({"expected_revenue": "1"}),
            "set_stage": lambda: lead.action_channel_set_stage(self.stage_new.id),
        }
        for name, attempt in attempts.items():
            with self.subTest(attempt=name), self.assertRaises(UserError):
                attempt()
            self.assertEqual(self.snapshot(self.lead_a), before)
        # a lost deal neither
        self.lead_b.action_set_lost()
        with mute_logger("odoo.models"), self.assertRaises(UserError):
            self.lead_b.with_user(self.user_b_sales).write({"expected_revenue": 5})
        self.assertEqual(self.lead_b.expected_revenue, 12000)

    @mute_logger("odoo.models")
    def test_stock_contact_update_does_not_rewrite_the_customer(self):
        before = self.snapshot(self.lead_a)
        partner_name = self.lead_a.partner_name
        for values in (
            {"email_from": "evil@example.com"},
            {"phone": "+32 000 00 00 00"},
            {"partner_name": "Someone Else SA"},
            {"street": "Nowhere 1", "city": "Void"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.lead_a.with_user(self.user_a_sales).update_contact_details_from_portal(values)
        self.assertEqual(self.snapshot(self.lead_a), before)
        self.assertEqual(self.lead_a.partner_name, partner_name)
        self.assertEqual(self.lead_a.partner_id, self.customer)
        self.assertEqual(self.customer.email, "jane.customer@customer-corp.example.com")

    @mute_logger("odoo.models")
    def test_followers_are_the_vendors(self):
        lead = self.lead_a.with_user(self.user_a_manager)
        vendor = self.salesman.partner_id
        for name, attempt in {
            "unsubscribe_vendor": lambda: lead.message_unsubscribe(partner_ids=vendor.ids),
            "subscribe_customer": lambda: lead.message_subscribe(partner_ids=self.customer.ids),
            "subscribe_other_partner": lambda: lead.message_subscribe(
                partner_ids=self.user_b_manager.partner_id.ids
            ),
            "subtypes": lambda: lead.message_subscribe(
                partner_ids=self.user_a_manager.partner_id.ids,
                subtype_ids=self.env.ref("mail.mt_note").ids,
            ),
        }.items():
            with self.subTest(attempt=name), self.assertRaises(AccessError):
                attempt()
        self.assertIn(vendor, self.lead_a.message_partner_ids)
        self.assertNotIn(self.customer, self.lead_a.message_partner_ids)
        # its own people: yes
        lead.message_subscribe(partner_ids=self.user_a_manager.partner_id.ids)
        self.assertIn(self.user_a_manager.partner_id, self.lead_a.message_partner_ids)
        lead.message_unsubscribe(partner_ids=self.user_a_manager.partner_id.ids)
        self.assertNotIn(self.user_a_manager.partner_id, self.lead_a.message_partner_ids)

    @mute_logger("odoo.models")
    def test_no_posting_on_an_offer_not_accepted(self):
        count = len(self.lead_offered.message_ids)
        lead = self.lead_offered.with_user(self.user_a_sales)
        with self.assertRaises(AccessError):
            lead.message_post(body="Me first!", message_type="comment")
        # stock's chatter route posts as sudo: still the partner's rule
        with self.assertRaises(AccessError):
            lead.sudo().message_post(body="Me first!", message_type="comment")
        self.assertEqual(len(self.lead_offered.message_ids), count)
        # on its accepted deal, yes, but not to the customer nor to other partners
        deal = self.lead_a.with_user(self.user_a_sales)
        deal.sudo().message_post(body="Demo done.", message_type="comment")
        for partner in (self.customer, self.user_b_manager.partner_id):
            with self.subTest(recipient=partner.name), self.assertRaises(AccessError):
                deal.sudo().message_post(
                    body="Hello", message_type="comment", partner_ids=partner.ids
                )


@tagged("post_install", "-at_install")
class TestReassignment(ChannelCase):
    """A deal reassigned from partner A to partner B takes A's people off the deal."""

    def _a_note(self):
        return self.lead_a.with_user(self.user_a_sales).action_channel_post_note(
            "Spoke to their IT lead, budget is tight."
        )

    def _assert_a_is_off(self, note_id):
        a_people = self.env["res.partner"].search([("id", "child_of", self.partner_a.id)])
        self.assertFalse(self.lead_a.message_partner_ids & a_people)
        # no further notification to A
        self.env["mail.notification"].search([]).unlink()
        self.lead_a.with_user(self.salesman).message_post(
            body="Quote sent.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        notified = self.env["mail.notification"].search([]).res_partner_id
        self.assertFalse(notified & a_people)
        # B does not read A's note; the vendor does
        note = self.env["mail.message"].browse(note_id)
        found = (
            self.env["mail.message"]
            .with_user(self.user_b_manager)
            .search([("model", "=", "crm.lead"), ("res_id", "=", self.lead_a.id)])
        )
        self.assertTrue(found, "B reads the deal's thread")
        self.assertNotIn(note, found)
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            note.with_user(self.user_b_manager).read(["body"])
        self.assertIn(note, self.lead_a.with_user(self.salesman).message_ids)

    def test_reassignment_by_hand(self):
        note_id = self._a_note()
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        self.lead_a.with_user(self.sales_manager).write({"partner_assigned_id": self.partner_b.id})
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.lead_a.with_user(self.user_b_manager).action_channel_accept()
        self._assert_a_is_off(note_id)
        # the change of assigned partner is tracked for the vendor, but B does not read A's name
        trackings = self.lead_a.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "partner_assigned_id"
        )
        self.assertTrue(trackings)
        self.assertEqual(
            trackings._filter_has_field_access(self.env(user=self.sales_manager)), trackings
        )
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.user_b_manager)))

    def test_reassignment_by_registration(self):
        note_id = self._a_note()
        registration = (
            self.env["crm.channel.registration"]
            .with_user(self.user_b_manager)
            .action_channel_register(
                {
                    "customer_name": "Warehouse scanners for Antwerp Ltd",
                    "contact_name": "Jane Customer",
                    "email": "jane.customer@customer-corp.example.com",
                    "country_id": self.country_be.id,
                    "expected_revenue": "12000",
                    "date_close_expected": fields.Date.add(fields.Date.today(), days=30),
                }
            )
        )
        registration = registration.sudo()
        registration.lead_id = self.lead_a
        registration.with_user(self.sales_manager).action_approve()
        self.assertEqual(self.lead_a.partner_assigned_id, self.partner_b)
        self._assert_a_is_off(note_id)
