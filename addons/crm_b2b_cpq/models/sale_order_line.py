import uuid

from odoo import api, fields, models

# Stored price build-up: computed by the pricing engine, never written by a user.
BUILD_UP_FIELDS = {
    "cpq_price_source",
    "cpq_price_rule_id",
    "cpq_contract_price_id",
    "cpq_tier_id",
    "cpq_tier_breakdown",
    "cpq_list_price",
    "cpq_rule_price",
    "cpq_system_price",
    "cpq_exact_price",
    "cpq_system_discount",
    "cpq_list_amount",
    "cpq_rule_amount",
    "cpq_tier_amount",
    "cpq_manual_amount",
    "cpq_tax_adjust_amount",
    "cpq_manual_discount",
}

# Line fields whose change cannot move the quotation against its policy or rules: writing only
# them does not re-check the order (stock writes technical_price_unit line by line).
PASSIVE_LINE_FIELDS = {"technical_price_unit", "name", "sequence"}

# Computed together by _compute_cpq_pricing.
CPQ_PRICING_FIELDS = (
    "cpq_price_source",
    "cpq_price_rule_id",
    "cpq_contract_price_id",
    "cpq_tier_id",
    "cpq_tier_breakdown",
    "cpq_list_price",
    "cpq_rule_price",
    "cpq_system_price",
    "cpq_exact_price",
    "cpq_system_discount",
)


class _OrderWrite:
    """Marks the line changes made by a write (or create) of orders, which re-check those
    orders themselves once done. Only the lines of these orders leave their re-check to them:
    a line of another order changed through their one2many (`(1, line_of_B, ...)`) re-checks
    its own order. An object, so that no RPC context (JSON) can carry it.

    :param order_ids: ids of the orders written, or None for orders being created (whose
        new lines are created by that create; existing lines it writes belong to others)
    """

    __slots__ = ("order_ids",)

    def __init__(self, order_ids):
        self.order_ids = frozenset(order_ids) if order_ids is not None else None

    def others(self, orders, creating):
        """The orders among `orders` that the write or create marked does not re-check."""
        if self.order_ids is None:
            return orders.browse() if creating else orders
        return orders.filtered(lambda order: order.id not in self.order_ids)


class SaleOrderLine(models.Model):
    """What every write of a line does: the build-up is the engine's (never written, never a
    default), frozen versions stay frozen, and the line's order is judged again, whichever
    order's write carried the change. With the helpers the rules and the policy read lines with.

    Pricing is in `sale_order_line_pricing`, the build-up in `sale_order_line_build_up`,
    bundles in `sale_order_line_bundle`.
    """

    _inherit = "sale.order.line"

    cpq_line_key = fields.Char(
        string="Version Key",
        default=lambda self: uuid.uuid4().hex,
        readonly=True,
        help="Shared by a line and its copies in later revisions, to compare versions.",
    )

    def _cpq_options(self):
        """The options (attribute values) the line is configured with."""
        self.ensure_one()
        return (
            self.product_id.product_template_attribute_value_ids
            | self.product_no_variant_attribute_value_ids
        )

    def _cpq_line_labels(self):
        """{line: label} naming each product line for the user: its position and product."""
        labels = {}
        number = 0
        for line in self:
            if line.display_type:
                continue
            number += 1
            labels[line] = self.env._(
                "line %(number)s (%(product)s)",
                number=number,
                product=line.product_id.display_name or line.name,
            )
        return labels

    def _cpq_product_cost(self):
        """The product's cost for this line, as sale_margin first sets it: in the line's unit of
        measure and currency."""
        self.ensure_one()
        product = self.product_id.with_company(self.company_id)
        cost = product.uom_id._compute_price(product.sudo().standard_price, self.product_uom)
        return self._convert_to_sol_currency(cost, product.cost_currency_id)

    def _cpq_policy_lines(self):
        """Lines the discount policy looks at: products a salesperson prices."""
        return self.filtered(
            lambda line: (
                line.product_id
                and not line.display_type
                and not line.is_downpayment
                and line.product_type != "combo"
                and not line._is_delivery()
                and not line._is_not_sellable_line()
            )
        )

    def _cpq_check_protected_write(self, vals_list):
        touched = sorted(
            {fname for vals in vals_list for fname in vals if fname in BUILD_UP_FIELDS}
        )
        if touched and not self.env.su:
            self.env["sale.order"]._cpq_raise_protected(touched)

    @api.model
    def default_get(self, fields_list):
        # No default (context key or ir.default) sets the price build-up: pricing computes it.
        defaults = super().default_get(fields_list)
        if not self.env.su:
            for fname in BUILD_UP_FIELDS & set(defaults):
                del defaults[fname]
        return defaults

    def _cpq_order_recheck(self, orders, creating=False):
        marker = self.env.context.get("cpq_in_order_write")
        if isinstance(marker, _OrderWrite):
            orders = marker.others(orders, creating)
        orders._cpq_after_change()

    @api.model_create_multi
    def create(self, vals_list):
        self._cpq_check_protected_write(vals_list)
        order_ids = {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        self.env["sale.order"].browse(order_ids)._cpq_check_frozen({"order_line"})
        lines = super().create(vals_list)
        self._cpq_order_recheck(lines.order_id, creating=True)
        return lines

    def write(self, vals):
        self._cpq_check_protected_write([vals])
        orders = self.order_id
        if vals.get("order_id"):
            orders |= self.env["sale.order"].browse(vals["order_id"])
        orders._cpq_check_frozen({"order_line"})
        res = super().write(vals)
        if not set(vals) <= PASSIVE_LINE_FIELDS:
            self._cpq_order_recheck(orders.exists())
        return res

    def unlink(self):
        orders = self.order_id
        orders._cpq_check_frozen({"order_line"})
        res = super().unlink()
        self._cpq_order_recheck(orders.exists())
        return res


def order_write_context(orders):
    """Context marking line changes made by a write of `orders` (None: by their create)."""
    return {"cpq_in_order_write": _OrderWrite(orders.ids if orders is not None else None)}
