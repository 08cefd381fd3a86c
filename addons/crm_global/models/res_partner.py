import logging

import phonenumbers
import pytz
from phonenumbers import geocoder
from phonenumbers import timezone as phone_timezone

from odoo import api, fields, models

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import tz as tz_tools

_logger = logging.getLogger(__name__)

TZ_SOURCES = [
    ("partner", "Set on the contact"),
    ("browser", "Reported by the customer's browser"),
    ("state", "From the state"),
    ("country", "From the country"),
    ("phone", "From the phone number"),
    ("ambiguous", "Several possible: to ask"),
    ("unknown", "Unknown"),
]
TZ_CONFIDENCES = [
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
    ("none", "None"),
]
# Who vouches for res.partner.tz: a person, or the customer's own browser on a page of ours.
# Empty: stock's default (the creating user's zone, copied on create and on lead conversion),
# which says nothing about the contact.
TZ_ORIGINS = [
    ("partner", "Set by a person"),
    ("browser", "Reported by the customer's browser"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_tz_origin = fields.Selection(
        TZ_ORIGINS,
        string="Time Zone Set By",
        readonly=True,
        help="Whether the time zone of the contact was set by a person or reported by the "
        "customer's browser. Empty when it is only the default stock gives a new contact (the "
        "zone of the user who created it): the CRM then infers the zone instead.",
    )
    crm_tz = fields.Selection(
        _tz_get,
        string="Effective Time Zone",
        compute="_compute_crm_tz",
        store=True,
        help="The contact's time zone when a person set it (or the customer's browser reported "
        "it), else the one inferred from its state, country or phone number.",
    )
    crm_tz_source = fields.Selection(
        TZ_SOURCES, string="Time Zone Source", compute="_compute_crm_tz", store=True
    )
    crm_tz_confidence = fields.Selection(
        TZ_CONFIDENCES, string="Time Zone Confidence", compute="_compute_crm_tz", store=True
    )
    crm_tz_candidates = fields.Char(
        "Possible Time Zones",
        compute="_compute_crm_tz",
        store=True,
        help="Zones the contact may be in when the country spans several and nothing tells "
        "which one: ask the customer.",
    )

    @api.depends(
        "tz", "crm_tz_origin", "state_id", "state_id.crm_tz", "country_id", "phone", "mobile"
    )
    def _compute_crm_tz(self):
        for partner in self:
            info = self._crm_infer_tz(
                tz=partner.tz if partner.crm_tz_origin else False,
                tz_origin=partner.crm_tz_origin,
                state=partner.state_id,
                country=partner.country_id,
                phones=(partner.phone, partner.mobile),
            )
            partner.update(
                {
                    "crm_tz": info["tz"],
                    "crm_tz_source": info["source"],
                    "crm_tz_confidence": info["confidence"],
                    "crm_tz_candidates": ", ".join(info["candidates"]) or False,
                }
            )

    # ------------------------------------------------------------
    # Evidence: who set the zone
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """A zone given at creation is evidence unless it is the default stock would have put
        there anyway (the creating user's zone, from the context or a default): forms send
        their defaults back, and lead conversion creates contacts with the user's context."""
        default_tz = None
        for vals in vals_list:
            if "crm_tz_origin" in vals or not vals.get("tz"):
                continue
            if default_tz is None:
                default_tz = self.default_get(["tz"]).get("tz") or False
            if vals["tz"] != default_tz:
                vals["crm_tz_origin"] = self.env.context.get("crm_tz_origin") or "partner"
        return super().create(vals_list)

    def write(self, vals):
        """Whoever writes the zone vouches for it (a person in a form, an import, the lead's
        customer time zone); our booking page says it is the customer's browser."""
        if "tz" in vals and "crm_tz_origin" not in vals:
            vals = dict(vals)
            vals["crm_tz_origin"] = (
                (self.env.context.get("crm_tz_origin") or "partner") if vals["tz"] else False
            )
        return super().write(vals)

    def _crm_set_browser_tz(self, tz_name):
        """The customer's browser reported `tz_name` on a page of ours: it becomes the contact's
        zone unless a person already set one (a customer travelling does not move the office)."""
        if tz_name not in pytz.all_timezones_set:
            return
        for partner in self.filtered(lambda p: p.crm_tz_origin != "partner"):
            partner.with_context(crm_tz_origin="browser").tz = tz_tools.canonical_zone(tz_name)

    # ------------------------------------------------------------
    # Inference
    # ------------------------------------------------------------

    @api.model
    def _crm_infer_tz(self, tz=False, state=None, country=None, phones=(), tz_origin="partner"):
        """Time zone of a person from what is known of them; reusable by any addon.

        Returns a dict: ``tz`` (a canonical IANA name or False), ``source`` (see TZ_SOURCES),
        ``confidence`` (high / medium / low / none) and ``candidates`` (list of possible zones
        when it cannot be decided). ``tz`` is a zone a person set (or the customer's browser
        reported, ``tz_origin="browser"``); never pass stock's creator default. Then, most
        precise first: the country when all its zones keep one clock; the phone's area code when
        it lies in the contact's state (+1 915 is El Paso, Texas: Denver time, where the state
        says Chicago); the state's zone; the phone's zone within the country; otherwise the
        zones to ask the customer about.
        """
        code = country.code if country else None
        if tz:
            source = "browser" if tz_origin == "browser" else "partner"
            return self._crm_tz_result(tz_tools.canonical_zone(tz, code), source, "high")
        country_zones = list(pytz.country_timezones.get(code, [])) if code else []
        country_clock = tz_tools.one_clock(country_zones)
        if country_clock:
            return self._crm_tz_result(country_clock, "country", "high")
        if state and (not country or state.country_id != country):
            state = None
        phone_zones, phone_places = self._crm_phone_zones(phones, country)
        if country_zones:
            phone_zones = [zone for zone in phone_zones if zone in country_zones]
        phone_clock = tz_tools.one_clock(phone_zones)
        if state and state.crm_tz:
            if phone_clock and self._crm_place_in_state(phone_places, state):
                return self._crm_tz_result(phone_clock, "phone", "high")
            return self._crm_tz_result(state.crm_tz, "state", "high")
        if phone_clock:
            return self._crm_tz_result(phone_clock, "phone", "medium" if country else "low")
        candidates = phone_zones or country_zones
        if candidates:
            return self._crm_tz_result(False, "ambiguous", "none", candidates)
        return self._crm_tz_result(False, "unknown", "none")

    @api.model
    def _crm_tz_result(self, tz, source, confidence, candidates=()):
        return {
            "tz": tz,
            "source": source,
            "confidence": confidence,
            "candidates": list(candidates),
        }

    @api.model
    def _crm_phone_zones(self, phones, country=None):
        """(zones, places) of the first usable number: its canonical zones and where the
        numbering plan places it ("Texas", "Chicago, IL"), in English."""
        region = country.code if country else None
        for number in phones:
            if not number:
                continue
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_possible_number(parsed):
                continue
            number_region = phonenumbers.region_code_for_number(parsed) or region
            zones = []
            for name in phone_timezone.time_zones_for_number(parsed):
                if name not in pytz.all_timezones_set:
                    continue
                name = tz_tools.canonical_zone(name, number_region)
                if name not in zones:
                    zones.append(name)
            if zones:
                # the first usable number speaks for the person
                return zones, geocoder.description_for_number(parsed, "en") or ""
        return [], ""

    @api.model
    def _crm_place_in_state(self, place, state):
        """Whether the numbering plan's place ("Texas", "El Paso, TX") lies in `state`."""
        if not place:
            return False
        place = place.strip()
        names = {state.with_context(lang="en_US").name, state.name}
        return place in names or (bool(state.code) and place.endswith(f", {state.code}"))

    def _crm_global_pricelist(self, company):
        """The customer's own pricelist in `company`: the one set on the customer (or its
        company), else the one of its country group. Stock's last fallback, the first pricelist
        of the company, says nothing about the customer and is ignored."""
        partner = self.commercial_partner_id
        if not partner:
            return self.env["product.pricelist"]
        pricelist = partner.with_company(company).sudo().specific_property_product_pricelist
        if not pricelist and partner.country_id:
            pricelist = (
                self.env["product.pricelist"]
                .sudo()
                .search(
                    [
                        ("country_group_ids.country_ids", "=", partner.country_id.id),
                        ("company_id", "in", [company.id, False]),
                    ],
                    limit=1,
                )
            )
        return pricelist
