from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # Not required in the database: modules that do not depend on this one (loaded before it during
    # an update) create products too, and a NOT NULL column would make their inserts fail. Empty
    # means the default, "bundle"; the form requires a choice for combo products.
    cpq_bundle_pricing = fields.Selection(
        [
            ("bundle", "Priced as a bundle"),
            ("component", "Priced per component"),
        ],
        string="Bundle Pricing",
        default="bundle",
        help="For combo products (configurable bundles). As a bundle: the bundle's own price is "
        "shared among its component lines (stock behaviour). Per component: each component line "
        "is priced on its own by the pricelist, tiers and contract prices; the bundle line is "
        "only a header.",
    )
