from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def _channel_catalogue_domain(self, company):
        """Products a reseller may quote for `company`'s deals: the one catalogue the vendor
        opens to partners (crm_partner_channel's "Open to Partners"), bundles excepted by the
        caller."""
        return self._channel_partner_open_domain(company)
