from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round


class AccountMove(models.Model):
    _inherit = "account.move"

    def _prepare_product_base_line_for_taxes_computation(self, product_line):
        # Every amount of an invoice line (subtotal, taxes, balance, totals) is computed here:
        # while the line keeps the unit price it was invoiced at, from the exact price behind it.
        base_line = super()._prepare_product_base_line_for_taxes_computation(product_line)
        exact = product_line._cpq_exact_invoice_price()
        if exact is not None:
            base_line["price_unit"] = exact
        return base_line


class AccountMoveLine(models.Model):
    """The exact price of an invoice line made from a quotation line priced by quantity tiers
    or converted into a three-decimal currency.

    The unit price shown keeps the precision of *Product Price*; the amounts are computed from
    `cpq_exact_price_unit`, so that the invoice charges what the tier table says (see
    `sale.order.line._cpq_invoice_exact_price`). A change of the unit price, by whoever,
    makes the line an ordinary one again: its amounts follow the unit price shown."""

    _inherit = "account.move.line"

    cpq_exact_price_unit = fields.Float(
        string="Exact Unit Price",
        readonly=True,
        help="The unit price before it is rounded to the unit price's decimals, as the "
        "quotation's tier table and currency give it. While the unit price is that one "
        "rounded, the line's amounts are computed from this one.",
    )

    def write(self, vals):
        # The exact price comes from the quotation line when the invoice is made, nowhere else:
        # written later (RPC, import, another record's write) it would move the amounts of a
        # line without changing what it shows. Clearing it on a draft makes an ordinary line.
        if "cpq_exact_price_unit" in vals:
            value = vals["cpq_exact_price_unit"] or 0.0
            for line in self:
                if not float_compare(line.cpq_exact_price_unit, value, precision_digits=10):
                    continue
                if value or line.parent_state == "posted":
                    raise UserError(
                        self.env._(
                            "The exact unit price of %(line)s comes from its quotation and "
                            "cannot be changed; change the unit price instead.",
                            line=line.display_name or line.move_id.display_name,
                        )
                    )
        return super().write(vals)

    def _cpq_exact_invoice_price(self):
        """The exact unit price the line's amounts are computed from, or None."""
        self.ensure_one()
        exact = self.cpq_exact_price_unit
        if not exact or self.display_type != "product" or not self.move_id.is_invoice(True):
            return None
        digits = self._fields["price_unit"].get_digits(self.env)[1]
        if float_compare(self.price_unit, float_round(exact, digits), precision_digits=digits):
            return None
        return exact

    @api.depends("cpq_exact_price_unit")
    def _compute_totals(self):
        return super()._compute_totals()
