from odoo import models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    """Configurable bundles (stock combo products): a component priced per component or as a share
    of the bundle's price, and the bundle's completeness (one component per choice, at the
    bundle's quantity)."""

    _inherit = "sale.order.line"

    def _cpq_component_priced(self):
        """A component line of a bundle priced per component."""
        self.ensure_one()
        return bool(
            self.combo_item_id
            and self._get_linked_line().product_id.product_tmpl_id.cpq_bundle_pricing == "component"
        )

    def _get_display_price(self):
        if self.combo_item_id and self._cpq_component_priced():
            return self._get_display_price_ignore_combo()
        return super()._get_display_price()

    def _cpq_bundle_issues(self, labels):
        """A bundle needs one component for each of its choices, at the bundle's quantity."""
        issues = []
        precision = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        for bundle in self.filtered(lambda line: line.product_type == "combo"):
            components = self.filtered(
                lambda line, bundle=bundle: line.combo_item_id and line._get_linked_line() == bundle
            )
            chosen = components.combo_item_id.combo_id
            missing = bundle.product_id.product_tmpl_id.combo_ids - chosen
            label = labels.get(bundle, bundle.name)
            if missing:
                issues.append(
                    self.env._(
                        "Bundle %(bundle)s has no component chosen for %(choices)s. Choose one.",
                        bundle=label,
                        choices=", ".join(missing.mapped("name")),
                    )
                )
            if len(components) > len(chosen):
                issues.append(
                    self.env._(
                        "Bundle %(bundle)s has more than one component for the same choice. "
                        "Keep one per choice.",
                        bundle=label,
                    )
                )
            wrong = components.filtered(
                lambda line, bundle=bundle: float_compare(
                    line.product_uom_qty, bundle.product_uom_qty, precision_digits=precision
                )
            )
            if wrong:
                issues.append(
                    self.env._(
                        "Bundle %(bundle)s: components %(lines)s must have the bundle's quantity.",
                        bundle=label,
                        lines=", ".join(labels.get(line, line.name) for line in wrong),
                    )
                )
        return issues
