from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # Which products partners may name in the portal (products of interest of a deal
    # registration). Saleable products are open by default; the vendor closes the others.
    channel_partner_ok = fields.Boolean(
        "Open to Partners",
        default=True,
        help="Partners may choose this product as a product of interest when they register a "
        "deal in the portal (only products that can be sold).",
    )

    @api.model
    def _channel_partner_open_domain(self, company):
        """The products a partner of ``company`` may choose in the portal: saleable, open to
        partners, active, shared or of that company. The portal search and the check of the
        submitted form both use it."""
        return [
            ("sale_ok", "=", True),
            ("channel_partner_ok", "=", True),
            ("company_id", "in", [False, company.id]),
        ]
