from odoo import fields, models


class CpqApprovalRejectWizard(models.TransientModel):
    _name = "cpq.approval.reject.wizard"
    _description = "Reject a Quotation Approval"

    order_id = fields.Many2one("sale.order", string="Quotation", required=True, readonly=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.order_id.cpq_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
