from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, formatLang


class CpqPriceTier(models.Model):
    """One quantity tier of a pricelist rule. The rule's tier mode (volume, graduated, block) says
    how the tiers combine; the tier says from which quantity its price applies."""

    _name = "cpq.price.tier"
    _description = "Pricelist Rule Quantity Tier"
    _order = "item_id, min_quantity, id"

    item_id = fields.Many2one(
        "product.pricelist.item",
        string="Pricelist Rule",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="item_id.company_id", store=True)
    currency_id = fields.Many2one(related="item_id.currency_id")
    tier_mode = fields.Selection(related="item_id.cpq_tier_mode")
    min_quantity = fields.Float(
        string="From Quantity",
        digits="Product Unit of Measure",
        required=True,
        default=1.0,
        help="The tier applies from this unit on (in the product's unit of measure): with 10, "
        "the 10th unit is the first one at the tier's price.",
    )
    compute_price = fields.Selection(
        [("percentage", "Discount on the rule price"), ("fixed", "Fixed price")],
        string="Tier Price Type",
        required=True,
        default="percentage",
    )
    percent_discount = fields.Float(
        string="Tier Discount (%)",
        digits=(16, 2),
        help="Discount on the price the rule gives without tiers.",
    )
    fixed_price = fields.Float(
        string="Tier Price",
        digits="Product Price",
        help="Price per unit, or per block for block pricing, in the pricelist's currency.",
    )

    _sql_constraints = (
        (
            "min_quantity_positive",
            "CHECK(min_quantity > 0)",
            "A tier starts from a quantity greater than zero.",
        ),
        (
            "min_quantity_unique",
            "UNIQUE(item_id, min_quantity)",
            "Two tiers of the same rule cannot start at the same quantity.",
        ),
    )

    @api.constrains("percent_discount", "fixed_price", "compute_price")
    def _check_price(self):
        for tier in self:
            if tier.compute_price == "percentage" and not 0 <= tier.percent_discount <= 100:
                raise ValidationError(
                    self.env._(
                        "The tier discount must be between 0 and 100%% (tier from %(qty)s).",
                        qty=tier._cpq_format_qty(),
                    )
                )
            if tier.compute_price == "fixed" and tier.fixed_price < 0:
                raise ValidationError(
                    self.env._(
                        "A tier price cannot be negative (tier from %(qty)s).",
                        qty=tier._cpq_format_qty(),
                    )
                )

    def _cpq_format_qty(self):
        self.ensure_one()
        if self.min_quantity == int(self.min_quantity):
            return formatLang(self.env, self.min_quantity, digits=0)
        return formatLang(self.env, self.min_quantity, dp="Product Unit of Measure")

    @api.depends_context("lang")
    @api.depends("min_quantity", "compute_price", "percent_discount", "fixed_price")
    def _compute_display_name(self):
        for tier in self:
            if tier.compute_price == "percentage":
                tier.display_name = self.env._(
                    "From %(qty)s: %(discount)s%% off",
                    qty=tier._cpq_format_qty(),
                    discount=formatLang(self.env, tier.percent_discount, digits=2),
                )
            else:
                currency = tier.currency_id or self.env.company.currency_id
                tier.display_name = self.env._(
                    "From %(qty)s: %(price)s",
                    qty=tier._cpq_format_qty(),
                    price=format_amount(self.env, tier.fixed_price, currency),
                )

    def _unit_price(self, rule_price, currency, date):
        """The tier's price (per unit, or per block) given the rule's price without tiers,
        expressed in `currency`."""
        self.ensure_one()
        if self.compute_price == "percentage":
            return rule_price * (1 - self.percent_discount / 100)
        price = self.fixed_price
        if self.currency_id and self.currency_id != currency:
            price = self.currency_id._convert(
                price, currency, self.item_id.company_id or self.env.company, date, round=False
            )
        return price
