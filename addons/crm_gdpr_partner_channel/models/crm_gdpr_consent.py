from odoo import api, models


class CrmGdprConsent(models.Model):
    """What a partner sees of a lead is decided when it is read: a consent given or withdrawn
    shows or hides the person at once, within the same transaction too."""

    _inherit = "crm.gdpr.consent"

    def _invalidate_partner_sharing(self):
        Lead = self.env["crm.lead"]
        Lead.invalidate_model(Lead._gdpr_partner_sharing_fields())

    @api.model_create_multi
    def create(self, vals_list):
        consents = super().create(vals_list)
        consents._invalidate_partner_sharing()
        return consents

    def write(self, vals):
        res = super().write(vals)
        self._invalidate_partner_sharing()
        return res
