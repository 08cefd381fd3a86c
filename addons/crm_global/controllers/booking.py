from datetime import datetime

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request


class CrmBookingController(http.Controller):
    """Public self-booking pages: check the signed link, call one model method, render."""

    def _localize(self, link):
        """The customer's language for everything the page shows, messages included: set
        before slots are labelled or a booking is attempted."""
        lang = link.partner_id.lang if link else False
        if not lang or not request.env["res.lang"]._get_data(code=lang).code:
            lang = request.env.lang or "en_US"
        request.update_context(lang=lang)
        return link.with_context(lang=lang), lang

    def _render(self, link, status, **values):
        link, lang = self._localize(link)
        tz_name = link._crm_customer_tz() if link else "UTC"
        return request.render(
            "crm_global.booking_page",
            {
                "link": link,
                "status": status,
                "tz_name": tz_name,
                "lang": lang,
                **values,
            },
            status=404 if status == "invalid" else 200,
        )

    @http.route(
        "/crm/book/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def booking_page(self, link_id, token, **kwargs):
        link, status = request.env["crm.booking.link"]._crm_resolve(link_id, token)
        link, _lang = self._localize(link)
        values = {}
        if status == "open":
            values["days"] = link._crm_slots_by_day(link._crm_free_slots())
        return self._render(link, status, token=token, **values)

    @http.route(
        "/crm/book/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def booking_confirm(self, link_id, token, start=None, **kwargs):
        link, status = request.env["crm.booking.link"]._crm_resolve(link_id, token)
        link, _lang = self._localize(link)
        if status != "open":
            return self._render(link, status, token=token)
        try:
            start_utc = datetime.strptime(start or "", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            start_utc = None
        try:
            if not start_utc:
                raise UserError(link.env._("Please pick one of the times shown."))
            link._crm_book(start_utc)
        except UserError as error:
            request.env.cr.rollback()
            link = link.browse(link.id)
            return self._render(
                link,
                "open",
                token=token,
                error=error.args[0],
                days=link._crm_slots_by_day(link._crm_free_slots()),
            )
        return request.redirect(link._crm_booking_path())
