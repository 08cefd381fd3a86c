from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers.portal import CustomerPortal


class CpqCustomerPortal(CustomerPortal):
    """Thin routes: check access, ask the quotation what it allows, render or answer."""

    @http.route()
    def portal_order_page(self, order_id, report_type=None, access_token=None, **kwargs):
        if report_type in ("html", "pdf", "text"):
            try:
                order_sudo = self._document_check_access(
                    "sale.order", order_id, access_token=access_token
                )
            except (AccessError, MissingError):
                return request.redirect("/my")
            if order_sudo.state in ("draft", "sent") and order_sudo._cpq_blocking_reasons("print"):
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
        except (AccessError, MissingError):
            return super().portal_quote_accept(
                order_id, access_token=access_token, name=name, signature=signature
            )
        reasons = order_sudo._cpq_blocking_reasons("sign")
        if reasons:
            return {"error": "\n".join(reasons)}
        return super().portal_quote_accept(
            order_id, access_token=access_token, name=name, signature=signature
        )
