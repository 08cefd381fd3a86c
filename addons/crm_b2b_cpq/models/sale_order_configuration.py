from odoo import api, fields, models


class SaleOrder(models.Model):
    """Configuration rules and bundles: a quotation that breaks a rule cannot be sent, signed,
    paid or confirmed; the message names the rule and the lines."""

    _inherit = "sale.order"

    cpq_config_issues = fields.Text(
        compute="_compute_cpq_config_issues", string="Configuration Problems"
    )

    @api.depends_context("lang")
    @api.depends(
        "order_line.product_id",
        "order_line.product_uom_qty",
        "order_line.product_no_variant_attribute_value_ids",
        "order_line.linked_line_id",
    )
    def _compute_cpq_config_issues(self):
        for order in self:
            order.cpq_config_issues = "\n".join(order._cpq_configuration_issues()) or False

    def _cpq_configuration_issues(self):
        """Every configuration rule and bundle requirement the quotation breaks, as messages."""
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: line.product_id and not line.display_type)
        if not lines:
            return []
        labels = self.order_line._cpq_line_labels()
        rules = self.env["cpq.config.rule"].search(
            [
                ("product_tmpl_id", "in", lines.product_id.product_tmpl_id.ids),
                ("company_id", "in", [False, self.company_id.id]),
            ]
        )
        return rules._check_lines(lines, labels) + lines._cpq_bundle_issues(labels)

    def _cpq_blocking_reasons(self, action):
        reasons = super()._cpq_blocking_reasons(action)
        if action != "print" and self.state in ("draft", "sent"):
            reasons += self._cpq_configuration_issues()
        return reasons
