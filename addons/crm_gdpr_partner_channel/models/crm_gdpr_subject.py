from odoo import api, models


class CrmGdprSubject(models.Model):
    """Restriction, objection, erasure or a new address of the person show or hide them to
    partners at once (see crm.gdpr.consent)."""

    _inherit = "crm.gdpr.subject"

    def _invalidate_partner_sharing(self):
        Lead = self.env["crm.lead"]
        Lead.invalidate_model(Lead._gdpr_partner_sharing_fields())

    @api.model_create_multi
    def create(self, vals_list):
        subjects = super().create(vals_list)
        subjects._invalidate_partner_sharing()
        return subjects

    def write(self, vals):
        res = super().write(vals)
        self._invalidate_partner_sharing()
        return res
