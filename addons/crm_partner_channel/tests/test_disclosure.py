import json
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tools.discuss import Store

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestOneDisclosureRule(ChannelCase):
    """What a partner reads of a lead is decided by one whitelist of fields; every channel
    (fields, messages, tracking values, notifications, followers, attachments, search, read_group,
    exports, names of related records) obeys it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Benelux Key Accounts"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Jane Customer",
                "email": "jane.customer@customer-corp.example.com",
                "phone": "+32 470 12 34 56",
            }
        )
        cls.lead_a.write({"partner_id": cls.customer.id})

    def _finalize_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _portal_messages(self, lead, user):
        return (
            self.env["mail.message"]
            .with_user(user)
            .search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        )

    def _store_json(self, lead, user):
        messages = self._portal_messages(lead, user)
        return json.dumps(Store(messages, for_current_user=True).get_result(), default=str)

    # ------------------------------------------------------------
    # Tracking values
    # ------------------------------------------------------------

    def test_tracking_of_hidden_fields_is_not_shown_to_the_partner(self):
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        # the vendor changes the stage (public subtype) and, in the same write, hidden fields
        self.lead_a.with_user(self.salesman).write(
            {
                "stage_id": self.stage_qualified.id,
                "user_id": self.sales_manager.id,
                "team_id": self.team.id,
            }
        )
        self._finalize_tracking()
        message = self.lead_a.message_ids.filtered(
            lambda m: "user_id" in m.sudo().tracking_value_ids.field_id.mapped("name")
        )
        self.assertEqual(len(message), 1)
        self.assertIn("stage_id", message.sudo().tracking_value_ids.field_id.mapped("name"))
        # the partner reads the message and the stage change, not the others
        self.assertIn(message, self._portal_messages(self.lead_a, self.user_a_sales))
        shown = message.sudo().tracking_value_ids._filter_has_field_access(
            self.env(user=self.user_a_sales)
        )
        self.assertEqual(shown.field_id.mapped("name"), ["stage_id"])
        data = self._store_json(self.lead_a, self.user_a_sales)
        self.assertIn("Channel Qualified", data)
        self.assertNotIn("Mia Vendor", data)
        self.assertNotIn("Benelux Key Accounts", data)
        # the vendor still reads everything
        vendor = message.sudo().tracking_value_ids._filter_has_field_access(
            self.env(user=self.salesman)
        )
        self.assertIn("user_id", vendor.field_id.mapped("name"))

    def test_notification_to_partner_carries_only_readable_tracking(self):
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        stage_subtype = self.env.ref("crm.mt_lead_stage")
        partner = self.user_a_sales.partner_id
        self.lead_a.message_subscribe(partner_ids=partner.ids, subtype_ids=stage_subtype.ids)
        self.lead_a.message_subscribe(
            partner_ids=self.salesman.partner_id.ids, subtype_ids=stage_subtype.ids
        )
        self.lead_a.with_user(self.salesman).write(
            {"stage_id": self.stage_qualified.id, "user_id": self.sales_manager.id}
        )
        self._finalize_tracking()
        mails = self.env["mail.mail"].sudo().search([("model", "=", "crm.lead")])
        to_partner = mails.filtered(lambda mail: partner in mail.recipient_ids)
        self.assertTrue(to_partner, "the partner is told of the stage change")
        self.assertIn("Channel Qualified", to_partner.body_html)
        self.assertNotIn("Mia Vendor", to_partner.body_html)
        to_vendor = mails.filtered(lambda mail: self.salesman.partner_id in mail.recipient_ids)
        self.assertIn("Mia Vendor", to_vendor.body_html)
        # a change of hidden fields only: nothing to tell the partner
        last = max(mails.ids)
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        self.lead_a.message_subscribe(
            partner_ids=partner.ids, subtype_ids=self.env.ref("mail.mt_note").ids
        )
        self.lead_a.with_user(self.salesman).write({"user_id": self.salesman.id})
        self._finalize_tracking()
        new = self.env["mail.mail"].sudo().search([("id", ">", last)])
        self.assertFalse(new.filtered(lambda mail: partner in mail.recipient_ids))

    # ------------------------------------------------------------
    # Messages: recipients, other partners, names of hidden records
    # ------------------------------------------------------------

    def test_vendor_message_to_the_customer_is_not_shown_before_acceptance(self):
        self.lead_offered.partner_id = self.customer
        message = self.lead_offered.with_user(self.salesman).message_post(
            body="Please find our proposal attached.",
            partner_ids=self.customer.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        general = self.lead_offered.with_user(self.salesman).message_post(
            body="Reseller wanted for this one.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        found = self._portal_messages(self.lead_offered, self.user_a_sales)
        self.assertIn(general, found)
        self.assertNotIn(message, found)
        with self.assertRaises(AccessError):
            message.with_user(self.user_a_sales).read(["partner_ids"])
        self.assertNotIn("Jane Customer", self._store_json(self.lead_offered, self.user_a_sales))

    def test_message_naming_another_partner_is_hidden(self):
        message = self.lead_a.with_user(self.salesman).message_post(
            body="Bruno, can you help on this one?",
            partner_ids=self.user_b_manager.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertNotIn(message, self._portal_messages(self.lead_a, self.user_a_sales))
        self.assertNotIn("Bruno Manager", self._store_json(self.lead_a, self.user_a_sales))
        # the customer is named once the partner may see the person (accepted, shared)
        to_customer = self.lead_a.with_user(self.salesman).message_post(
            body="Dear Jane, our reseller will call you.",
            partner_ids=self.customer.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        portal_messages = self._portal_messages(self.lead_a, self.user_a_sales)
        if self.lead_a._channel_contact_visible_leads():
            self.assertIn(to_customer, portal_messages)
        else:  # a bridge withholds the person (crm_gdpr_partner_channel: no consent to share)
            self.assertNotIn(to_customer, portal_messages)

    def test_creation_message_naming_the_team_is_hidden(self):
        lead = self._lead("Scanners for Namur", self.country_be, team_id=self.team.id)
        creation = lead.message_ids.filtered(lambda m: "Benelux Key Accounts" in (m.body or ""))
        self.assertTrue(creation, "crm names the team in its creation message")
        lead._channel_offer_manually(self.partner_a)
        self.assertNotIn(creation, self._portal_messages(lead, self.user_a_sales))
        self.assertNotIn("Benelux Key Accounts", self._store_json(lead, self.user_a_sales))

    def test_registration_does_not_name_an_opportunity_the_partner_does_not_work(self):
        registration = (
            self.env["crm.channel.registration"]
            .with_user(self.user_b_sales)
            .action_channel_register(
                {
                    "customer_name": "Lumen Retail SAS",
                    "contact_name": "Paul Martin",
                    "email": "paul.martin@lumen-retail.example.com",
                    "country_id": self.country_fr.id,
                    "expected_revenue": "30000",
                    "date_close_expected": fields.Date.add(fields.Date.today(), days=60),
                }
            )
        )
        # the vendor links the registration to an opportunity of partner A, not yet decided
        registration.sudo().lead_id = self.lead_a
        as_partner = registration.with_user(self.user_b_sales)
        self.assertFalse(as_partner.channel_deal_id)
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            as_partner.read(["lead_id"])
        values = as_partner.read(
            ["name", "state", "customer_name", "channel_deal_id", "conflict_message"]
        )
        self.assertNotIn(self.lead_a.name, json.dumps(values, default=str))
        # once the partner works it, it finds it there
        registration.sudo().lead_id = self.lead_b
        registration.sudo().state = "approved"
        self.assertEqual(as_partner.channel_deal_id, self.lead_b)

    # ------------------------------------------------------------
    # Followers and attachments
    # ------------------------------------------------------------

    @mute_logger("odoo.models")
    def test_followers_are_not_readable_by_partners(self):
        lead = self.lead_a.with_user(self.user_a_sales)
        for fname in ("message_follower_ids", "message_partner_ids"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                lead.read([fname])
        with self.assertRaises(AccessError):
            self.env["mail.followers"].with_user(self.user_a_sales).search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", self.lead_a.id)]
            )
        with self.assertRaises(AccessError):
            Store(lead, as_thread=True, request_list=["followers"]).get_result()

    def test_partner_gets_only_the_attachments_of_messages_it_reads(self):
        Attachment = self.env["ir.attachment"]
        internal = Attachment.create(
            {
                "name": "pricing-internal.pdf",
                "raw": b"%PDF margins",
                "res_model": "crm.lead",
                "res_id": self.lead_a.id,
            }
        )
        shared_file = Attachment.create(
            {
                "name": "datasheet.pdf",
                "raw": b"%PDF datasheet",
                "res_model": "crm.lead",
                "res_id": self.lead_a.id,
            }
        )
        self.lead_a.with_user(self.salesman).message_post(
            body="Datasheet for the customer.",
            attachment_ids=shared_file.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        hidden_file = Attachment.create(
            {
                "name": "note-for-bruno.pdf",
                "raw": b"%PDF bruno",
                "res_model": "crm.lead",
                "res_id": self.lead_a.id,
            }
        )
        self.lead_a.with_user(self.salesman).message_post(
            body="For Bruno.",
            attachment_ids=hidden_file.ids,
            partner_ids=self.user_b_manager.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        # the lead's files are not searchable nor readable by a partner (stock: internal only)
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            Attachment.with_user(self.user_a_sales).search(
                [("res_model", "=", "crm.lead"), ("res_id", "=", self.lead_a.id)]
            )
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            internal.with_user(self.user_a_sales).read(["name", "raw"])
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            Store(
                self.lead_a.with_user(self.user_a_sales),
                as_thread=True,
                request_list=["attachments"],
            ).get_result()
        # the portal chatter hands out the attachments of the messages the partner reads only
        messages = self._portal_messages(self.lead_a, self.user_a_sales)
        formatted = messages.portal_message_format()
        names = {
            attachment["name"] for values in formatted for attachment in values["attachment_ids"]
        }
        self.assertEqual(names, {"datasheet.pdf"})

    # ------------------------------------------------------------
    # Search, read_group, export
    # ------------------------------------------------------------

    @mute_logger("odoo.models")
    def test_no_search_oracle_on_hidden_fields(self):
        Lead = self.env["crm.lead"].with_user(self.user_a_manager)
        self.lead_a.partner_declined_ids = [(4, self.partner_b.id)]
        oracles = {
            "tags": [("tag_ids", "in", self.tag_internal.ids)],
            "tags_name": [("tag_ids.name", "=", "Strategic account")],
            "tags_any": [("tag_ids", "any", [("name", "=", "Strategic account")])],
            "declined": [("partner_declined_ids", "in", self.partner_b.ids)],
            "declined_name": [("partner_declined_ids.name", "ilike", "Contoso")],
            "description": [("description", "ilike", "CFO")],
            "email": [("email_from", "ilike", "customer-corp")],
            "salesperson": [("user_id", "=", self.env.user.id)],
            "team": [("team_id", "!=", False)],
            "through_offer": [("channel_offer_id.lead_id.tag_ids", "!=", False)],
            "through_registration": [("channel_registration_id.lead_id.description", "!=", False)],
            "messages_tracking": [
                ("message_ids.tracking_value_ids.old_value_char", "ilike", "Jane")
            ],
        }
        for name, domain in oracles.items():
            with self.subTest(oracle=name), self.assertRaises(AccessError):
                Lead.search_count([("id", "=", self.lead_a.id), *domain])
        for order in ("email_from", "tag_ids", "user_id", "description"):
            with self.subTest(order=order), self.assertRaises(AccessError):
                Lead.search([], order=order)
        # what it may read, it may search
        self.assertEqual(
            Lead.search_count([("id", "=", self.lead_a.id), ("stage_id", "=", self.stage_new.id)]),
            1,
        )

    @mute_logger("odoo.models")
    def test_read_group_and_export_obey_the_whitelist(self):
        Lead = self.env["crm.lead"].with_user(self.user_a_manager)
        for groupby in ("tag_ids", "user_id", "team_id", "partner_id", "email_from"):
            with self.subTest(groupby=groupby), self.assertRaises(AccessError):
                Lead.read_group([], ["expected_revenue:sum"], [groupby])
        for aggregate in ("recurring_revenue:sum", "user_id:count_distinct"):
            with self.subTest(aggregate=aggregate), self.assertRaises(AccessError):
                Lead.read_group([], [aggregate], ["stage_id"])
        groups = Lead.read_group([], ["expected_revenue:sum"], ["stage_id"])
        self.assertTrue(groups)
        # partners do not export at all (no "export" right), hidden fields or not
        lead = self.lead_a.with_user(self.user_a_manager)
        for fields_ in (["description"], ["tag_ids/name"], ["email_from"], ["name"]):
            with self.subTest(export=fields_), self.assertRaises(UserError):
                lead.export_data(fields_)

    # ------------------------------------------------------------
    # One whitelist: changing it changes every channel at once
    # ------------------------------------------------------------

    def test_changing_the_whitelist_changes_every_channel(self):
        Lead = type(self.env["crm.lead"])
        original = Lead._channel_portal_read_fields

        def with_team(model):
            return original(model) | {"team_id"}

        lead = self._lead("Kiosks for Leuven", self.country_be, team_id=self.team.id)
        lead._channel_offer_manually(self.partner_a)
        creation = lead.message_ids.filtered(lambda m: "Benelux Key Accounts" in (m.body or ""))
        portal_lead = lead.with_user(self.user_a_manager)
        self.assertNotIn(creation, self._portal_messages(lead, self.user_a_manager))
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            portal_lead.read(["team_id"])
        with patch.object(Lead, "_channel_portal_read_fields", with_team):
            lead.invalidate_recordset()
            self.assertEqual(portal_lead.read(["team_id"])[0]["team_id"][0], self.team.id)
            self.assertEqual(
                self.env["crm.lead"]
                .with_user(self.user_a_manager)
                .search_count([("id", "=", lead.id), ("team_id", "=", self.team.id)]),
                1,
            )
            self.assertIn(creation, self._portal_messages(lead, self.user_a_manager))
            self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
            lead.write({"team_id": False})
            self._finalize_tracking()
            tracking = lead.message_ids.sudo().tracking_value_ids.filtered(
                lambda t: t.field_id.name == "team_id"
            )
            self.assertTrue(tracking._filter_has_field_access(self.env(user=self.user_a_manager)))
        self.assertFalse(tracking._filter_has_field_access(self.env(user=self.user_a_manager)))
