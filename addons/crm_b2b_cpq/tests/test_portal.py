import re
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import CpqCommon

# A 1x1 transparent PNG: what the portal's signature pad posts, in miniature.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@tagged("post_install", "-at_install")
class TestPortal(CpqCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Helen Park",
                "login": "cpq_helen",
                "password": "cpq_helen",
                "partner_id": cls.customer_contact.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        other_customer = cls.env["res.partner"].create(
            {"name": "Southwind Freight", "is_company": True}
        )
        cls.other_portal_user = cls.env["res.users"].create(
            {
                "name": "Tom Other",
                "login": "cpq_tom",
                "password": "cpq_tom",
                "partner_id": cls.env["res.partner"]
                .create({"name": "Tom Other", "parent_id": other_customer.id})
                .id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )
        cls.salesman.password = "cpq_rep"
        cls.approver.password = "cpq_approver"

    def _sent_quote(self, *lines, **values):
        quote = self._quote(
            list(lines) or [(self.licence, 10)],
            partner=self.customer_contact,
            require_signature=True,
            require_payment=False,
            **values,
        )
        quote.action_quotation_sent()
        quote._portal_ensure_token()
        return quote

    def _versions(self):
        quote = self._sent_quote()
        revision = self.env["sale.order"].browse(quote.action_cpq_new_revision()["res_id"])
        revision.action_quotation_sent()
        revision._portal_ensure_token()
        return quote, revision

    def _accept(self, quote, token=None):
        return self.make_jsonrpc_request(
            f"/my/orders/{quote.id}/accept",
            {
                "access_token": token or quote.access_token,
                "name": "Helen Park",
                "signature": SIGNATURE,
            },
        )

    def test_signature_confirms_prints_and_posts_once(self):
        """The route's acceptance (one transaction, see CpqCustomerPortal._cpq_accept) does what
        stock's does: signed, confirmed, one message with the signed PDF; a second signature is
        refused."""
        quote = self._sent_quote()
        result = self._accept(quote)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertIn("message=sign_ok", result["redirect_url"])
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Helen Park")
        self.assertTrue(quote.signature)
        signed = quote.message_ids.filtered(lambda message: "Order signed by" in message.body)
        self.assertEqual(len(signed), 1)
        self.assertEqual(signed.attachment_ids.mimetype, "application/pdf")
        self.assertIn("error", self._accept(quote))
        self.assertEqual(
            len(quote.message_ids.filtered(lambda message: "Order signed by" in message.body)), 1
        )

    def test_signature_prints_the_order_once(self):
        """Stock's acceptance prints the confirmed order twice in the request (for the
        confirmation email, then for the "signed" message); the route's prints it once and
        attaches the same PDF to both."""
        quote = self._sent_quote()
        Report = self.registry["ir.actions.report"]
        render = Report._render_qweb_html
        printed = []

        def counted(report_model, report_ref, docids, data=None):
            if report_model._get_report(report_ref).report_name == "sale.report_saleorder":
                printed.append(list(docids))
            return render(report_model, report_ref, docids, data=data)

        with patch.object(Report, "_render_qweb_html", counted):
            result = self._accept(quote)
        self.assertIn("message=sign_ok", result["redirect_url"])
        self.assertEqual(quote.state, "sale")
        self.assertEqual(printed, [quote.ids])
        signed = quote.message_ids.filtered(lambda message: "Order signed by" in message.body)
        confirmation = quote.message_ids.filtered(
            lambda message: message != signed and message.attachment_ids
        )
        self.assertEqual(len(confirmation), 1, "the confirmation email, with the order")
        self.assertEqual(confirmation.attachment_ids.raw, signed.attachment_ids.raw)
        self.assertTrue(signed.attachment_ids.raw)

    def test_report_reuse_needs_the_object(self):
        """The reuse is switched on by an object only code can make: the context key sent by an
        RPC call (any JSON value) prints anew."""
        quote = self._sent_quote()
        Report = self.env["ir.actions.report"].with_context(cpq_report_reuse={})
        first = Report._render_qweb_pdf("sale.action_report_saleorder", quote.ids)[0]
        quote.note = "<p>Changed after the first print</p>"
        second = Report._render_qweb_pdf("sale.action_report_saleorder", quote.ids)[0]
        self.assertNotIn(b"Changed after the first print", first)
        self.assertIn(b"Changed after the first print", second)

    # -- Versions on the portal ----------------------------------------------------------------

    def test_superseded_version_shows_the_current_one(self):
        quote, revision = self._versions()
        self.authenticate("cpq_helen", "cpq_helen")
        response = self.url_open(f"/my/orders/{quote.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cpq_superseded", response.text)
        self.assertIn(revision.name, response.text)
        self.assertIn(
            f"/my/orders/{revision.id}?access_token={revision.access_token}", response.text
        )
        self.assertNotIn('data-bs-target="#modalaccept"', response.text)
        self.assertNotIn("This quotation has been cancelled", response.text)
        # By the link of the email (token, no login), the same.
        self.authenticate(None, None)
        response = self.url_open(f"/my/orders/{quote.id}?access_token={quote.access_token}")
        self.assertIn("o_cpq_superseded", response.text)

    def test_superseded_page_right_to_left_in_arabic(self):
        arabic = self.env["res.lang"]._activate_lang("ar_001")
        if "website" in self.env:
            # With the website module (the partner portal brings it), pages are served in the
            # website's languages only: offer Arabic there, as a site serving Arabic buyers does.
            self.env["website"].search([]).language_ids |= arabic
        self.env["ir.module.module"]._load_module_terms(["crm_b2b_cpq"], ["ar_001"])
        quote, _revision = self._versions()
        self.portal_user.lang = "ar_001"
        self.authenticate("cpq_helen", "cpq_helen")
        page = self.url_open(f"/my/orders/{quote.id}").text
        banner = page[page.index("o_cpq_superseded") :][:600]
        self.assertIn('dir="rtl"', banner)
        self.assertIn("تم استبدال هذه النسخة من عرض السعر", banner)

    def test_superseded_version_cannot_be_accepted_by_route(self):
        quote, revision = self._versions()
        result = self._accept(quote)
        self.assertIn("superseded", result["error"])
        self.assertEqual(quote.state, "cancel")
        self.assertFalse(quote.signature)
        result = self._accept(revision)
        self.assertNotIn("error", result)
        self.assertEqual(revision.state, "sale")
        self.assertEqual(revision.signed_by, "Helen Park")

    def test_wrong_portal_user_cannot_reach_the_quotation(self):
        quote, revision = self._versions()
        self.authenticate("cpq_tom", "cpq_tom")
        response = self.url_open(f"/my/orders/{quote.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith("/my"))
        result = self._accept(quote, token="not-the-token")
        self.assertIn("error", result)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            quote.with_user(self.other_portal_user).read(["name"])
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            revision.with_user(self.portal_user).write({"note": "portal write"})

    # -- Approval on the portal ----------------------------------------------------------------

    def _sent_then_discounted(self):
        # A sent quotation cannot itself go beyond its approval (see test_approval_paths); a
        # policy tightened after it was sent puts it under review.
        quote = self._sent_quote((self.licence, 10, {"discount": 8.0}), (self.support, 1))
        self.policy.max_discount = 5.0
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertEqual(quote.state, "sent")
        return quote

    def test_quote_waiting_for_approval_cannot_be_signed_paid_or_printed(self):
        quote = self._sent_then_discounted()
        self.assertReviewPage(quote, f"?access_token={quote.access_token}")
        self.assertIn("being reviewed", self._accept(quote)["error"])
        self.assertFalse(quote.signature)
        self.assertReviewPage(quote, f"?access_token={quote.access_token}&report_type=pdf")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                f"/my/orders/{quote.id}/transaction",
                {
                    "access_token": quote.access_token,
                    "provider_id": 1,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "token_id": None,
                    "amount": quote.amount_total,
                    "flow": "redirect",
                    "tokenization_requested": False,
                    "landing_route": quote.get_portal_url(),
                },
            )
        self.assertFalse(quote.transaction_ids)

        quote.with_user(self.approver).action_cpq_approve()
        self.assertQuotePage(quote, f"?access_token={quote.access_token}")
        self.assertNotIn("error", self._accept(quote))
        self.assertEqual(quote.state, "sale")

    # -- Nothing of a quotation under review reaches the customer ------------------------------

    def assertReviewPage(self, quote, query=""):
        """The customer gets the page saying the quotation is being reviewed, nothing of it."""
        response = self.url_open(f"/my/orders/{quote.id}{query}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_cpq_quote_under_review", response.text)
        self.assertIn("is being reviewed", response.text)
        self.assertNotIn("%PDF", response.text[:10])
        for line in quote.order_line:
            self.assertNotIn(line.product_id.name, response.text)
        self.assertNotIn("o_portal_sale_sidebar", response.text)
        self.assertNotIn('data-bs-target="#modalaccept"', response.text)

    def assertQuotePage(self, quote, query=""):
        response = self.url_open(f"/my/orders/{quote.id}{query}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_cpq_quote_under_review", response.text)
        self.assertIn(quote.order_line[0].product_id.name, response.text)

    def _draft_with_link(self, discount):
        """A draft quotation whose link the salesperson pasted in the chatter (a token)."""
        quote = self._quote(
            [(self.licence, 10, {"discount": discount}), (self.support, 1)],
            partner=self.customer_contact,
        ).with_user(self.salesman)
        quote.message_subscribe(partner_ids=self.customer_contact.ids)
        quote.message_post(body=f"Here it is: {quote.get_portal_url()}")
        quote._portal_ensure_token()
        return quote

    def test_token_holder_before_and_after_approval_and_after_a_change(self):
        quote = self._draft_with_link(20.0)
        self.assertEqual(quote.approval_state, "to_approve")
        token = f"?access_token={quote.access_token}"
        self.assertReviewPage(quote, token)
        for report_type in ("pdf", "html", "text"):
            self.assertReviewPage(quote, f"{token}&report_type={report_type}&download=true")
        self.assertIn("being reviewed", self._accept(quote)["error"])
        self.assertFalse(quote.signature)
        public = quote.with_user(self.env.ref("base.public_user"))
        self.assertFalse(public._get_thread_with_access(quote.id, token=quote.access_token))
        # Declining it (the form posts with the page's CSRF token) answers the same page.
        page = self.url_open(f"/my/orders/{quote.id}{token}")
        csrf = re.search(r'csrf_token: "(\w+)"', page.text).group(1)
        declined = self.url_open(
            f"/my/orders/{quote.id}/decline{token}",
            data={"csrf_token": csrf, "decline_message": "Too expensive"},
            allow_redirects=False,
        )
        self.assertEqual(declined.status_code, 200)
        self.assertIn("o_cpq_quote_under_review", declined.text)
        self.assertEqual(quote.state, "draft")

        quote.with_user(self.approver).action_cpq_approve()
        self.assertQuotePage(quote, token)
        self.assertTrue(public._get_thread_with_access(quote.id, token=quote.access_token))
        # The quotation's report (rendered as HTML while testing), not the review page.
        report = self.url_open(f"/my/orders/{quote.id}{token}&report_type=pdf")
        self.assertEqual(report.status_code, 200)
        self.assertNotIn(b"o_cpq_quote_under_review", report.content)
        self.assertIn(self.licence.name.encode(), report.content)

        # A change beyond the approval voids it: hidden again, whatever link the customer has.
        quote.order_line[0].discount = 30.0
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertReviewPage(quote, token)
        self.assertIn("being reviewed", self._accept(quote)["error"])
        self.assertFalse(public._get_thread_with_access(quote.id, token=quote.access_token))
        # The same for the customer logged in, with or without the token.
        self.authenticate("cpq_helen", "cpq_helen")
        self.assertReviewPage(quote)
        self.assertReviewPage(quote, token)
        self.assertNotIn(quote.name, self.url_open("/my/quotes").text)

    def test_logged_in_customer_before_and_after_approval(self):
        quote = self._sent_then_discounted()
        self.authenticate("cpq_helen", "cpq_helen")
        self.assertReviewPage(quote)
        self.assertReviewPage(quote, f"?access_token={quote.access_token}")
        self.assertReviewPage(quote, "?report_type=pdf")
        self.assertIn("being reviewed", self._accept(quote)["error"])
        for url in ("/my/quotes", "/my/orders", "/my"):
            self.assertNotIn(quote.name, self.url_open(url).text, url)
        portal_orders = self.env["sale.order"].with_user(self.portal_user)
        self.assertFalse(portal_orders.search([("id", "=", quote.id)]))
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            quote.with_user(self.portal_user).read(["amount_total"])
        self.assertFalse(portal_orders._get_thread_with_access(quote.id))
        # Another customer learns nothing, not even that it is being reviewed.
        self.authenticate("cpq_tom", "cpq_tom")
        response = self.url_open(f"/my/orders/{quote.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))

        quote.with_user(self.approver).action_cpq_approve()
        self.authenticate("cpq_helen", "cpq_helen")
        self.assertQuotePage(quote)
        self.assertIn(quote.name, self.url_open("/my/quotes").text)
        self.assertTrue(portal_orders.search([("id", "=", quote.id)]))

    def test_payment_link_before_and_after_approval(self):
        """The payment link the salesperson generates (payment's /payment/pay with a payment
        access token, not the portal's) of a quotation under review: the page says it is being
        reviewed, with no payment form, reference or amount; once approved, stock's form."""
        quote = self._sent_then_discounted()
        # The salesperson generates it in the backend (the token is made in their request).
        self.authenticate("cpq_rep", "cpq_rep")
        call_kw = "/web/dataset/call_kw/payment.link.wizard"
        wizard_id = self.make_jsonrpc_request(
            f"{call_kw}/create",
            {
                "model": "payment.link.wizard",
                "method": "create",
                "args": [{}],
                "kwargs": {"context": {"active_model": "sale.order", "active_id": quote.id}},
            },
        )
        wizard = self.make_jsonrpc_request(
            f"{call_kw}/read",
            {
                "model": "payment.link.wizard",
                "method": "read",
                "args": [[wizard_id], ["link", "amount"]],
                "kwargs": {},
            },
        )[0]
        self.assertEqual(wizard["amount"], quote.amount_total)
        path = wizard["link"][wizard["link"].index("/payment/pay") :]
        self.assertIn(f"sale_order_id={quote.id}", path)
        self.assertNotIn(quote.access_token, path)
        # The amount as the monetary widget writes it (English: 1,234.00).
        amount = f"{quote.amount_total:,.{quote.currency_id.decimal_places}f}"

        def assertReviewed():
            response = self.url_open(path, allow_redirects=False)
            self.assertEqual(response.status_code, 200)
            self.assertIn("o_cpq_quote_under_review", response.text)
            self.assertIn("is being reviewed", response.text)
            self.assertNotIn("o_payment_summary_amount", response.text)
            self.assertNotIn("o_payment_form", response.text)
            self.assertNotIn(amount, response.text)
            self.assertNotIn(self.licence.name, response.text)

        self.authenticate(None, None)
        assertReviewed()
        # The customer logged in, with the same link: the same.
        self.authenticate("cpq_helen", "cpq_helen")
        assertReviewed()
        # A link whose token does not match the quotation tells nothing of it (stock's error).
        self.authenticate(None, None)
        with mute_logger("odoo.http"):
            forged = self.url_open(
                path.replace("access_token=", "access_token=0"), allow_redirects=False
            )
        self.assertNotEqual(forged.status_code, 200)
        self.assertNotIn("o_cpq_quote_under_review", forged.text)
        self.assertNotIn(quote.name, forged.text)
        self.assertFalse(quote.transaction_ids)

        quote.with_user(self.approver).action_cpq_approve()
        self.assertFalse(quote._cpq_hidden_from_customer())
        response = self.url_open(path, allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_cpq_quote_under_review", response.text)
        self.assertIn("o_payment_summary_amount", response.text)
        self.assertIn(amount, response.text)
        self.assertIn(quote.name, response.text)

    def test_the_salesperson_still_previews_it(self):
        quote = self._draft_with_link(20.0)
        self.authenticate("cpq_rep", "cpq_rep")
        response = self.url_open(f"/my/orders/{quote.id}")
        self.assertIn("o_cpq_under_review", response.text)
        self.assertIn(self.licence.name, response.text)

    def test_portal_changes_are_priced_and_checked(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        quote = self._sent_quote(
            (self.support, 1),
            sale_order_option_ids=[
                Command.create({"product_id": self.licence.id, "quantity": 9, "name": "Licences"})
            ],
        )
        option = quote.sale_order_option_ids
        self.assertEqual(option.price_unit, 100)
        self.make_jsonrpc_request(
            f"/my/orders/{quote.id}/add_option/{option.id}", {"access_token": quote.access_token}
        )
        line = quote.order_line.filtered(lambda sol: sol.product_id == self.licence)
        self.assertEqual(line.price_unit, 100)
        self.make_jsonrpc_request(
            f"/my/orders/{quote.id}/update_line_dict",
            {"access_token": quote.access_token, "line_id": line.id, "input_quantity": 12},
        )
        self.assertEqual(line.product_uom_qty, 12)
        self.assertEqual(line.price_unit, 90)
        self.assertEqual(line.cpq_tier_id.min_quantity, 10)
        self.assertEqual(quote.approval_state, "not_required")
        self.assertBuildUpAddsUp(line)

    # -- RPC cannot bypass anything ----------------------------------------------------------------

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_rpc_cannot_approve_or_write_approval_fields(self):
        quote = self._quote([(self.licence, 10, {"discount": 30.0})])
        self.assertEqual(quote.approval_state, "to_approve")
        self.authenticate("cpq_rep", "cpq_rep")
        attempts = [
            ("sale.order", "write", [quote.ids, {"approval_state": "approved"}]),
            ("sale.order", "write", [quote.ids, {"approval_max_discount": 90}]),
            ("sale.order", "action_cpq_approve", [quote.ids]),
            (
                "sale.order",
                "create",
                [{"partner_id": self.customer.id, "approval_state": "approved"}],
            ),
            ("sale.order.line", "write", [quote.order_line.ids, {"cpq_system_price": 70.0}]),
            ("sale.order", "action_quotation_sent", [quote.ids]),
            ("sale.order", "action_confirm", [quote.ids]),
        ]
        for model, method, args in attempts:
            with (
                self.subTest(method=method, args=args),
                self.assertRaises(JsonRpcException),
                mute_logger("odoo.http"),
            ):
                self._call(model, method, args)
        self.assertEqual(quote.approval_state, "to_approve")
        self.assertEqual(quote.state, "draft")

        self.authenticate("cpq_approver", "cpq_approver")
        self._call("sale.order", "action_cpq_approve", [quote.ids])
        self.assertEqual(quote.approval_state, "approved")

    # -- The customer's tour -------------------------------------------------------------------

    def test_tour_customer_accepts_current_version_after_seeing_superseded(self):
        quote, revision = self._versions()
        self.start_tour(
            f"/my/orders/{quote.id}?access_token={quote.access_token}",
            "crm_b2b_cpq_portal_superseded",
            login="cpq_helen",
        )
        self.assertEqual(revision.state, "sale")
        self.assertTrue(revision.signature)
        self.assertEqual(quote.state, "cancel")
