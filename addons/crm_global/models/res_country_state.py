from odoo import fields, models

from odoo.addons.base.models.res_partner import _tz_get


class ResCountryState(models.Model):
    _inherit = "res.country.state"

    crm_tz = fields.Selection(
        _tz_get,
        string="Time Zone",
        help="Time zone of customers in this state when they have none of their own: used by "
        "the CRM where the country spans several zones.",
    )
