from odoo import api, models
from odoo.exceptions import ValidationError


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        """No payment for a quotation that cannot be paid: waiting for approval, rejected,
        superseded, expired or breaking a configuration rule. Checked on the model, so that no
        route (portal, payment link, RPC) can open a transaction for it."""
        transactions = super().create(vals_list)
        # Reading the linked quotations' state to refuse; nothing is written.
        for order in transactions.sudo().sale_order_ids:
            if order.state in ("draft", "sent") or order.superseded_by_id:
                reasons = order._cpq_blocking_reasons("pay")
                if reasons:
                    raise ValidationError("\n".join(reasons))
        return transactions
