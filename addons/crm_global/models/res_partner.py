import logging

import phonenumbers
import pytz
from phonenumbers import timezone as phone_timezone

from odoo import api, fields, models

from odoo.addons.base.models.res_partner import _tz_get

_logger = logging.getLogger(__name__)

TZ_SOURCES = [
    ("partner", "Set on the contact"),
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


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_tz = fields.Selection(
        _tz_get,
        string="Effective Time Zone",
        compute="_compute_crm_tz",
        store=True,
        help="The contact's time zone, or the one inferred from its state, country or phone "
        "number when none is set.",
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

    @api.depends("tz", "state_id", "state_id.crm_tz", "country_id", "phone", "mobile")
    def _compute_crm_tz(self):
        for partner in self:
            info = self._crm_infer_tz(
                tz=partner.tz,
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

    @api.model
    def _crm_infer_tz(self, tz=False, state=None, country=None, phones=()):
        """Time zone of a person from what is known of them; reusable by any addon.

        Returns a dict: ``tz`` (an IANA name or False), ``source`` (see TZ_SOURCES),
        ``confidence`` (high / medium / low / none) and ``candidates`` (list of possible zones
        when it cannot be decided). Order: the zone set on the contact; the state's zone; the
        country's zone when it has only one; the phone number's zones (restricted to the
        country's); otherwise the country's zones are the candidates to ask the customer about.
        """
        if tz:
            return self._crm_tz_result(tz, "partner", "high")
        country_zones = pytz.country_timezones.get(country.code, []) if country else []
        if state and state.crm_tz and (not country or state.country_id == country):
            return self._crm_tz_result(state.crm_tz, "state", "high")
        if len(country_zones) == 1:
            return self._crm_tz_result(country_zones[0], "country", "high")
        phone_zones = self._crm_phone_zones(phones, country)
        if country_zones and phone_zones:
            phone_zones = [zone for zone in phone_zones if zone in country_zones]
        if len(phone_zones) == 1:
            return self._crm_tz_result(phone_zones[0], "phone", "medium" if country else "low")
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
        zones = []
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
            for zone in phone_timezone.time_zones_for_number(parsed):
                if zone in pytz.all_timezones_set and zone not in zones:
                    zones.append(zone)
            if zones:
                break  # the first usable number speaks for the person
        return zones

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
