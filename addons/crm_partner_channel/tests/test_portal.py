import re
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import ChannelCase


def route_readonly(env, path, method="GET"):
    """Whether Odoo serves `path` in a read-only transaction (a replica when configured)."""
    rule, _args = (
        env["ir.http"].routing_map().bind("localhost").match(path, method=method, return_rule=True)
    )
    readonly = rule.endpoint.routing["readonly"]
    return readonly(rule.endpoint.func.__self__) if callable(readonly) else readonly


@tagged("post_install", "-at_install")
class TestPortalRoutes(ChannelCase, HttpCase):
    """The partner portal, through HTTP: pages, forms and JSON-RPC, as the right and the wrong
    partner."""

    def post(self, url, **data):
        return self.url_open(url, data={"csrf_token": http.Request.csrf_token(self), **data})

    def rpc(self, method, ids, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": method,
                "args": [ids, *args],
                "kwargs": kwargs,
            },
        )

    def test_offers_list_is_served_read_only(self):
        """The offers list is declared read-only (a replica can serve it) and writes nothing:
        in the read-only transaction of the test server, a write would make Odoo log a warning
        and serve it again read/write. Answering an offer (POST) is read/write."""
        self.assertIs(route_readonly(self.env, "/my/leads"), True)
        self.assertIs(
            route_readonly(self.env, f"/my/lead/{self.lead_offered.id}/accept", "POST"), False
        )
        self.authenticate("a_manager", "a_manager")
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open("/my/leads")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.lead_offered.name, response.text)

    # ------------------------------------------------------------
    # Partner B against partner A's leads
    # ------------------------------------------------------------

    @mute_logger("odoo.http", "odoo.addons.http_routing.models.ir_http", "odoo.models")
    def test_partner_b_by_route(self):
        self.authenticate("b_manager", "b_manager")
        targets = (self.lead_a, self.lead_offered)
        before = {lead.id: self.snapshot(lead) for lead in targets}
        for lead in targets:
            for url in (f"/my/lead/{lead.id}", f"/my/opportunity/{lead.id}"):
                with self.subTest(url=url):
                    response = self.url_open(url)
                    self.assertIn(response.status_code, (403, 404))
                    self.assertNotIn(lead.name, response.text)
            posts = {
                f"/my/lead/{lead.id}/accept": {},
                f"/my/lead/{lead.id}/decline": {"reason_id": self.reason.id, "comment": "x"},
                f"/my/opportunity/{lead.id}/stage": {"stage_id": self.stage_proposal.id},
                f"/my/opportunity/{lead.id}/update": {"expected_revenue": "1"},
                f"/my/opportunity/{lead.id}/note": {"body": "mine now"},
                f"/my/opportunity/{lead.id}/activity": {
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "date_deadline": "2099-01-01",
                },
                f"/my/opportunity/{lead.id}/assign": {"user_id": self.user_b_sales.id},
            }
            for url, data in posts.items():
                with self.subTest(url=url):
                    response = self.post(url, **data)
                    self.assertIn(response.status_code, (403, 404))
        for lead in targets:
            self.assertEqual(self.snapshot(lead), before[lead.id])
        # lists show B's own deals only
        response = self.url_open("/my/opportunities")
        self.assertIn(self.lead_b.name, response.text)
        self.assertNotIn(self.lead_a.name, response.text)
        response = self.url_open("/my/leads")
        self.assertNotIn(self.lead_offered.name, response.text)

    @mute_logger("odoo.http", "odoo.models")
    def test_partner_b_by_rpc(self):
        self.authenticate("b_manager", "b_manager")
        before = self.snapshot(self.lead_a)
        calls = {
            "read": (["name"],),
            "web_read": ({"name": {}},),
            "write": ({"stage_id": self.stage_proposal.id},),
            "action_channel_accept": (),
            "action_channel_set_stage": (self.stage_proposal.id,),
            "action_channel_update": ({"expected_revenue": 1},),
            "action_channel_post_note": ("mine",),
            "update_contact_details_from_portal": ({"email_from": "evil@example.com"},),
            "update_lead_portal": (
                {
                    "expected_revenue": 1,
                    "probability": 1,
                    "priority": "3",
                    "date_deadline": False,
                    "activity_date_deadline": False,
                },
            ),
            "partner_interested": ("mine",),
            "partner_desinterested": ("no",),
            "assign_partner": (self.partner_b.id,),
            "message_post": (),
            "message_subscribe": (self.user_b_manager.partner_id.ids,),
            "copy": (),
            "unlink": (),
            "action_set_won": (),
        }
        for method, args in calls.items():
            with self.subTest(method=method), self.assertRaises(JsonRpcException) as caught:
                kwargs = {"body": "hello"} if method == "message_post" else {}
                self.rpc(method, [self.lead_a.id], *args, **kwargs)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError", method)
        self.assertEqual(self.snapshot(self.lead_a), before)
        # searching returns nothing of A
        found = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": "search_read",
                "args": [[("id", "=", self.lead_a.id)], ["name"]],
                "kwargs": {},
            },
        )
        self.assertEqual(found, [])

    @mute_logger("odoo.http", "odoo.models")
    def test_partner_a_by_rpc_reads_no_internal_data(self):
        self.authenticate("a_sales", "a_sales")
        for fields_ in (["description"], ["tag_ids"], ["email_from"], ["partner_id"]):
            with self.subTest(fields=fields_), self.assertRaises(JsonRpcException) as caught:
                self.rpc("read", [self.lead_a.id], fields_)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException):
            self.rpc("write", [self.lead_a.id], {"partner_assigned_id": self.partner_b.id})
        self.assertEqual(self.lead_a.partner_assigned_id, self.partner_a)
        values = self.rpc("read", [self.lead_a.id], ["name", "channel_email", "stage_id"])[0]
        shareable = self.lead_a in self.lead_a._channel_may_share_personal_data()
        self.assertEqual(
            values["channel_email"],
            "jane.customer@customer-corp.example.com" if shareable else False,
        )
        offer = self.rpc("read", [self.lead_offered.id], ["channel_email", "channel_contact_name"])
        self.assertFalse(offer[0]["channel_email"])
        self.assertFalse(offer[0]["channel_contact_name"])

    # ------------------------------------------------------------
    # Partner A working its deals
    # ------------------------------------------------------------

    def test_offer_page_hides_contact_then_accept(self):
        self.authenticate("a_sales", "a_sales")
        response = self.url_open(f"/my/lead/{self.lead_offered.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn(self.lead_offered.name, page)
        self.assertNotIn("jane.customer", page)
        self.assertNotIn("Jane Customer", page)
        self.assertNotIn("470 12 34 56", page)
        self.assertNotIn("budget approved", page)
        self.assertNotIn("Strategic account", page)
        self.assertIn("o_channel_accept", page)
        response = self.post(f"/my/lead/{self.lead_offered.id}/accept")
        self.assertEqual(response.status_code, 200)
        # website redirects to the slug of the record: /my/opportunity/<name>-<id>
        self.assertIn("/my/opportunity/", response.url)
        self.assertTrue(response.url.endswith(str(self.lead_offered.id)))
        self.assertEqual(self.lead_offered.channel_state, "accepted")
        shareable = self.lead_offered in self.lead_offered._channel_may_share_personal_data()
        self.assertEqual("jane.customer@customer-corp.example.com" in response.text, shareable)
        self.assertEqual("Jane Customer" in response.text, shareable)
        self.assertNotIn("budget approved", response.text)
        self.assertNotIn("Strategic account", response.text)

    def test_links_and_redirects_reach_the_page_in_one_request(self):
        """The offers list links each offer, and accepting it redirects to the deal, at the
        pages' canonical addresses: none answers another redirect (website's answer to an
        address with the bare id), a round trip each for nothing."""
        self.authenticate("a_sales", "a_sales")
        offers = self.url_open("/my/leads").text
        href = re.search(r'href="(/my/lead/[^"]*-%d)"' % self.lead_offered.id, offers)
        self.assertTrue(href, "the offers list does not link the offer at its canonical address")
        response = self.url_open(href.group(1), allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        response = self.url_open(
            f"/my/lead/{self.lead_offered.id}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        deal = response.headers["Location"]
        self.assertRegex(deal, r"/my/opportunity/[^/]+-%d$" % self.lead_offered.id)
        self.assertEqual(self.url_open(deal, allow_redirects=False).status_code, 200)
        deals = self.url_open("/my/opportunities").text
        self.assertIn(f'href="{urlsplit(deal).path}"', deals)

    def test_decline_from_the_page(self):
        self.authenticate("a_manager", "a_manager")
        response = self.post(f"/my/lead/{self.lead_offered.id}/decline", comment="too far")
        self.assertIn("Choose why you decline", response.text)
        self.assertEqual(self.lead_offered.channel_state, "offered")
        response = self.post(
            f"/my/lead/{self.lead_offered.id}/decline", reason_id=self.reason.id, comment="full"
        )
        self.assertTrue(response.url.endswith("/my/leads"))
        self.assertEqual(self.lead_offered.channel_state, "queued")
        self.assertEqual(self.lead_offered.channel_offer_ids.decline_reason_id, self.reason)

    def test_work_the_deal_from_the_page(self):
        self.authenticate("a_sales", "a_sales")
        lead = self.lead_a
        page = self.url_open(f"/my/opportunity/{lead.id}").text
        self.assertIn("Channel Proposal", page)
        self.assertNotIn("Channel Won", page)
        self.post(f"/my/opportunity/{lead.id}/stage", stage_id=self.stage_proposal.id)
        self.assertEqual(lead.stage_id, self.stage_proposal)
        closing = fields.Date.today() + timedelta(days=30)
        self.post(
            f"/my/opportunity/{lead.id}/update",
            expected_revenue="56000",
            date_deadline=str(closing),
            priority="2",
        )
        self.assertEqual(lead.expected_revenue, 56000)
        self.assertEqual(lead.date_deadline, closing)
        self.post(f"/my/opportunity/{lead.id}/note", body="Customer asked for a demo.")
        self.assertIn("Customer asked for a demo.", "".join(lead.message_ids.mapped("body")))
        self.post(
            f"/my/opportunity/{lead.id}/activity",
            activity_type_id=self.env.ref("mail.mail_activity_data_call").id,
            summary="Call the buyer",
            date_deadline=str(closing),
        )
        self.assertEqual(lead.activity_ids.summary, "Call the buyer")
        self.assertIn("Call the buyer", self.url_open(f"/my/opportunity/{lead.id}").text)
        # bad input: a clear message, nothing changed
        response = self.post(f"/my/opportunity/{lead.id}/update", expected_revenue="lots")
        self.assertIn("The expected revenue must be a number", response.text)
        self.assertEqual(lead.expected_revenue, 56000)
        response = self.post(f"/my/opportunity/{lead.id}/stage", stage_id=self.stage_won.id)
        self.assertIn("the vendor marks deals as won", response.text)
        self.assertEqual(lead.stage_id, self.stage_proposal)

    def test_manager_hands_a_deal_to_a_colleague(self):
        self.authenticate("a_manager", "a_manager")
        self.post(f"/my/opportunity/{self.lead_a.id}/assign", user_id=self.user_a_sales2.id)
        self.assertEqual(self.lead_a.channel_user_id, self.user_a_sales2)

    @mute_logger("odoo.http", "odoo.models")
    def test_salesperson_cannot_hand_deals(self):
        self.authenticate("a_sales", "a_sales")
        response = self.post(
            f"/my/opportunity/{self.lead_a.id}/assign", user_id=self.user_a_sales2.id
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.lead_a.channel_user_id, self.user_a_sales)

    # ------------------------------------------------------------
    # Registration and scorecard pages
    # ------------------------------------------------------------

    def test_register_from_the_portal(self):
        product = self.env["product.template"].create({"name": "Label Printer L5", "sale_ok": True})
        self.authenticate("a_sales", "a_sales")
        form = self.url_open("/my/channel/register").text
        # products of interest are searched as the partner types (test_portal_products.py)
        self.assertIn('role="combobox"', form)
        self.assertNotIn("Label Printer L5", form)
        Registration = self.env["crm.channel.registration"].sudo()
        count = Registration.search_count([])
        response = self.post(
            "/my/channel/register",
            customer_name="Dune Outdoor",
            contact_name="",
            email="not-an-email",
            expected_revenue="12000",
            date_close_expected=str(fields.Date.today() + timedelta(days=20)),
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Give the name of your contact at the customer.", response.text)
        self.assertIn("not-an-email is not a valid email address", response.text)
        self.assertIn('value="Dune Outdoor"', response.text, "the form keeps what was typed")
        self.assertEqual(Registration.search_count([]), count)
        data = {
            "customer_name": "Dune Outdoor",
            "contact_name": "Rik Smets",
            "email": "rik@dune-outdoor.example.com",
            "expected_revenue": "12000",
            "product_ids": str(product.id),
            "date_close_expected": str(fields.Date.today() + timedelta(days=20)),
        }
        response = self.post("/my/channel/register", **data)
        registration = Registration.search([("customer_name", "=", "Dune Outdoor")])
        self.assertEqual(len(registration), 1)
        self.assertTrue(response.url.endswith(f"/my/channel/registration/{registration.id}"))
        self.assertIn("your vendor reviews this registration", response.text)
        self.assertEqual(registration.product_ids, product)
        # a colleague registers the same customer: conflict message, nobody named
        self.authenticate("a_sales2", "a_sales2")
        response = self.post("/my/channel/register", **{**data, "contact_name": "Rik S."})
        self.assertIn("Possible conflict", response.text)
        self.assertNotIn("Arne", response.text)
        self.assertNotIn(registration.name, response.text)

    @mute_logger("odoo.http", "odoo.models")
    def test_registration_pages_of_others_are_closed(self):
        registration = (
            self.env["crm.channel.registration"]
            .with_user(self.user_a_sales)
            .action_channel_register(
                {
                    "customer_name": "Dune Outdoor",
                    "contact_name": "Rik Smets",
                    "email": "rik@dune-outdoor.example.com",
                    "expected_revenue": "12000",
                    "date_close_expected": str(fields.Date.today() + timedelta(days=20)),
                }
            )
        )
        self.authenticate("b_manager", "b_manager")
        response = self.url_open(f"/my/channel/registration/{registration.id}")
        self.assertIn(response.status_code, (403, 404))
        self.assertNotIn("Dune Outdoor", self.url_open("/my/channel/registrations").text)

    def test_scorecard_page(self):
        self.authenticate("a_manager", "a_manager")
        self.lead_offered.with_user(self.user_a_manager).action_channel_decline(self.reason.id)
        page = self.url_open("/my/channel/scorecard").text
        self.assertIn("Northwind Integrators", page)
        self.assertIn("Median time to accept", page)
        self.assertIn(self.reason.name, page)
        self.assertNotIn("Contoso", page)

    def test_pages_are_right_to_left_in_arabic_and_hebrew(self):
        for code in ("ar_001", "he_IL"):
            with self.subTest(lang=code):
                self.env["res.lang"]._activate_lang(code)
                website = self.env["website"].get_current_website()
                website.language_ids |= self.env["res.lang"]._lang_get(code)
                self.user_a_sales.lang = code
                self.authenticate("a_sales", "a_sales")
                for url in (
                    f"/my/opportunity/{self.lead_a.id}",
                    "/my/leads",
                    "/my/channel/register",
                    "/my/channel/scorecard",
                ):
                    page = self.url_open(url, headers={"Cookie": f"frontend_lang={code}"}).text
                    self.assertIn('class="o_channel_portal" dir="rtl"', page, url)
        self.user_a_sales.lang = "en_US"
        self.authenticate("a_sales", "a_sales")
        page = self.url_open("/my/leads", headers={"Cookie": "frontend_lang=en_US"}).text
        self.assertIn('class="o_channel_portal" dir="ltr"', page)
