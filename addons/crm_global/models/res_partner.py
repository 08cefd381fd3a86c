from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _crm_global_pricelist(self, company):
        """The customer's own pricelist in `company`: the one set on the customer (or its
        company), else the one of its country group. Stock's last fallback, the first pricelist
        of the company, says nothing about the customer and is ignored."""
        partner = self.commercial_partner_id
        if not partner:
            return self.env["product.pricelist"]
        pricelist = partner.with_company(company).sudo().specific_property_product_pricelist
        if not pricelist and partner.country_id:
            pricelist = (
                self.env["product.pricelist"]
                .sudo()
                .search(
                    [
                        ("country_group_ids.country_ids", "=", partner.country_id.id),
                        ("company_id", "in", [company.id, False]),
                    ],
                    limit=1,
                )
            )
        return pricelist
