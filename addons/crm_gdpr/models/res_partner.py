from odoo import fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ("res.partner", "crm.gdpr.person.mixin")

    gdpr_anonymised = fields.Boolean(
        string="Anonymised",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Personal data was removed (erasure or retention rule).",
    )
