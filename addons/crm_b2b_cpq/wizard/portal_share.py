from odoo import api, models


class PortalShare(models.TransientModel):
    _inherit = "portal.share"

    @api.model
    def default_get(self, fields):
        self._cpq_check_shareable(self.env.context.get("active_model"), self.env.context)
        return super().default_get(fields)

    def action_send_mail(self):
        for wizard in self:
            self._cpq_check_shareable(wizard.res_model, {"active_id": wizard.res_id})
        return super().action_send_mail()

    def _cpq_check_shareable(self, res_model, context):
        """A quotation that cannot be sent to the customer cannot have its link shared either:
        the portal link is the quotation."""
        if res_model != "sale.order" or not context.get("active_id"):
            return
        order = self.env["sale.order"].browse(context["active_id"]).exists()
        if order.state in ("draft", "sent"):
            order._cpq_after_change()
            order._cpq_check_allowed("send")
