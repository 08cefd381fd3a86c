from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChannelCase

REFUSED = "set by its offers and registrations, not by hand"


@tagged("post_install", "-at_install")
class TestChannelStateOwner(ChannelCase):
    """The channel state and the partner salesperson of a lead are the channel's: set by an
    offer accepted, a registration approved, the routing, a release; never by the vendor's
    people directly (an RPC write, a form, an import, a ``default_*`` context key, an
    ir.default, a copy), which could make a lead a partner's deal without the partner ever
    accepting it, or 'offered' without an offer."""

    def _values(self, name, **values):
        return {"name": name, "type": "lead", "country_id": self.country_be.id, **values}

    def _unassigned(self, name):
        return self.env["crm.lead"].create(self._values(name))

    def test_rpc_write_of_the_state_is_refused(self):
        admin = self.env.ref("base.user_admin")
        offered = self.lead_offered
        unassigned = self._unassigned("Nobody's lead")
        for user in (self.salesman, self.sales_manager, admin):
            for lead, state in (
                (offered, "accepted"),
                (offered, "queued"),
                (offered, False),
                (unassigned, "offered"),
                (unassigned, "accepted"),
                (self.lead_a, "offered"),
            ):
                before = self.snapshot(lead)
                with (
                    self.subTest(user=user.login, lead=lead.name, state=state),
                    self.assertRaisesRegex(UserError, REFUSED),
                ):
                    lead.with_user(user).write({"channel_state": state})
                self.assertEqual(self.snapshot(lead), before)
        # with other values too, and with the channel's context key sent by RPC
        with self.assertRaisesRegex(UserError, REFUSED):
            offered.with_user(self.sales_manager).with_context(channel_routing=True).write(
                {"priority": "2", "channel_state": "accepted"}
            )
        self.assertEqual(offered.channel_state, "offered")
        self.assertEqual(offered.priority, "0")

    def test_superuser_code_other_than_the_channels_is_refused(self):
        """A bridge or a script writing as superuser without the channel's context key."""
        with self.assertRaisesRegex(UserError, REFUSED):
            self.lead_offered.sudo().write(
                {"channel_state": "accepted", "channel_user_id": self.user_a_sales.id}
            )
        self.assertEqual(self.lead_offered.channel_state, "offered")
        self.assertFalse(self.lead_offered.channel_user_id)

    def test_same_values_written_again_are_let_through(self):
        """An import or an RPC call that resends a lead's values changes nothing: allowed."""
        lead = self.lead_a.with_user(self.sales_manager)
        lead.write(
            {
                "channel_state": "accepted",
                "channel_user_id": self.user_a_sales.id,
                "priority": "1",
            }
        )
        self.assertEqual(self.lead_a.channel_state, "accepted")
        self.assertEqual(self.lead_a.channel_user_id, self.user_a_sales)
        self.assertEqual(self.lead_a.priority, "1")
        # the same value for one lead but not for the other: refused for both
        with self.assertRaisesRegex(UserError, REFUSED):
            (self.lead_a | self.lead_offered).with_user(self.sales_manager).write(
                {"channel_state": "accepted"}
            )
        self.assertEqual(self.lead_offered.channel_state, "offered")

    def test_rpc_write_of_the_partner_salesperson_is_refused(self):
        for user in (self.salesman, self.sales_manager):
            for lead, salesperson in (
                (self.lead_a, self.user_a_sales2),
                (self.lead_a, self.user_b_sales),
                (self.lead_a, self.env["res.users"]),
                (self.lead_offered, self.user_a_sales),
            ):
                before = self.snapshot(lead)
                with (
                    self.subTest(user=user.login, lead=lead.name, salesperson=salesperson.login),
                    self.assertRaisesRegex(UserError, REFUSED),
                ):
                    lead.with_user(user).write({"channel_user_id": salesperson.id})
                self.assertEqual(self.snapshot(lead), before)

    def test_create_with_a_state_or_salesperson_is_refused(self):
        Lead = self.env["crm.lead"].with_user(self.sales_manager)
        for values in (
            {"channel_state": "accepted", "partner_assigned_id": self.partner_a.id},
            {"channel_state": "offered"},
            {"channel_state": "queued"},
            {"channel_user_id": self.user_a_sales.id, "partner_assigned_id": self.partner_a.id},
            {
                "channel_state": "accepted",
                "active": False,
                "partner_assigned_id": self.partner_a.id,
            },
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, REFUSED):
                Lead.create(self._values("Created by hand", **values))
        self.assertFalse(Lead.search_count([("name", "=", "Created by hand")]))
        # a batch with one such lead creates none of them
        with self.assertRaisesRegex(UserError, REFUSED):
            Lead.create(
                [
                    self._values("Batch created by hand"),
                    self._values("Batch created by hand", channel_state="accepted"),
                ]
            )
        self.assertFalse(Lead.search_count([("name", "=", "Batch created by hand")]))
        # empty values say nothing: a create that sends them is fine
        lead = Lead.create(self._values("Empty values", channel_state=False, channel_user_id=False))
        self.assertFalse(lead.channel_state)

    def test_default_context_keys_are_ignored(self):
        Lead = (
            self.env["crm.lead"]
            .with_user(self.sales_manager)
            .with_context(
                default_channel_state="accepted", default_channel_user_id=self.user_a_sales.id
            )
        )
        lead = Lead.create(self._values("Default state"))
        self.assertFalse(lead.channel_state)
        self.assertFalse(lead.channel_user_id)
        # with the partner: offered to it, not its deal
        lead = Lead.create(self._values("Default state", partner_assigned_id=self.partner_a.id))
        self.assertEqual(lead.channel_state, "offered")
        self.assertEqual(lead.channel_offer_id.state, "offered")
        self.assertFalse(lead.channel_user_id)
        # nor does the form show them as defaults
        defaults = Lead.default_get(["channel_state", "channel_user_id", "name"])
        self.assertNotIn("channel_state", defaults)
        self.assertNotIn("channel_user_id", defaults)

    def test_ir_default_has_no_effect(self):
        self.env["ir.default"].set("crm.lead", "channel_state", "accepted")
        self.env["ir.default"].set("crm.lead", "channel_user_id", self.user_a_sales.id)
        Lead = self.env["crm.lead"].with_user(self.salesman)
        lead = Lead.create(self._values("By ir.default"))
        self.assertFalse(lead.channel_state)
        self.assertFalse(lead.channel_user_id)
        lead = Lead.create(self._values("By ir.default", partner_assigned_id=self.partner_a.id))
        self.assertEqual(lead.channel_state, "offered")
        self.assertFalse(lead.channel_user_id)

    def test_import_is_refused(self):
        Lead = self.env["crm.lead"].with_user(self.sales_manager)
        result = Lead.load(
            ["name", "type", "partner_assigned_id/.id", "channel_state"],
            [["Imported as accepted", "lead", str(self.partner_a.id), "accepted"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn(REFUSED, " ".join(message["message"] for message in result["messages"]))
        self.assertFalse(Lead.search_count([("name", "=", "Imported as accepted")]))
        result = Lead.load(
            ["name", "type", "channel_user_id/.id"],
            [["Imported with a salesperson", "lead", str(self.user_a_sales.id)]],
        )
        self.assertFalse(result["ids"])
        # an import updating an existing lead (by its external id)
        self.env["ir.model.data"].create(
            {
                "name": "lead_offered",
                "module": "__import__",
                "model": "crm.lead",
                "res_id": self.lead_offered.id,
            }
        )
        result = Lead.load(["id", "channel_state"], [["__import__.lead_offered", "accepted"]])
        self.assertFalse(result["ids"])
        self.assertEqual(self.lead_offered.channel_state, "offered")
        # resending the current value changes nothing: imported
        result = Lead.load(
            ["id", "channel_state", "priority"], [["__import__.lead_offered", "offered", "2"]]
        )
        self.assertEqual(result["ids"], self.lead_offered.ids, result["messages"])
        self.assertEqual(self.lead_offered.priority, "2")

    def test_copy_is_never_the_partners_deal(self):
        copy = self.lead_a.with_user(self.sales_manager).copy()
        self.assertEqual(copy.channel_state, "offered")
        self.assertFalse(copy.channel_user_id)
        with self.assertRaisesRegex(UserError, REFUSED):
            self.lead_a.with_user(self.sales_manager).copy(
                {"channel_state": "accepted", "channel_user_id": self.user_a_sales.id}
            )
        copy = (
            self.lead_a.with_user(self.sales_manager)
            .with_context(default_channel_state="accepted")
            .copy()
        )
        self.assertEqual(copy.channel_state, "offered")

    def test_the_channels_own_paths_still_work(self):
        # a manual assignment (the form's partner field), accepted from the portal
        lead = self.env["crm.lead"].with_user(self.salesman).create(self._values("Own paths"))
        lead.write({"partner_assigned_id": self.partner_a.id})
        self.assertEqual(lead.channel_state, "offered")
        lead.with_user(self.user_a_sales).action_channel_accept()
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.channel_user_id, self.user_a_sales)
        # the partner manager hands it to a colleague
        lead.with_user(self.user_a_manager).action_channel_assign_salesperson(self.user_a_sales2.id)
        self.assertEqual(lead.channel_user_id, self.user_a_sales2)
        # the vendor withdraws an offer: released, waiting for routing
        other = self.env["crm.lead"].with_user(self.salesman).create(self._values("Withdrawn"))
        other.write({"partner_assigned_id": self.partner_a.id})
        other.with_user(self.sales_manager).action_channel_withdraw()
        self.assertEqual(other.channel_state, "queued")
        self.assertFalse(other.partner_assigned_id)
        # routing by the vendor's button, then a decline and the cron
        routed = self.env["crm.lead"].with_user(self.salesman).create(self._values("Routed"))
        routed.with_user(self.salesman).action_channel_route()
        self.assertEqual(routed.channel_state, "offered")
        self.assertEqual(routed.partner_assigned_id, self.partner_a)
        routed.with_user(self.user_a_manager).action_channel_decline(self.reason.id, "busy")
        self.assertEqual(routed.channel_state, "queued")
        self.env["crm.lead"]._cron_channel_process_offers()
        self.assertEqual(routed.channel_state, "no_partner")
        # an offer expires: the cron releases the lead
        expiring = self.env["crm.lead"].with_user(self.salesman).create(self._values("Expiring"))
        expiring.write({"partner_assigned_id": self.partner_a.id})
        offer = expiring.channel_offer_id
        with freeze_time(offer.date_deadline + timedelta(minutes=5)):
            self.env["crm.lead"]._cron_channel_process_offers()
        self.assertEqual(offer.state, "expired")
        self.assertNotEqual(expiring.partner_assigned_id, self.partner_a)

    def test_registration_approval_still_gives_the_deal(self):
        product = self.env["product.template"].create({"name": "Scanner Z1", "sale_ok": True})
        registration = (
            self.env["crm.channel.registration"]
            .with_user(self.user_a_sales)
            .action_channel_register(
                {
                    "customer_name": "Owner Test Logistics",
                    "contact_name": "Lena Vos",
                    "email": "lena.vos@owner-test-logistics.example.com",
                    "vat": "",
                    "phone": "",
                    "country_id": str(self.country_be.id),
                    "expected_revenue": "48000",
                    "product_ids": [str(product.id)],
                    "date_close_expected": str(self.env.cr.now().date() + timedelta(days=60)),
                    "note": "",
                }
            )
        )
        registration.with_user(self.sales_manager).action_approve()
        lead = registration.sudo().lead_id
        self.assertEqual(lead.channel_state, "accepted")
        self.assertEqual(lead.channel_user_id, self.user_a_sales)
        self.assertEqual(lead.partner_assigned_id, self.partner_a)

    def test_the_refusal_is_translated(self):
        for code, text in (
            ("ar_001", "تُحدَّد حالة القناة للعميل المحتمل من خلال عروضه وتسجيلاته"),
            ("he_IL", "מצב הערוץ של ליד נקבע לפי ההצעות והרישומים שלו"),
        ):
            self.env["res.lang"]._activate_lang(code)
            lead = self.lead_offered.with_user(self.sales_manager).with_context(lang=code)
            with self.subTest(lang=code), self.assertRaisesRegex(UserError, text):
                lead.write({"channel_state": "accepted"})
