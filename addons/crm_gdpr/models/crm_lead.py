from odoo import fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ("crm.lead", "crm.gdpr.person.mixin")

    gdpr_anonymised = fields.Boolean(
        string="Anonymised",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Personal data was removed (erasure or retention rule).",
    )
