from odoo import fields, models


class CrmPublicHoliday(models.Model):
    _name = "crm.public.holiday"
    _description = "Public Holiday"
    _order = "date, country_id"

    name = fields.Char(required=True, translate=True)
    date = fields.Date(required=True, index=True)
    country_id = fields.Many2one("res.country", required=True, index=True)

    _sql_constraints = (
        ("date_country_unique", "unique(country_id, date)", "One holiday per country and day."),
    )
