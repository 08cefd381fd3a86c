from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_compare, float_round

PRICE_SOURCES = [
    ("list", "List price"),
    ("pricelist", "Pricelist"),
    ("contract", "Contract"),
    ("bundle", "Bundle share"),
]


class SaleOrderLine(models.Model):
    """Line pricing: the contract price valid for the customer, the pricelist rule (one search per
    pricelist for all lines), the price the engine proposes with the rule, contract line and tier
    behind it, and the exact proposed price the line's amounts are computed from."""

    _inherit = "sale.order.line"

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
        line keeps the proposed price (rounded) and no discount, where the unit price cannot
        show what pricing says (see `_cpq_exact_price_applies`), and the rounding lost
        something."""
        self.ensure_one()
        exact = self.cpq_exact_price
        if not exact or self.discount or self.cpq_system_discount:
            return None
        digits = self._fields["price_unit"].get_digits(self.env)[1]
        if not self._cpq_exact_price_applies(digits):
            return None
        if float_compare(self.price_unit, self.cpq_system_price, precision_digits=digits):
            return None
        if not float_compare(exact, self.price_unit, precision_digits=10):
            return None
        return exact

    def _cpq_exact_price_applies(self, digits):
        """Whether the line's amounts may come from its exact proposed price rather than from
        its unit price as shown (`digits` decimals): where CPQ's pricing makes the price
        (quantity tiers: a graduated average, a share of blocks; a contract price converted
        from the contract's currency), or where the quotation's currency has more decimals than
        unit prices (a price converted into KWD keeps its third decimal). Elsewhere the unit
        price shown is the price, as in stock Odoo: a list or pricelist price converted into a
        two-decimal currency is rounded to the cent, and the line costs that price times the
        quantity."""
        self.ensure_one()
        if self.cpq_tier_breakdown or self.cpq_price_source == "contract":
            return True
        currency = self.currency_id or self.order_id.currency_id
        return bool(currency) and currency.decimal_places > digits

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

    # ------------------------------------------------------------------------------------------
    # Invoicing at the exact price
    # ------------------------------------------------------------------------------------------

    def _cpq_invoice_exact_price(self, quantity):
        """The exact unit price for invoicing `quantity` more units of this line, or None.

        What the tier table (and the currency) says for all the units invoiced so far with
        these, less what it says for those invoiced before: each invoice charges its share
        rounded once, and the invoices of a line add up exactly to the line's amount, however
        its quantity is split (101 units across graduated tiers invoiced as 40 then 61 are
        1,009.00 in all)."""
        self.ensure_one()
        exact = self._cpq_exact_unit_price()
        if exact is None or not quantity:
            return None
        currency = self.currency_id or self.order_id.currency_id
        before = self.qty_invoiced
        amount = currency.round(exact * (before + quantity)) - currency.round(exact * before)
        return amount / quantity

    def _prepare_invoice_line(self, **optional_values):
        values = super()._prepare_invoice_line(**optional_values)
        if (
            "price_unit" not in optional_values
            and "quantity" in values
            and not values.get("discount")
            and not self.display_type
        ):
            exact = self._cpq_invoice_exact_price(values["quantity"])
            if exact is not None:
                digits = self.env["account.move.line"]._fields["price_unit"].get_digits(self.env)
                values["price_unit"] = float_round(exact, precision_digits=digits[1])
                values["cpq_exact_price_unit"] = exact
        return values

    @api.depends("cpq_exact_price", "cpq_system_price", "cpq_system_discount")
    def _compute_untaxed_amount_to_invoice(self):
        # Stock counts the rounded unit price; at the exact price what remains to invoice is
        # what the tier table says for the quantity to consider, less what was invoiced.
        res = super()._compute_untaxed_amount_to_invoice()
        for line in self.filtered(lambda sol: sol.state == "sale"):
            exact = line._cpq_exact_unit_price()
            if exact is None or line.tax_id.filtered("price_include"):
                continue
            if any(inv.discount != line.discount for inv in line._get_invoice_lines()):
                continue
            qty = (
                line.qty_delivered
                if line.product_id.invoice_policy == "delivery"
                else line.product_uom_qty
            )
            line.untaxed_amount_to_invoice = (
                line.currency_id.round(exact * qty) - line.untaxed_amount_invoiced
            )
        return res
