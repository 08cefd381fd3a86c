from odoo import api, fields, models
from odoo.tools import float_compare, float_round, format_amount, formatLang


class SaleOrderLine(models.Model):
    """The price build-up of a line, stored with its reasons: list amount, then the pricelist or
    contract effect, the tier effect, the manual discount, the included taxes, down to the net
    subtotal. Each step is an amount rounded in the quotation's currency and the steps telescope,
    so they add up exactly to the subtotal. The "system" price and discount are what pricing
    puts on an untouched line; the manual step is the difference between them and what the line
    really says, whatever way it was edited. Also the compact summary and the margin note."""

    _inherit = "sale.order.line"

    cpq_list_amount = fields.Monetary(
        string="List Amount", compute="_compute_cpq_amounts", store=True, precompute=True
    )
    cpq_rule_amount = fields.Monetary(
        string="Pricelist or Contract Effect",
        compute="_compute_cpq_amounts",
        store=True,
        precompute=True,
    )
    cpq_tier_amount = fields.Monetary(
        string="Tier Effect", compute="_compute_cpq_amounts", store=True, precompute=True
    )
    cpq_manual_amount = fields.Monetary(
        string="Manual Discount Effect",
        compute="_compute_cpq_amounts",
        store=True,
        precompute=True,
    )
    cpq_tax_adjust_amount = fields.Monetary(
        string="Included Taxes Effect",
        compute="_compute_cpq_amounts",
        store=True,
        precompute=True,
        help="Taxes included in the unit price and not in the subtotal.",
    )
    cpq_manual_discount = fields.Float(
        string="Manual Discount (%)",
        digits=(16, 2),
        compute="_compute_cpq_amounts",
        store=True,
        precompute=True,
        help="How far the line's price and discount go below what pricing proposes.",
    )
    cpq_tier_note = fields.Char(compute="_compute_cpq_tier_note", string="Tier Applied")
    cpq_build_up_summary = fields.Char(
        compute="_compute_cpq_build_up_summary",
        string="Price Build-up",
        help="List amount, then the pricelist or contract, the tier and the manual discount, "
        "down to the net amount, and the margin.",
    )
    cpq_margin_note = fields.Char(
        compute="_compute_cpq_build_up_summary",
        string="Line Margin",
        help='The line\'s margin in percent, or "no cost" when the product has no cost: '
        "then the margin policy cannot judge the line.",
    )

    @api.depends(
        "cpq_list_price",
        "cpq_rule_price",
        "cpq_system_price",
        "cpq_exact_price",
        "cpq_system_discount",
        "cpq_tier_id",
        "price_unit",
        "discount",
        "product_uom_qty",
        "price_subtotal",
        "currency_id",
    )
    def _compute_cpq_amounts(self):
        discount_digits = self._fields["discount"].get_digits(self.env)[1]
        for line in self:
            currency = line.currency_id or line.order_id.currency_id
            if not line.cpq_price_source or not currency:
                line.update(
                    {
                        "cpq_list_amount": 0.0,
                        "cpq_rule_amount": 0.0,
                        "cpq_tier_amount": 0.0,
                        "cpq_manual_amount": 0.0,
                        "cpq_tax_adjust_amount": 0.0,
                        "cpq_manual_discount": 0.0,
                    }
                )
                continue
            qty = line.product_uom_qty
            system_discount = float_round(line.cpq_system_discount, discount_digits)
            system_net_price = line.cpq_system_price * (1 - system_discount / 100)
            net_price = line.price_unit * (1 - line.discount / 100)
            exact = line._cpq_exact_unit_price()
            if exact is not None:
                system_net_price = net_price = exact
            list_amount = currency.round(qty * line.cpq_list_price)
            system_amount = currency.round(qty * system_net_price)
            # Without a tier, the agreed and proposed prices are the same price: any unit
            # rounding between them belongs to the pricelist step, not to a tier.
            if line.cpq_tier_id or line.cpq_tier_breakdown:
                rule_amount = currency.round(qty * line.cpq_rule_price)
            else:
                rule_amount = system_amount
            quoted_amount = currency.round(qty * net_price)
            line.update(
                {
                    "cpq_list_amount": list_amount,
                    "cpq_rule_amount": rule_amount - list_amount,
                    "cpq_tier_amount": system_amount - rule_amount,
                    "cpq_manual_amount": quoted_amount - system_amount,
                    "cpq_tax_adjust_amount": line.price_subtotal - quoted_amount,
                    "cpq_manual_discount": (
                        (1 - net_price / system_net_price) * 100
                        if float_compare(system_net_price, 0, precision_digits=6) > 0
                        else 0.0
                    ),
                }
            )

    @api.depends_context("lang")
    @api.depends("cpq_tier_breakdown", "cpq_tier_id", "currency_id")
    def _compute_cpq_tier_note(self):
        for line in self:
            line.cpq_tier_note = line._cpq_describe_tiers() or False

    def _cpq_has_no_cost(self):
        """A product line whose product has no cost: its margin says nothing."""
        self.ensure_one()
        return bool(
            self.product_id
            and not self.display_type
            and self.currency_id.is_zero(self.purchase_price)
            and self.currency_id.is_zero(self._cpq_product_cost())
        )

    @api.depends_context("lang")
    @api.depends(
        "cpq_list_amount",
        "cpq_rule_amount",
        "cpq_tier_amount",
        "cpq_manual_amount",
        "cpq_price_source",
        "price_subtotal",
        "purchase_price",
        "margin_percent",
        "currency_id",
    )
    def _compute_cpq_build_up_summary(self):
        _ = self.env._
        for line in self:
            currency = line.currency_id or line.order_id.currency_id
            if not line.product_id or line.display_type or not currency:
                line.cpq_build_up_summary = line.cpq_margin_note = False
                continue
            if line._cpq_has_no_cost():
                margin = _("no cost")
            else:
                margin = "%s%%" % formatLang(self.env, line.margin_percent * 100, digits=1)
            line.cpq_margin_note = margin
            if not line.cpq_price_source:
                line.cpq_build_up_summary = False
                continue

            def amount(value, currency=currency):
                return format_amount(self.env, value, currency)

            steps = [_("List %(amount)s", amount=amount(line.cpq_list_amount))]
            source = dict(self._fields["cpq_price_source"]._description_selection(self.env))
            if not currency.is_zero(line.cpq_rule_amount):
                steps.append(
                    "%s %s" % (source[line.cpq_price_source], amount(line.cpq_rule_amount))
                )
            if not currency.is_zero(line.cpq_tier_amount):
                steps.append(_("Tier %(amount)s", amount=amount(line.cpq_tier_amount)))
            if not currency.is_zero(line.cpq_manual_amount):
                steps.append(
                    _(
                        "Discount %(amount)s (%(percent)s%%)",
                        amount=amount(line.cpq_manual_amount),
                        percent=formatLang(self.env, line.cpq_manual_discount, digits=1),
                    )
                )
            steps.append(_("Net %(amount)s", amount=amount(line.price_subtotal)))
            line.cpq_build_up_summary = "%s · %s" % (
                " → ".join(steps),
                _("margin %(margin)s", margin=margin),
            )

    def _cpq_describe_tiers(self):
        self.ensure_one()
        breakdown = self.cpq_tier_breakdown
        if not breakdown or not (self.cpq_tier_id or breakdown.get("mode") == "block"):
            return ""
        _ = self.env._
        currency = self.currency_id or self.order_id.currency_id

        def qty(value):
            return formatLang(self.env, value, dp="Product Unit of Measure")

        def price(value):
            return format_amount(self.env, value, currency)

        mode = breakdown["mode"]
        segments = breakdown.get("segments") or []
        if mode == "volume":
            return _(
                "Volume tier from %(min)s units: all %(qty)s units at %(price)s",
                min=qty(self.cpq_tier_id.min_quantity),
                qty=qty(segments[0][0]),
                price=price(segments[0][1]),
            )
        if mode == "graduated":
            parts = [
                _("%(qty)s × %(price)s", qty=qty(part_qty), price=price(part_price))
                for part_qty, part_price in segments
            ]
            return _("Graduated tiers: %(parts)s", parts=" + ".join(parts))
        blocks, block_price = segments[0]
        return _(
            "Block pricing: %(blocks)s blocks of %(size)s units at %(price)s",
            blocks=int(blocks),
            size=qty(breakdown.get("block_size", 1.0)),
            price=price(block_price),
        )
