from odoo import api, fields, models
from odoo.exceptions import UserError


class CpqVersionDiffWizard(models.TransientModel):
    """Compare two versions of a quotation: lines added, removed and changed, and totals."""

    _name = "cpq.version.diff.wizard"
    _description = "Compare Quotation Versions"

    old_order_id = fields.Many2one("sale.order", string="From Version", required=True)
    new_order_id = fields.Many2one("sale.order", string="To Version", required=True)
    family_ids = fields.Many2many(
        "sale.order", compute="_compute_family_ids", string="Versions of the Quotation"
    )
    diff_html = fields.Html(compute="_compute_diff_html", string="Differences", sanitize=False)

    @api.depends("new_order_id", "old_order_id")
    def _compute_family_ids(self):
        for wizard in self:
            wizard.family_ids = (wizard.new_order_id or wizard.old_order_id).cpq_version_ids

    @api.depends("old_order_id", "new_order_id")
    def _compute_diff_html(self):
        for wizard in self:
            old, new = wizard.old_order_id, wizard.new_order_id
            if not (old and new):
                wizard.diff_html = False
                continue
            wizard._check_same_family()
            diff = old._cpq_version_diff(new)
            wizard.diff_html = self.env["ir.qweb"]._render(
                "crm_b2b_cpq.cpq_version_diff_table",
                {"diff": diff, "currency": new.currency_id, "env": self.env},
            )

    def _check_same_family(self):
        if self.old_order_id not in self.new_order_id.cpq_version_ids:
            raise UserError(
                self.env._(
                    "%(old)s and %(new)s are not versions of the same quotation.",
                    old=self.old_order_id.name,
                    new=self.new_order_id.name,
                )
            )
