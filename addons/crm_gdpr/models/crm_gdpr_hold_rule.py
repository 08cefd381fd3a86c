from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmGdprHoldRule(models.Model):
    """How long tax and accounting law makes a company keep invoices, per country. Erasing a
    person with posted invoices keeps what this law requires until the hold ends."""

    _name = "crm.gdpr.hold.rule"
    _description = "Legal Retention Rule"
    _order = "country_id, id"

    country_id = fields.Many2one(
        "res.country", help="Leave empty for the rule used when no country rule applies."
    )
    years = fields.Integer(
        string="Keep For (years)",
        required=True,
        default=10,
        help="Counted from the date of the person's last posted invoice.",
    )
    legal_reference = fields.Char(help="The law that sets this period.")
    active = fields.Boolean(default=True)

    _sql_constraints = (
        ("country_unique", "UNIQUE(country_id)", "One retention rule per country."),
    )

    @api.constrains("years")
    def _check_years(self):
        for rule in self:
            if rule.years < 1:
                raise ValidationError(self.env._("A legal retention lasts one year at least."))

    @api.depends("country_id", "years")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = self.env._(
                "%(country)s: %(years)s years",
                country=rule.country_id.name or self.env._("Default"),
                years=rule.years,
            )

    @api.model
    def _for_country(self, country):
        rules = self.search([("country_id", "in", [country.id, False])])
        return rules.filtered("country_id")[:1] or rules[:1]
