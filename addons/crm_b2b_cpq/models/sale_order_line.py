import uuid
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_compare, float_round, format_amount, formatLang

PRICE_SOURCES = [
    ("list", "List price"),
    ("pricelist", "Pricelist"),
    ("contract", "Contract"),
    ("bundle", "Bundle share"),
]

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
    """Line pricing: contract prices, batched pricelist rules, and the price build-up.

    The build-up is stored per line with its reasons (rule, contract line, tier): list price,
    then the pricelist or contract price, then the tier effect, then the manual discount, then
    the net subtotal. Each step is an amount rounded in the quotation's currency and the steps
    telescope, so they add up exactly to the line subtotal. The "system" price and discount are
    what stock pricing puts on an untouched line; the manual step is the difference between
    them and what the line really says, whatever way it was edited.
    """

    _inherit = "sale.order.line"

    cpq_line_key = fields.Char(
        string="Version Key",
        default=lambda self: uuid.uuid4().hex,
        readonly=True,
        help="Shared by a line and its copies in later revisions, to compare versions.",
    )
    cpq_contract_line_id = fields.Many2one(
        "cpq.contract.line",
        compute="_compute_cpq_contract_line_id",
        string="Applicable Contract Price",
    )
    cpq_price_source = fields.Selection(
        PRICE_SOURCES,
        string="Price Source",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
    )
    cpq_price_rule_id = fields.Many2one(
        "product.pricelist.item",
        string="Applied Pricelist Rule",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        ondelete="set null",
    )
    cpq_contract_price_id = fields.Many2one(
        "cpq.contract.line",
        string="Applied Contract Price",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        ondelete="set null",
    )
    cpq_tier_id = fields.Many2one(
        "cpq.price.tier",
        string="Applied Tier",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        ondelete="set null",
    )
    cpq_tier_breakdown = fields.Json(
        string="Tier Breakdown", compute="_compute_cpq_pricing", store=True, precompute=True
    )
    cpq_list_price = fields.Float(
        string="List Unit Price",
        digits="Product Price",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
    )
    cpq_rule_price = fields.Float(
        string="Agreed Unit Price",
        digits="Product Price",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        help="The pricelist rule's or the contract's unit price, before quantity tiers.",
    )
    cpq_system_price = fields.Float(
        string="Proposed Unit Price",
        digits="Product Price",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        help="The unit price pricing proposes, tiers included, as it would stand on an "
        "untouched line.",
    )
    cpq_exact_price = fields.Float(
        string="Exact Proposed Unit Price",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        help="The proposed unit price before it is rounded to the unit price's decimals (a "
        "graduated or block average, a price converted into a three-decimal currency). While "
        "the line keeps the proposed price, its amounts are computed from this one, so that "
        "they are exactly what the tier table and the currency say.",
    )
    cpq_system_discount = fields.Float(
        string="Proposed Discount (%)",
        digits="Discount",
        compute="_compute_cpq_pricing",
        store=True,
        precompute=True,
        help="The discount a pricelist rule shows to the customer on an untouched line.",
    )
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

    # ------------------------------------------------------------------------------------------
    # Contract prices and pricelist rules, batched
    # ------------------------------------------------------------------------------------------

    def _cpq_component_priced(self):
        """A component line of a bundle priced per component."""
        self.ensure_one()
        return bool(
            self.combo_item_id
            and self._get_linked_line().product_id.product_tmpl_id.cpq_bundle_pricing == "component"
        )

    def _cpq_priced_by_engine(self):
        """Lines whose price comes from the pricelist engine (not notes, bundle headers or
        bundle shares)."""
        return self.filtered(
            lambda line: (
                line.product_id
                and not line.display_type
                and not line.is_downpayment
                and line.product_type != "combo"
                and (not line.combo_item_id or line._cpq_component_priced())
            )
        )

    def _cpq_qty_in_product_uom(self):
        self.ensure_one()
        qty = self.product_uom_qty or 1.0
        if self.product_uom and self.product_uom != self.product_id.uom_id:
            qty = self.product_uom._compute_quantity(
                qty, self.product_id.uom_id, raise_if_failure=False
            )
        return qty

    @api.depends(
        "product_id",
        "product_uom",
        "product_uom_qty",
        "order_id.partner_id",
        "order_id.date_order",
        "order_id.company_id",
    )
    def _compute_cpq_contract_line_id(self):
        """The valid contract price for the line's customer, product, quantity and date. One
        query for all the lines."""
        lines = self._cpq_priced_by_engine().filtered(lambda line: line.order_id.partner_id)
        (self - lines).cpq_contract_line_id = False
        if not lines:
            return
        partners = lines.order_id.partner_id.commercial_partner_id
        # Reading negotiated prices to price a line the user already works on.
        candidates = (
            self.env["cpq.contract.line"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("contract_active", "=", True),
                    ("product_tmpl_id", "in", lines.product_id.product_tmpl_id.ids),
                    ("company_id", "in", [False, *lines.company_id.ids]),
                ]
            )
        )
        by_key = defaultdict(list)
        for candidate in candidates:
            by_key[(candidate.partner_id.id, candidate.product_tmpl_id.id)].append(candidate)
        for line in lines:
            key = (
                line.order_id.partner_id.commercial_partner_id.id,
                line.product_id.product_tmpl_id.id,
            )
            if key not in by_key:
                line.cpq_contract_line_id = False
                continue
            date = line.order_id._cpq_pricing_date()
            qty = line._cpq_qty_in_product_uom()
            applicable = [
                c for c in by_key[key] if c._applies_to(line.product_id, qty, date, line.company_id)
            ]
            best = max(
                applicable,
                key=lambda c: (bool(c.product_id), c.min_quantity, c.date_start, c.id),
                default=None,
            )
            line.cpq_contract_line_id = best.with_env(self.env) if best else False

    @api.depends(
        "product_id",
        "product_uom",
        "product_uom_qty",
        "order_id.pricelist_id",
        "order_id.date_order",
        "cpq_contract_line_id",
    )
    def _compute_pricelist_item_id(self):
        """Stock's rule selection, with one rule search per pricelist instead of one per line;
        no rule where a contract price takes precedence."""
        groups = defaultdict(lambda: self.browse())
        for line in self:
            pricelist = line.order_id.pricelist_id
            if (
                not line.product_id
                or line.display_type
                or not pricelist
                or line.cpq_contract_line_id
            ):
                line.pricelist_item_id = False
            else:
                groups[(pricelist, line.order_id._cpq_pricing_datetime())] |= line
        for (pricelist, date), lines in groups.items():
            rules = pricelist._get_applicable_rules(lines.product_id, date)
            candidates = self._cpq_rule_index(rules)
            for line in lines:
                product = line.product_id
                qty = line._cpq_qty_in_product_uom()
                indexes = sorted(
                    candidates[("variant", product.id)]
                    + candidates[("template", product.product_tmpl_id.id)]
                    + candidates["category"]
                    + candidates["global"]
                )
                line.pricelist_item_id = next(
                    (rules[i] for i in indexes if rules[i]._is_applicable_for(product, qty)),
                    False,
                )

    @api.model
    def _cpq_rule_index(self, rules):
        """Positions of the rules (kept in the pricelist's order) by what they apply on."""
        index = defaultdict(list)
        for position, rule in enumerate(rules):
            if rule.applied_on == "0_product_variant":
                index[("variant", rule.product_id.id)].append(position)
            elif rule.applied_on == "1_product":
                index[("template", rule.product_tmpl_id.id)].append(position)
            elif rule.applied_on == "2_product_category":
                index["category"].append(position)
            else:
                index["global"].append(position)
        return index

    def _lines_without_price_recomputation(self):
        # sale_management keeps an optional product's price when its quantity changes. Where the
        # rule has quantity tiers, the quantity is the price: a customer who raises the quantity
        # on the portal gets the tier's price.
        return (
            super()
            ._lines_without_price_recomputation()
            .filtered(
                lambda line: (
                    not (
                        line.pricelist_item_id.cpq_tier_mode
                        and line.pricelist_item_id.sudo().cpq_tier_ids
                    )
                )
            )
        )

    def _get_pricelist_price(self):
        if self.cpq_contract_line_id:
            return self._cpq_contract_unit_price()
        return super()._get_pricelist_price()

    def _get_display_price(self):
        if self.combo_item_id and self._cpq_component_priced():
            return self._get_display_price_ignore_combo()
        return super()._get_display_price()

    def _cpq_contract_unit_price(self):
        """The contract's price in the line's currency and unit of measure."""
        self.ensure_one()
        contract_line = self.cpq_contract_line_id
        price = contract_line.price
        currency = self.currency_id or self.order_id.currency_id
        if contract_line.currency_id and currency and contract_line.currency_id != currency:
            price = contract_line.currency_id._convert(
                price,
                currency,
                self.company_id or self.env.company,
                self.order_id._cpq_pricing_datetime(),
                round=False,
            )
        return self.product_id.uom_id._compute_price(price, self.product_uom)

    # ------------------------------------------------------------------------------------------
    # Price build-up
    # ------------------------------------------------------------------------------------------

    @api.depends(
        "product_id",
        "product_uom",
        "product_uom_qty",
        "product_no_variant_attribute_value_ids",
        "combo_item_id",
        "linked_line_id.product_uom_qty",
        "order_id.pricelist_id",
        "order_id.date_order",
        "order_id.partner_id",
        "order_id.currency_id",
        "order_id.fiscal_position_id",
        "cpq_contract_line_id",
    )
    def _compute_cpq_pricing(self):
        engine_lines = self._cpq_priced_by_engine()
        empty = {
            "cpq_price_source": False,
            "cpq_price_rule_id": False,
            "cpq_contract_price_id": False,
            "cpq_tier_id": False,
            "cpq_tier_breakdown": False,
            "cpq_list_price": 0.0,
            "cpq_rule_price": 0.0,
            "cpq_system_price": 0.0,
            "cpq_exact_price": 0.0,
            "cpq_system_discount": 0.0,
        }
        for line in self:
            if line in engine_lines:
                line.update(line.with_company(line.company_id)._cpq_engine_pricing())
            elif line.combo_item_id and line.product_id:
                line = line.with_company(line.company_id)
                display_price = line._get_display_price()
                share = line._cpq_fiscal_price(display_price)
                line.update(
                    dict(
                        empty,
                        cpq_price_source="bundle",
                        cpq_list_price=share,
                        cpq_rule_price=share,
                        cpq_system_price=share,
                        cpq_exact_price=line._cpq_fiscal_price(display_price, rounded=False),
                    )
                )
            else:
                line.update(empty)

    def _cpq_engine_pricing(self):
        """List, agreed and proposed prices of the line, with the rule, contract line and tier
        behind them. Prices in the order's currency, per the line's unit of measure."""
        self.ensure_one()
        item_model = self.env["product.pricelist.item"]
        currency = self.currency_id or self.order_id.currency_id or self.company_id.currency_id
        date = self.order_id._cpq_pricing_datetime()
        product = self.product_id.with_context(**self._get_product_price_context())
        qty = self.product_uom_qty or 1.0
        uom = self.product_uom or self.product_id.uom_id
        list_price = item_model._compute_base_price(product, qty, uom, date, currency)
        item = self.pricelist_item_id
        tier = self.env["cpq.price.tier"]
        breakdown = False
        if self.cpq_contract_line_id:
            source = "contract"
            rule_price = tiered_price = self._cpq_contract_unit_price()
        elif item:
            source = "pricelist"
            rule_price = item._cpq_rule_price(product, qty, uom, date, currency=currency)
            tiered_price, tier, breakdown = item._cpq_apply_tiers(
                rule_price, product, qty, uom, date, currency
            )
        else:
            source = "list"
            rule_price = tiered_price = list_price
        # What stock puts on an untouched line: the display price and, for rules that show
        # their discount, the discount (same formulas as _compute_price_unit/_compute_discount).
        display_price = self._get_display_price()
        discount = 0.0
        if item and self.order_id.pricelist_id and item._show_discount():
            base = self._get_pricelist_price_before_discount()
            if base:
                ratio = (base - tiered_price) / base * 100
                if (ratio > 0 and base > 0) or (ratio < 0 and base < 0):
                    discount = ratio
        return {
            "cpq_price_source": source,
            "cpq_price_rule_id": item.id if source == "pricelist" else False,
            "cpq_contract_price_id": self.cpq_contract_line_id.id,
            "cpq_tier_id": tier.id,
            "cpq_tier_breakdown": breakdown,
            "cpq_list_price": self._cpq_fiscal_price(list_price),
            "cpq_rule_price": self._cpq_fiscal_price(rule_price),
            "cpq_system_price": self._cpq_fiscal_price(display_price),
            "cpq_exact_price": self._cpq_fiscal_price(display_price, rounded=False),
            "cpq_system_discount": discount,
        }

    def _cpq_fiscal_price(self, price, rounded=True):
        """The price as stock writes it in price_unit: adapted to price-included taxes mapped by
        the fiscal position, rounded like the unit price (unless not `rounded`)."""
        product_taxes = self.product_id.taxes_id.filtered(
            lambda tax: tax.company_id == self.env.company
        )
        price = self.product_id._get_tax_included_unit_price_from_price(
            price, product_taxes=product_taxes, fiscal_position=self.order_id.fiscal_position_id
        )
        if not rounded:
            return price
        digits = self._fields["price_unit"].get_digits(self.env)[1]
        return float_round(price, precision_digits=digits)

    def _cpq_exact_unit_price(self):
        """The exact unit price the line's amounts are computed from, or None: only while the
        line keeps the proposed price (rounded) and no discount, and the rounding lost
        something."""
        self.ensure_one()
        exact = self.cpq_exact_price
        if not exact or self.discount or self.cpq_system_discount:
            return None
        digits = self._fields["price_unit"].get_digits(self.env)[1]
        if float_compare(self.price_unit, self.cpq_system_price, precision_digits=digits):
            return None
        if not float_compare(exact, self.price_unit, precision_digits=10):
            return None
        return exact

    def _prepare_base_line_for_taxes_computation(self, **kwargs):
        # Amounts from the exact proposed price: 101 units across graduated tiers cost exactly
        # what the tier table says, a KWD price converted from dollars keeps its three decimals.
        if "price_unit" not in kwargs and self.order_id:
            exact = self._cpq_exact_unit_price()
            if exact is not None:
                kwargs["price_unit"] = exact
        return super()._prepare_base_line_for_taxes_computation(**kwargs)

    @api.depends("cpq_exact_price", "cpq_system_price", "cpq_system_discount")
    def _compute_amount(self):
        return super()._compute_amount()

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

    # ------------------------------------------------------------------------------------------
    # Helpers for rules and policies
    # ------------------------------------------------------------------------------------------

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

    # ------------------------------------------------------------------------------------------
    # Writes: the build-up is the engine's, frozen versions stay frozen, the order re-checks
    # ------------------------------------------------------------------------------------------

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
