import html as html_lib
import re

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_b2b_cpq.tests.common import print_quote_pdf

from .common import ChannelQuoteFixtures


@tagged("post_install", "-at_install")
class TestChannelQuotePortal(ChannelQuoteFixtures, HttpCase):
    """The portal routes: tampered forms answer with a message on the page and change
    nothing, never a server error; the reseller's page shows its own pricing, never the vendor's
    cost or margin; the customer's page and PDF never show the reseller's figures."""

    def post(self, url, data=None, **kw):
        return self.url_open(
            url, data={"csrf_token": http.Request.csrf_token(self), **(data or {})}, **kw
        )

    def assertMessage(self, response, text):
        self.assertEqual(response.status_code, 200, response.text[:300])
        page = html_lib.unescape(response.text)
        error = re.search(r'o_channel_error"[^>]*>([^<]*)<', page)
        self.assertTrue(error, "no message on the page")
        self.assertIn(text, error.group(1))

    def _quote_with_lines(self):
        quote = self._new_quote()
        quote._channel_quote_save(
            {
                "new": {
                    "product": self.server_dual.id,
                    "qty": "2",
                    "discount": "5",
                    "options": [str(self.redundant.id)],
                }
            }
        )
        quote._channel_quote_save({"new": {"product": self.licence.id, "qty": "10"}})
        return quote.sudo()

    def test_create_and_edit_through_the_portal(self):
        self.authenticate("pq_a_sales", "pq_a_sales")
        response = self.post(f"/my/opportunity/{self.lead_a.id}/quote")
        self.assertEqual(response.status_code, 200)
        quote = self.env["sale.order"].search([("opportunity_id", "=", self.lead_a.id)])
        self.assertEqual(len(quote), 1)
        self.assertTrue(response.url.endswith(f"/my/channel/quote/{quote.id}"))
        response = self.post(
            f"/my/channel/quote/{quote.id}/save",
            {"product_new": self.licence.id, "qty_new": "3", "discount_new": "2"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_channel_quote_message", response.text)
        self.assertEqual(quote.order_line.product_uom_qty, 3)
        self.assertEqual(quote.order_line.price_unit, 100.0)
        line = quote.order_line
        response = self.post(
            f"/my/channel/quote/{quote.id}/save",
            {f"qty_{line.id}": "4", f"discount_{line.id}": "1"},
        )
        self.assertEqual((line.product_uom_qty, line.discount), (4, 1))
        # the deal page lists it, the quotes page too
        page = self.url_open(f"/my/opportunity/{self.lead_a.id}").text
        self.assertIn(f"/my/channel/quote/{quote.id}", page)
        page = self.url_open("/my/channel/quotes").text
        self.assertIn(quote.name, page)
        self.post(f"/my/channel/quote/{quote.id}/save", {f"remove_{line.id}": "1"})
        self.assertFalse(quote.order_line)

    @mute_logger("odoo.http")
    def test_tampered_forms_change_nothing(self):
        quote = self._quote_with_lines()
        line = quote.order_line[0]
        quote_b = self._licence_quote("1", user=self.user_b_manager, lead=self.lead_b).sudo()
        self.authenticate("pq_a_sales", "pq_a_sales")
        before, before_b = self.snapshot(quote), self.snapshot(quote_b)
        save = f"/my/channel/quote/{quote.id}/save"
        cases = [
            (save, {f"price_unit_{line.id}": "1", f"qty_{line.id}": "2"}, "price_unit"),
            (save, {"price_unit_new": "1", "product_new": self.licence.id}, "price_unit"),
            (save, {"amount_total": "1"}, "amount_total"),
            (save, {f"discount_{line.id}": "60"}, "is not allowed for your tier"),
            (save, {f"discount_{line.id}": "-4"}, "A discount must be a percentage"),
            (save, {f"qty_{line.id}": "lots"}, "A quantity must be a positive number"),
            (save, {"product_new": self.secret.id, "qty_new": "1"}, "catalogue"),
            (save, {"product_new": "abc", "qty_new": "1"}, "catalogue"),
            (save, {f"qty_{quote_b.order_line.id}": "7"}, "is not in quote"),
            (save, {f"options_{line.id}": str(self.cpu.value_ids[0].id)}, "does not belong"),
            (
                f"/my/channel/quote/{quote_b.id}/save",
                {"product_new": self.licence.id},
                "not one of your company's",
            ),
            (f"/my/channel/quote/{quote_b.id}/submit", {}, "not one of your company's"),
            ("/my/channel/quote/999999/save", {"qty_new": "1"}, "not one of your company's"),
            (f"/my/opportunity/{self.lead_b.id}/quote", {}, "not one of your company's"),
            (f"/my/opportunity/{self.lead_offered.id}/quote", {}, "accept the offer first"),
        ]
        for url, data, text in cases:
            with self.subTest(url=url, data=data):
                response = self.post(url, data)
                self.assertMessage(response, text)
        self.assertEqual(self.snapshot(quote), before)
        self.assertEqual(self.snapshot(quote_b), before_b)
        self.assertEqual(
            self.env["sale.order"].search_count(
                [
                    ("opportunity_id", "in", (self.lead_b | self.lead_offered).ids),
                    ("channel_partner_id", "=", self.partner_a.id),
                ]
            ),
            0,
        )
        # reading another partner's quote: a message, no figure of it
        response = self.url_open(f"/my/channel/quote/{quote_b.id}")
        self.assertMessage(response, "not one of your company's")
        self.assertNotIn(quote_b.name, response.text)

    def test_reseller_page_shows_its_pricing_never_the_vendors(self):
        quote = self._quote_with_lines()
        self.authenticate("pq_a_sales", "pq_a_sales")
        html = self.url_open(f"/my/channel/quote/{quote.id}").text
        self.assertIn("o_channel_reseller_margin", html)
        margin = quote.channel_reseller_margin
        self.assertTrue(margin)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")
        self.assertIn(f"{margin:,.2f}", text)
        self.assertRegex(text, r"tier discount 20 ?%")
        # the vendor's cost (3,123.45 and 41.37) and margin never reach the reseller
        for secret in ("3,123.45", "3123.45", "41.37", "purchase_price", "Margin %"):
            self.assertNotIn(secret, html)
        vendor_margin = quote.margin
        self.assertTrue(vendor_margin)
        self.assertNotIn(f"{vendor_margin:,.2f}", text)
        self.assertNotIn(f"{vendor_margin:.2f}", text)

    def test_customer_page_and_pdf_never_show_the_resellers_figures(self):
        quote = self._quote_with_lines()
        quote.with_user(self.user_a_sales).action_channel_quote_submit()
        self.assertEqual(quote.state, "sent")
        margin = f"{quote.channel_reseller_margin:,.2f}"
        amount = f"{quote.channel_reseller_amount:,.2f}"
        self.authenticate(None, None)
        for report_type in (None, "html"):
            url = quote.get_portal_url(report_type=report_type)
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200)
            html = response.text
            self.assertIn("Northwind Integrators", html, "the reseller is named")
            for secret in (margin, amount, "Your margin", "Reseller Discount", "3,123.45"):
                self.assertNotIn(secret, html)
        customer = self._customer_portal_user("pq_customer_portal", "pq_customer_portal")
        self.assertTrue(customer)
        self.authenticate("pq_customer_portal", "pq_customer_portal")
        html = self.url_open(f"/my/orders/{quote.id}").text
        self.assertIn(quote.name, html)
        self.assertNotIn(margin, html)
        # the reseller cannot open the customer's page without its link
        self.authenticate("pq_a_sales", "pq_a_sales")
        response = self.url_open(f"/my/orders/{quote.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)

    def test_scorecard_page_counts_quotes(self):
        quote = self._quote_with_lines()
        quote.with_user(self.user_a_sales).action_channel_quote_submit()
        self.authenticate("pq_a_manager", "pq_a_manager")
        html = self.url_open("/my/channel/scorecard").text
        self.assertIn("o_channel_scorecard_quotes", html)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")
        self.assertIn(f"{quote.amount_untaxed:,.2f}", text)

    def test_pages_right_to_left_in_arabic(self):
        quote = self._quote_with_lines()
        self.env["res.lang"]._activate_lang("ar_001")
        if "website" in self.env:
            self.env["website"].search([]).language_ids |= self.env.ref("base.lang_ar")
        for code, direction in (("ar_001", "rtl"), ("en_US", "ltr")):
            self.user_a_sales.lang = code
            self.authenticate("pq_a_sales", "pq_a_sales")
            for path in (f"/my/channel/quote/{quote.id}", "/my/channel/quotes"):
                with self.subTest(path=path, lang=code):
                    response = self.url_open(
                        path, headers={"Cookie": f"frontend_lang={code}"}, timeout=60
                    )
                    tag = re.search(r'<div class="o_channel_portal"[^>]*>', response.text)
                    self.assertTrue(tag)
                    self.assertIn(f'dir="{direction}"', tag.group(0))

    def test_customer_pdf_names_the_reseller_never_its_figures(self):
        quote = self._quote_with_lines()
        quote.with_user(self.user_a_sales).action_channel_quote_submit()
        margin = f"{quote.channel_reseller_margin:,.2f}"
        for issuer, label in (("vendor", "Your Reseller"), ("reseller", "Offered by")):
            with self.subTest(issuer=issuer):
                quote.sudo().channel_issuer = issuer
                print_quote_pdf(self, quote)
                # what wkhtmltopdf printed (the PDF's fonts are drawn as curves: no text to read)
                page, __ = self.env["ir.actions.report"]._render_qweb_html(
                    "sale.action_report_saleorder", quote.ids
                )
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.decode()))
                self.assertIn("Northwind Integrators", text)
                self.assertIn(label, text)
                for secret in (margin, "3,123.45", "Your margin", "tier discount"):
                    self.assertNotIn(secret, text)
