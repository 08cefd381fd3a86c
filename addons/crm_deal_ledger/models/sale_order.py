from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # Indexed: the deal ledger reads a deal's orders by opportunity.
    opportunity_id = fields.Many2one(index="btree_not_null")

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        values["opportunity_id"] = self.opportunity_id.id
        return values

    def _get_invoice_grouping_keys(self):
        # Orders of different deals never share an invoice: each deal's receivable stays whole.
        return super()._get_invoice_grouping_keys() + ["opportunity_id"]
