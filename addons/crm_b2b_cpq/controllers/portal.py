import binascii

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.sale.controllers.portal import CustomerPortal
from odoo.addons.sale.controllers.portal import PaymentPortal as SalePaymentPortal

from ..models.ir_actions_report import ReportReuse


class CpqQuoteUnderReview(AccessError):
    """The customer asked for a quotation that is being reviewed (see sale_order_portal)."""

    def __init__(self, order_sudo):
        super().__init__(
            order_sudo.env._(
                "Quotation %(name)s is being reviewed: you will be able to see and accept it as "
                "soon as it is ready.",
                name=order_sudo.name,
            )
        )
        self.order_sudo = order_sudo


def _render_under_review(order_sudo):
    """The page telling the customer that the quotation is being reviewed: its reference and
    company, nothing else of it."""
    lang = request.env["res.lang"]._get_data(code=request.env.lang)
    return request.render(
        "crm_b2b_cpq.portal_order_under_review",
        {
            "order_name": order_sudo.name,
            "company": order_sudo.company_id,
            "cpq_dir": lang.direction or "ltr",
        },
    )


class CpqCustomerPortal(CustomerPortal):
    """Thin routes: check access, ask the quotation what it allows, render or answer."""

    def _document_check_access(self, model_name, document_id, access_token=None):
        # Every customer route of a quotation (page, PDF, accept, decline, pay, documents,
        # options) checks access here, with or without a token: a quotation hidden from the
        # customer is refused to the portal and the public user (internal users preview it).
        try:
            document_sudo = super()._document_check_access(
                model_name, document_id, access_token=access_token
            )
        except AccessError:
            if model_name == "sale.order":
                # The record rule hid it from a logged-in customer: say why.
                order_sudo = request.env["sale.order"].sudo().browse(document_id)
                if order_sudo._cpq_customer_of(request.env.user) and (
                    order_sudo._cpq_hidden_from_customer()
                ):
                    raise CpqQuoteUnderReview(order_sudo) from None
            raise
        if (
            model_name == "sale.order"
            and not request.env.user._is_internal()
            and document_sudo._cpq_hidden_from_customer()
        ):
            raise CpqQuoteUnderReview(document_sudo)
        return document_sudo

    def _cpq_render_under_review(self, order_sudo):
        return _render_under_review(order_sudo)

    @http.route()
    def portal_order_page(self, order_id, report_type=None, access_token=None, **kwargs):
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except CpqQuoteUnderReview as review:
            return self._cpq_render_under_review(review.order_sudo)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if (
            report_type in ("html", "pdf", "text")
            and order_sudo.state in ("draft", "sent")
            and order_sudo._cpq_blocking_reasons("print")
        ):
            return request.redirect(
                order_sudo.get_portal_url(query_string="&message=cpq_not_printable")
            )
        return super().portal_order_page(
            order_id, report_type=report_type, access_token=access_token, **kwargs
        )

    @http.route()
    def portal_quote_accept(self, order_id, access_token=None, name=None, signature=None):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except CpqQuoteUnderReview as review:
            return {"error": str(review)}
        except (AccessError, MissingError):
            return super().portal_quote_accept(
                order_id, access_token=access_token, name=name, signature=signature
            )
        if not order_sudo._cpq_lock_for_signature():
            return {
                "error": request.env._(
                    "Someone is signing this quotation at this very moment. Reload the page in "
                    "a minute to see it."
                )
            }
        reasons = order_sudo._cpq_blocking_reasons("sign")
        if reasons:
            return {"error": "\n".join(reasons)}
        return self._cpq_accept(order_sudo, name, signature)

    def _cpq_accept(self, order_sudo, name, signature):
        """Stock's acceptance (sale's portal_quote_accept, access already checked), in one
        transaction. Stock commits the signature before it confirms the order and prints it: a
        request that dies in between (a worker killed by limit_time_real while wkhtmltopdf
        prints, under load: make load found quotations signed and never confirmed, and their
        customers without an answer) leaves half of it. Here it leaves nothing, and the
        customer signs again."""
        _ = request.env._
        if not order_sudo._has_to_be_signed():
            return {"error": _("The order is not in a state requiring customer signature.")}
        if not signature:
            return {"error": _("Signature is missing.")}
        try:
            order_sudo.write(
                {"signed_by": name, "signed_on": fields.Datetime.now(), "signature": signature}
            )
            order_sudo.flush_recordset(["signed_by", "signed_on", "signature"])
        except (TypeError, binascii.Error):
            request.env.cr.rollback()
            return {"error": _("Invalid signature data.")}
        # the confirmed order is printed once, for the confirmation email, and that PDF is the
        # one attached to the "signed" message (stock prints it twice, in the same request)
        reuse = ReportReuse()
        if not order_sudo._has_to_be_paid():
            order_sudo.with_context(cpq_report_reuse=reuse)._validate_order()
        pdf = (
            request.env["ir.actions.report"]
            .sudo()
            .with_context(cpq_report_reuse=reuse)
            ._render_qweb_pdf("sale.action_report_saleorder", [order_sudo.id])[0]
        )
        order_sudo.message_post(
            attachments=[(f"{order_sudo.name}.pdf", pdf)],
            author_id=(
                order_sudo.partner_id.id
                if request.env.user._is_public()
                else request.env.user.partner_id.id
            ),
            body=_("Order signed by %s", name),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        query_string = "&message=sign_ok"
        if order_sudo._has_to_be_paid():
            query_string += "&allow_payment=yes"
        return {
            "force_refresh": True,
            "redirect_url": order_sudo.get_portal_url(query_string=query_string),
        }

    @http.route()
    def portal_quote_decline(self, order_id, access_token=None, decline_message=None, **kwargs):
        try:
            self._document_check_access("sale.order", order_id, access_token=access_token)
        except CpqQuoteUnderReview as review:
            return self._cpq_render_under_review(review.order_sudo)
        except (AccessError, MissingError):
            # Stock answers a refused access its own way.
            return super().portal_quote_decline(
                order_id, access_token=access_token, decline_message=decline_message, **kwargs
            )
        return super().portal_quote_decline(
            order_id, access_token=access_token, decline_message=decline_message, **kwargs
        )


class CpqPaymentPortal(SalePaymentPortal):
    @http.route()
    def payment_pay(self, *args, amount=None, sale_order_id=None, access_token=None, **kwargs):
        # The payment link of a quotation (`payment.link.wizard`: a payment access token, not
        # the portal's, so `_document_check_access` is not what lets it in): while the
        # quotation is hidden from its customer, the page says it is being reviewed and shows
        # no payment form, reference or amount (no transaction can be made for it either, see
        # `payment.transaction`). A link whose token does not match answers stock's error.
        order_id = self._cast_as_int(sale_order_id)
        if order_id and not request.env.user._is_internal():
            order_sudo = request.env["sale.order"].sudo().browse(order_id).exists()
            if (
                order_sudo
                and order_sudo._cpq_hidden_from_customer()
                and payment_utils.check_access_token(
                    access_token,
                    order_sudo.partner_invoice_id.id,
                    self._cast_as_float(amount),
                    order_sudo.currency_id.id,
                )
            ):
                return _render_under_review(order_sudo)
        return super().payment_pay(
            *args,
            amount=amount,
            sale_order_id=sale_order_id,
            access_token=access_token,
            **kwargs,
        )
