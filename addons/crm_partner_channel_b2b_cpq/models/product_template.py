from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    channel_quote_ok = fields.Boolean(
        "Open to Partners",
        default=False,
        help="Resellers may put this product on the quotes they prepare in the portal.",
    )

    def _channel_catalogue_domain(self, company):
        """Products a reseller may quote for `company`'s deals."""
        return [
            ("channel_quote_ok", "=", True),
            ("sale_ok", "=", True),
            ("company_id", "in", [False, company.id]),
        ]
