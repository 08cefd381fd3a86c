from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        values["opportunity_id"] = self.opportunity_id.id
        return values

    def _get_invoice_grouping_keys(self):
        # Orders of different deals never share an invoice: each deal's receivable stays whole.
        return super()._get_invoice_grouping_keys() + ["opportunity_id"]
