import json
from datetime import timedelta

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.crm_channel_registration import SEARCH_PRODUCTS_LIMIT, RegistrationInputError
from .common import ProductsCase


@tagged("post_install", "-at_install")
class TestProductSearch(ProductsCase):
    def test_reseller_finds_only_products_open_to_partners(self):
        found = self.search_as(self.user_a_sales, "zephyr")
        self.assertEqual(
            [product["id"] for product in found],
            [self.scanner.id],
            "closed, not saleable, other company's and archived products are not found",
        )
        self.assertEqual(found[0]["name"], "Zephyr Barcode Scanner")
        self.assertEqual(found[0]["default_code"], "ZBS-900")

    def test_matches_name_and_reference_in_any_case(self):
        for term in ("barcode scan", "BARCODE", "zbs-9", "  ZBS-900  "):
            with self.subTest(term=term):
                found = self.search_as(self.user_a_manager, term)
                self.assertEqual([product["id"] for product in found], [self.scanner.id])
        found = self.search_as(self.user_a_sales, "wg-small")
        self.assertEqual([product["id"] for product in found], [self.glove.id])
        self.assertEqual(
            self.search_as(self.user_a_sales, "RT-042")[0]["id"], self.catalogue[42].id
        )
        self.assertEqual(self.search_as(self.user_a_sales, "no such product"), [])
        self.assertEqual(self.search_as(self.user_a_sales, "   "), [])

    def test_names_in_the_partners_language_and_as_the_vendor_wrote_them(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.scanner.with_context(lang="ar_001").name = "ماسح الباركود زفير"
        for term in ("الباركود", "barcode", "ZBS-900"):
            with self.subTest(term=term):
                found = self.search_as(self.user_a_sales, term, lang="ar_001")
                self.assertEqual([product["id"] for product in found], [self.scanner.id])
                self.assertEqual(found[0]["name"], "ماسح الباركود زفير")
        # the closed product is not found in either language
        self.closed.with_context(lang="ar_001").name = "طقم خدمة زفير"
        self.assertEqual(
            [product["id"] for product in self.search_as(self.user_a_sales, "زفير", lang="ar_001")],
            [self.scanner.id],
        )

    def test_result_count_is_bounded(self):
        self.assertEqual(len(self.search_as(self.user_a_sales, "rugged")), SEARCH_PRODUCTS_LIMIT)
        self.assertEqual(len(self.search_as(self.user_a_sales, "rugged", 5)), 5)
        for limit in (10**6, -3, "all"):
            with self.subTest(limit=limit):
                found = self.search_as(self.user_a_sales, "rugged", limit)
                self.assertLessEqual(len(found), SEARCH_PRODUCTS_LIMIT)
                self.assertTrue(found)
        # a huge term is cut, not an error
        self.assertEqual(self.search_as(self.user_a_sales, "rugged tablet " + "x" * 10000), [])

    def test_nobody_else_searches(self):
        for user in (
            self.internal_user,
            self.portal_customer,
            self.env.ref("base.public_user"),
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.search_as(user, "zephyr")
        # a partner company that loses its tier loses the search with it
        self.partner_b.grade_id = False
        with self.assertRaises(AccessError):
            self.search_as(self.user_b_sales, "zephyr")

    def test_submitted_products_are_checked_again(self):
        Registration = self.env["crm.channel.registration"].with_user(self.user_a_sales)
        values = {
            "customer_name": "Harbor Freight Solutions",
            "contact_name": "Lena Vos",
            "email": "lena.vos@harborfreight.example.com",
            "country_id": str(self.country_be.id),
            "expected_revenue": "48000",
            "date_close_expected": str(fields.Date.today() + timedelta(days=60)),
        }
        count = Registration.sudo().search_count([])
        for label, product_ids in {
            "closed": [str(self.scanner.id), str(self.closed.id)],
            "not saleable": [str(self.internal.id)],
            "other company": [str(self.foreign.id)],
            "archived": [str(self.archived.id)],
            "nothing": ["2147483647"],
            "beyond integers": ["99999999999999999999"],
            "negative": ["-4"],
            "text": ["tablet"],
            "too many": [str(product.id) for product in self.catalogue[:51]],
        }.items():
            with self.subTest(label), self.assertRaises(RegistrationInputError) as caught:
                Registration.action_channel_register({**values, "product_ids": product_ids})
            self.assertIn("product_ids", caught.exception.errors)
            self.assertEqual(Registration.sudo().search_count([]), count)
        # the form shows the valid part of a choice again, whatever was submitted
        self.assertEqual(Registration._channel_chosen_products(str(self.scanner.id)), self.scanner)
        self.assertEqual(
            Registration._channel_chosen_products([str(self.scanner.id), str(self.closed.id)]),
            self.scanner,
        )
        self.assertFalse(Registration._channel_chosen_products(["12abc"]))
        registration = Registration.action_channel_register(
            {**values, "product_ids": [str(self.scanner.id), str(self.catalogue[7].id)]}
        )
        self.assertEqual(registration.sudo().product_ids, self.scanner | self.catalogue[7])


@tagged("post_install", "-at_install")
class TestProductSearchRoute(ProductsCase, HttpCase):
    URL = "/my/channel/products"

    def call(self, **params):
        response = self.url_open(
            self.URL,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_reseller_searches_as_it_types(self):
        self.authenticate("a_sales", "a_sales")
        answer = self.call(term="zeph")
        self.assertEqual(
            answer["result"]["products"],
            [{"id": self.scanner.id, "name": "Zephyr Barcode Scanner", "default_code": "ZBS-900"}],
        )
        answer = self.call(term="rugged", limit=1000)
        self.assertEqual(len(answer["result"]["products"]), SEARCH_PRODUCTS_LIMIT)

    @mute_logger("odoo.http")
    def test_anonymous_and_other_roles_get_nothing(self):
        answer = self.call(term="zeph")
        self.assertNotIn("result", answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.http.SessionExpiredException")
        for login in ("chan_employee", "chan_customer"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                answer = self.call(term="zeph")
                self.assertNotIn("result", answer)
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
                self.assertNotIn("Zephyr", json.dumps(answer))

    @mute_logger("odoo.http")
    def test_search_is_never_a_get_and_the_form_lists_no_catalogue(self):
        self.authenticate("a_sales", "a_sales")
        self.assertEqual(self.url_open(f"{self.URL}?term=zeph").status_code, 405)
        page = self.url_open("/my/channel/register").text
        self.assertIn("o_channel_product_search", page)
        self.assertNotIn("Rugged Tablet", page)

    @mute_logger("odoo.http")
    def test_tampered_product_gets_a_message_on_the_form(self):
        self.authenticate("a_sales", "a_sales")
        Registration = self.env["crm.channel.registration"].sudo()
        count = Registration.search_count([])
        response = self.url_open(
            "/my/channel/register",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "customer_name": "Lumen Retail SAS",
                "contact_name": "Paul Martin",
                "email": "paul.martin@lumen-retail.example.com",
                "expected_revenue": "30000",
                "date_close_expected": str(fields.Date.today() + timedelta(days=30)),
                "product_ids": [str(self.scanner.id), str(self.closed.id)],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Choose the products from the list", response.text)
        self.assertIn("Zephyr Barcode Scanner", response.text, "the valid choice is kept")
        self.assertNotIn("Zephyr Service Kit", response.text)
        self.assertEqual(Registration.search_count([]), count)
