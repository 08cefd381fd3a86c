from datetime import datetime

import pytz

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request


class CrmBookingController(http.Controller):
    """Public self-booking pages: check the signed link, call one model method, render.

    GET pages are read-only: the slots (in the zone the visitor's browser reported or they
    chose, ``?tz=``), the confirm step (``?start=``), rescheduling (``?reschedule=1``) and the
    question before cancelling (``?cancel=1``). Only POSTs change anything.
    """

    def _localize(self, link):
        """The customer's language for everything the page shows, messages included: set
        before slots are labelled or a booking is attempted."""
        lang = link.partner_id.lang if link else False
        if not lang or not request.env["res.lang"]._get_data(code=lang).code:
            lang = request.env.lang or "en_US"
        request.update_context(lang=lang)
        return link.with_context(lang=lang), lang

    def _render(self, link, status, tz=None, **values):
        link, lang = self._localize(link)
        tz_name = link._crm_display_tz(tz) if link else "UTC"
        return request.render(
            "crm_global.booking_page",
            {
                "link": link,
                "status": status,
                "tz_name": tz_name,
                "tz_chosen": bool(tz and tz in pytz.all_timezones_set),
                "zones": pytz.common_timezones,
                "lang": lang,
                **values,
            },
            status=404 if status == "invalid" else 200,
        )

    @staticmethod
    def _parse_start(start):
        try:
            return datetime.strptime(start or "", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None

    def _slot_values(self, link, tz, start=None):
        """Slots by day, or the confirm step when `start` is one of them."""
        tz_name = link._crm_display_tz(tz)
        slots = link._crm_free_slots(tz_name)
        chosen = self._parse_start(start)
        if chosen and any(slot["start"] == chosen for slot in slots):
            return {
                "confirm": {"start": start, "label": link._crm_slot_label(chosen, tz_name)},
                "name": link.partner_id.name,
                "email": link.partner_id.email,
            }
        return {"days": link._crm_slots_by_day(slots, tz_name)}

    @http.route(
        "/crm/book/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        readonly=True,
    )
    def booking_page(self, link_id, token, tz=None, start=None, reschedule=None, cancel=None, **kw):
        link, status = request.env["crm.booking.link"]._crm_resolve(link_id, token)
        link, _lang = self._localize(link)
        values = {"token": token}
        if status == "open" or (status == "booked" and reschedule):
            values.update(self._slot_values(link, tz, start))
            values["reschedule"] = status == "booked"
            status = "open"
        elif status == "booked" and cancel:
            values["ask_cancel"] = True
        return self._render(link, status, tz=tz, **values)

    @http.route(
        "/crm/book/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def booking_confirm(
        self,
        link_id,
        token,
        start=None,
        tz=None,
        name=None,
        email=None,
        note=None,
        browser_tz=None,
        reschedule=None,
        **kwargs,
    ):
        link, status = request.env["crm.booking.link"]._crm_resolve(link_id, token)
        link, _lang = self._localize(link)
        if status != "open" and not (status == "booked" and reschedule):
            return self._render(link, status, tz=tz, token=token)
        start_utc = self._parse_start(start)
        try:
            if not start_utc:
                raise UserError(link.env._("Please pick one of the times shown."))
            link._crm_book(
                start_utc, tz_name=tz, name=name, email=email, note=note, browser_tz=browser_tz
            )
        except UserError as error:
            request.env.cr.rollback()
            link = link.browse(link.id)
            return self._render(
                link,
                "open",
                tz=tz,
                token=token,
                error=error.args[0],
                reschedule=link.state == "booked",
                days=link._crm_slots_by_day(link._crm_free_slots(tz), tz),
            )
        return request.redirect(link._crm_booking_path())

    @http.route(
        "/crm/book/<int:link_id>/<string:token>/cancel",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def booking_cancel(self, link_id, token, **kwargs):
        link, status = request.env["crm.booking.link"]._crm_resolve(link_id, token)
        link, _lang = self._localize(link)
        if status != "booked":
            return self._render(link, status, token=token)
        try:
            link._crm_cancel()
        except UserError as error:
            request.env.cr.rollback()
            return self._render(link.browse(link.id), "booked", token=token, error=error.args[0])
        return request.redirect(link._crm_booking_path())
