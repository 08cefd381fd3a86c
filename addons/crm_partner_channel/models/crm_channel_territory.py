import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_ZIP_CLEAN = re.compile(r"[^0-9A-Z]")


def normalize_zip(zip_code):
    """Upper case, without spaces or dashes: '75 011' and '75011' match the same range."""
    return _ZIP_CLEAN.sub("", (zip_code or "").upper())


class CrmChannelTerritory(models.Model):
    """A territory covered by partners: countries, states and a zip range. A zip range compares
    the first characters of a zip code, so '750'-'759' covers every zip of Paris."""

    _name = "crm.channel.territory"
    _description = "Channel Territory"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    country_ids = fields.Many2many(
        "res.country",
        "crm_channel_territory_country_rel",
        "territory_id",
        "country_id",
        string="Countries",
    )
    state_ids = fields.Many2many(
        "res.country.state",
        "crm_channel_territory_state_rel",
        "territory_id",
        "state_id",
        string="States",
        domain="[('country_id', 'in', country_ids)]",
    )
    zip_from = fields.Char(help="First zip prefix of the range, e.g. 750.")
    zip_to = fields.Char(help="Last zip prefix of the range, e.g. 759.")
    partner_ids = fields.Many2many(
        "res.partner",
        "crm_channel_territory_partner_rel",
        "territory_id",
        "partner_id",
        string="Partners",
    )

    @api.constrains("zip_from", "zip_to")
    def _check_zip_range(self):
        for territory in self:
            zip_from, zip_to = normalize_zip(territory.zip_from), normalize_zip(territory.zip_to)
            if bool(zip_from) != bool(zip_to):
                raise ValidationError(
                    self.env._(
                        "Territory %s: give both ends of the zip range, or neither.",
                        territory.name,
                    )
                )
            if zip_from and len(zip_from) != len(zip_to):
                raise ValidationError(
                    self.env._(
                        "Territory %s: both ends of the zip range must have the same length "
                        "(e.g. 750 to 759).",
                        territory.name,
                    )
                )
            if zip_from and zip_from > zip_to:
                raise ValidationError(
                    self.env._(
                        "Territory %s: the zip range starts after it ends; swap its ends.",
                        territory.name,
                    )
                )

    @api.constrains("country_ids", "state_ids")
    def _check_states_in_countries(self):
        for territory in self:
            if territory.country_ids and (territory.state_ids.country_id - territory.country_ids):
                raise ValidationError(
                    self.env._(
                        "Territory %s: its states must belong to its countries.", territory.name
                    )
                )

    def _channel_matcher(self):
        """A plain-Python description of the territory, to match many leads without queries."""
        self.ensure_one()
        return {
            "countries": set(self.country_ids.ids),
            "states": set(self.state_ids.ids),
            "zip_from": normalize_zip(self.zip_from),
            "zip_to": normalize_zip(self.zip_to),
        }

    @staticmethod
    def _channel_match(matcher, country_id, state_id, zip_code):
        if matcher["countries"] and country_id not in matcher["countries"]:
            return False
        if matcher["states"] and state_id not in matcher["states"]:
            return False
        if matcher["zip_from"]:
            prefix = normalize_zip(zip_code)[: len(matcher["zip_from"])]
            if len(prefix) < len(matcher["zip_from"]):
                return False
            return matcher["zip_from"] <= prefix <= matcher["zip_to"]
        return True
