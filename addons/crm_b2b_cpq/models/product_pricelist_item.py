import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

# Asks `_compute_price` for the rule's price without tiers (for the price build-up). An object,
# so that no RPC context (JSON) can carry it.
_WITHOUT_TIERS = object()

TIER_MODES = [
    ("volume", "Volume: all units at the reached tier's price"),
    ("graduated", "Graduated: each tier's units at that tier's price"),
    ("block", "Block: a fixed price per block of units"),
]


class ProductPricelistItem(models.Model):
    """Quantity tiers on pricelist rules. The tiers act inside the rule's own price computation
    (`_compute_price`), so every path that prices through the pricelist engine gets them: the
    quotation form, a create through RPC, the portal, the product catalog."""

    _inherit = "product.pricelist.item"

    cpq_tier_mode = fields.Selection(
        TIER_MODES,
        string="Quantity Tiers",
        help="How the quantity tiers of this rule combine. Leave empty for no tiers.",
    )
    cpq_block_size = fields.Float(
        string="Units per Block",
        digits="Product Unit of Measure",
        default=1.0,
        help="Block pricing: units are sold by whole blocks of this size.",
    )
    cpq_tier_ids = fields.One2many("cpq.price.tier", "item_id", string="Tiers", copy=True)

    @api.constrains("cpq_tier_mode", "cpq_block_size")
    def _check_cpq_block_size(self):
        for item in self:
            if item.cpq_tier_mode == "block" and item.cpq_block_size <= 0:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: block pricing needs a block size greater than zero.",
                        rule=item.display_name,
                    )
                )

    def _cpq_rule_price(self, product, quantity, uom, date, currency=None):
        """The rule's price without quantity tiers."""
        return self.with_context(cpq_without_tiers=_WITHOUT_TIERS)._compute_price(
            product, quantity, uom, date, currency=currency
        )

    def _compute_price(self, product, quantity, uom, date, currency=None):
        price = super()._compute_price(product, quantity, uom, date, currency=currency)
        if self.env.context.get("cpq_without_tiers") is _WITHOUT_TIERS:
            return price
        if self and self.cpq_tier_mode and self.sudo().cpq_tier_ids:
            currency = currency or self.currency_id or self.env.company.currency_id
            price = self._cpq_apply_tiers(price, product, quantity, uom, date, currency)[0]
        return price

    def _cpq_apply_tiers(self, rule_price, product, quantity, uom, date, currency):
        """Apply this rule's quantity tiers to its price `rule_price` (per `uom`, in `currency`).

        Tiers are expressed in the product's unit of measure, like `min_quantity`.

        :returns: (unit price per `uom`, tier reached or used last, breakdown) where the
            breakdown is a JSON-able dict kept on the quotation line to explain the price.
        """
        no_tier = (rule_price, self.env["cpq.price.tier"], False)
        # The tiers of a rule already used to price: read them whoever prices (portal, public).
        tiers = self.sudo().cpq_tier_ids.sorted("min_quantity")
        if not (self and self.cpq_tier_mode and tiers):
            return no_tier
        self.ensure_one()
        product_uom = product.uom_id
        if uom and uom != product_uom:
            qty = uom._compute_quantity(quantity, product_uom, raise_if_failure=False)
            base = uom._compute_price(rule_price, product_uom)
        else:
            qty, base = quantity, rule_price
        if qty <= 0:
            return no_tier
        rounding = product_uom.rounding or 0.01
        reached = tiers.filtered(
            lambda t: float_compare(qty, t.min_quantity, precision_rounding=rounding) >= 0
        )[-1:]
        mode = self.cpq_tier_mode
        if mode == "volume":
            unit = reached._unit_price(base, currency, date) if reached else base
            segments = [[qty, unit]]
            breakdown = {"mode": mode, "segments": segments}
        elif mode == "graduated":
            unit, segments, reached = self._cpq_graduated(
                tiers, qty, base, currency, date, rounding
            )
            breakdown = {"mode": mode, "segments": segments}
        else:
            block = self.cpq_block_size
            blocks = math.ceil(float_round(qty / block, precision_digits=6))
            block_price = (
                reached._unit_price(base * block, currency, date) if reached else base * block
            )
            unit = blocks * block_price / qty
            breakdown = {
                "mode": mode,
                "segments": [[blocks, block_price]],
                "block_size": block,
            }
        if uom and uom != product_uom:
            unit = product_uom._compute_price(unit, uom)
        return unit, reached.with_env(self.env), breakdown

    def _cpq_graduated(self, tiers, qty, base, currency, date, rounding):
        """Graduated pricing: the units below the first tier at the rule price, then each tier's
        units at that tier's price. A tier from N covers the Nth unit onwards."""
        bounds = [max(t.min_quantity - 1, 0.0) for t in tiers] + [math.inf]
        segments = []
        below = min(qty, bounds[0])
        if float_compare(below, 0, precision_rounding=rounding) > 0:
            segments.append([below, base])
        last_used = self.env["cpq.price.tier"]
        for index, tier in enumerate(tiers):
            portion = min(qty, bounds[index + 1]) - bounds[index]
            if float_compare(portion, 0, precision_rounding=rounding) <= 0:
                break
            segments.append([portion, tier._unit_price(base, currency, date)])
            last_used = tier
        total = sum(portion * price for portion, price in segments)
        return total / qty, segments, last_used
