from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    cpq_committee_ids = fields.One2many(
        "cpq.committee.member", "lead_id", string="Buying Committee"
    )
