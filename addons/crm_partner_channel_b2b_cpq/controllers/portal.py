import re

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.crm_partner_channel.controllers.portal import ChannelPortal

# Form keys of the quote editor: <field>_<line id> or <field>_new
_LINE_KEY = re.compile(r"^([a-z_]+?)_(\d+|new\d*)$")
_FORM_FIELDS = {
    "product": "product",
    "qty": "qty",
    "discount": "discount",
    "options": "options",
    "remove": "remove",
}


class ChannelQuotePortal(ChannelPortal):
    """Resellers' quotes in the portal. Each route checks access through the model (the deal's
    access decision of crm_partner_channel), calls one model method and renders; a refused or
    tampered request gets a message on the page and changes nothing."""

    def _channel_quote_error_page(self, error):
        return request.render(
            "crm_partner_channel_b2b_cpq.portal_channel_quotes",
            self._channel_values(
                quotes=request.env["sale.order"]._channel_portal_quotes(),
                page_name="channel_quotes",
                error=error,
            ),
        )

    def _channel_quote(self, quote_id):
        """The quote (sudo) after the explicit channel check; AccessError otherwise."""
        try:
            quote_id = int(quote_id)
        except (TypeError, ValueError):
            quote_id = 0
        return request.env["sale.order"].browse(quote_id)._channel_quote_check_access()

    def _channel_render_quote(self, quote, error=None, message=None):
        return request.render(
            "crm_partner_channel_b2b_cpq.portal_channel_quote",
            self._channel_values(
                quote=quote, error=error, message=message, page_name="channel_quote"
            ),
        )

    @staticmethod
    def _channel_quote_form_lines():
        """The editor's form as {line key: {field: value}}; keys it does not know are passed
        on as they are, for the model to refuse."""
        form = request.httprequest.form
        lines = {}
        for key in form:
            if key == "csrf_token":
                continue
            match = _LINE_KEY.match(key)
            if not match:
                lines.setdefault("new", {})[key] = form.get(key)
                continue
            field, line_key = match.groups()
            field = _FORM_FIELDS.get(field, field)
            lines.setdefault(line_key, {})[field] = (
                form.getlist(key) if field == "options" else form.get(key)
            )
        return lines

    @http.route("/my/channel/quotes", type="http", auth="user", website=True, readonly=True)
    def portal_channel_quotes(self, **kw):
        try:
            quotes = request.env["sale.order"]._channel_portal_quotes()
        except AccessError:
            return request.redirect("/my")
        return request.render(
            "crm_partner_channel_b2b_cpq.portal_channel_quotes",
            self._channel_values(quotes=quotes, page_name="channel_quotes"),
        )

    @http.route(
        "/my/opportunity/<int:lead_id>/quote",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_new_quote(self, lead_id, **kw):
        lead = request.env["crm.lead"].browse(lead_id)
        try:
            quote = lead.action_channel_new_quote()
        except (AccessError, UserError) as error:
            request.env.cr.rollback()
            return self._channel_quote_error_page(error.args[0])
        return request.redirect(f"/my/channel/quote/{quote.id}")

    @http.route(
        "/my/channel/quote/<int:quote_id>", type="http", auth="user", website=True, readonly=True
    )
    def portal_channel_quote(self, quote_id, message=None, **kw):
        try:
            quote = self._channel_quote(quote_id)
        except AccessError as error:
            return self._channel_quote_error_page(error.args[0])
        messages = {
            "saved": request.env._("Saved: prices computed by the vendor's pricing."),
            "sent": request.env._("Sent to the customer."),
            "to_approve": request.env._(
                "Submitted: the vendor's approver decides; the quote goes to the customer once "
                "approved."
            ),
        }
        return self._channel_render_quote(quote, message=messages.get(message))

    def _channel_quote_action(self, quote_id, method, *args):
        """Run `method` on the quote as the reseller; (result, None) or (None, the page with
        the message) when refused (nothing changed: the transaction is rolled back)."""
        try:
            quote = self._channel_quote(quote_id)
        except AccessError as error:
            return None, self._channel_quote_error_page(error.args[0])
        try:
            return getattr(quote.sudo(False), method)(*args), None
        except (AccessError, UserError) as error:
            request.env.cr.rollback()
            return None, self._channel_render_quote(
                self._channel_quote(quote_id), error=error.args[0]
            )

    @http.route(
        "/my/channel/quote/<int:quote_id>/save",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_quote_save(self, quote_id, **kw):
        __, page = self._channel_quote_action(
            quote_id, "_channel_quote_save", self._channel_quote_form_lines()
        )
        return page or request.redirect(f"/my/channel/quote/{quote_id}?message=saved")

    @http.route(
        "/my/channel/quote/<int:quote_id>/submit",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_quote_submit(self, quote_id, **kw):
        result, page = self._channel_quote_action(quote_id, "action_channel_quote_submit")
        return page or request.redirect(f"/my/channel/quote/{quote_id}?message={result}")
