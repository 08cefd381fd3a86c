from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CpqContractLine(models.Model):
    _name = "cpq.contract.line"
    _description = "Customer Contract Price"
    _order = "contract_id, product_tmpl_id, product_id, min_quantity, id"
    _check_company_auto = True

    contract_id = fields.Many2one("cpq.contract", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True, index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    currency_id = fields.Many2one(related="contract_id.currency_id", store=True)
    date_start = fields.Date(related="contract_id.date_start", store=True)
    date_end = fields.Date(related="contract_id.date_end", store=True)
    contract_active = fields.Boolean(related="contract_id.active", store=True)
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Variant",
        ondelete="cascade",
        check_company=True,
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
        help="Leave empty for a price valid for every variant of the product.",
    )
    min_quantity = fields.Float(
        string="Min. Quantity",
        digits="Product Unit of Measure",
        help="The price applies from this quantity (in the product's unit of measure).",
    )
    price = fields.Monetary(
        string="Contract Price",
        currency_field="currency_id",
        required=True,
        help="Price per unit of the product's unit of measure.",
    )

    @api.constrains("product_id", "product_tmpl_id")
    def _check_variant(self):
        for line in self:
            if line.product_id and line.product_id.product_tmpl_id != line.product_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "Variant %(variant)s is not a variant of %(product)s.",
                        variant=line.product_id.display_name,
                        product=line.product_tmpl_id.display_name,
                    )
                )

    @api.constrains("price", "min_quantity")
    def _check_amounts(self):
        for line in self:
            if line.price < 0 or line.min_quantity < 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: prices and quantities cannot be negative "
                        "(%(product)s).",
                        contract=line.contract_id.name,
                        product=line.product_tmpl_id.display_name,
                    )
                )

    @api.depends("contract_id", "product_tmpl_id", "product_id", "min_quantity")
    def _compute_display_name(self):
        for line in self:
            product = line.product_id or line.product_tmpl_id
            line.display_name = f"{line.contract_id.name} - {product.display_name}"

    def _applies_to(self, product, qty_in_product_uom, date, company):
        """Whether this contract price applies to `product` at that quantity, date and company."""
        self.ensure_one()
        return (
            (not self.product_id or self.product_id == product)
            and (not self.company_id or self.company_id == company)
            and (not self.date_start or self.date_start <= date)
            and (not self.date_end or date <= self.date_end)
            and qty_in_product_uom >= self.min_quantity
        )
