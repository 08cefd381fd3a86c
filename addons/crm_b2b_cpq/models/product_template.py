from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    cpq_bundle_pricing = fields.Selection(
        [
            ("bundle", "Priced as a bundle"),
            ("component", "Priced per component"),
        ],
        string="Bundle Pricing",
        default="bundle",
        required=True,
        help="For combo products (configurable bundles). As a bundle: the bundle's own price is "
        "shared among its component lines (stock behaviour). Per component: each component line "
        "is priced on its own by the pricelist, tiers and contract prices; the bundle line is "
        "only a header.",
    )
