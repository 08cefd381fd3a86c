from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    opportunity_id = fields.Many2one(
        "crm.lead",
        compute="_compute_opportunity_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('type', '=', 'opportunity'), "
        "'|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Deal this invoice or credit note belongs to. Set from the sales orders of its "
        "lines; left empty when the lines come from orders of several opportunities, for "
        "you to choose.",
    )

    # Related fields are searched as superuser: billing users without access to the CRM find
    # invoices by the name of their opportunity (which they read on the invoice anyway).
    opportunity_name = fields.Char(
        related="opportunity_id.name",
        string="Opportunity Name",
    )

    @api.depends("line_ids.sale_line_ids.order_id.opportunity_id")
    def _compute_opportunity_id(self):
        for move in self:
            if not move.is_sale_document(include_receipts=True):
                continue
            opportunities = move.line_ids.sale_line_ids.order_id.opportunity_id
            if len(opportunities) == 1:
                move.opportunity_id = opportunities
            elif len(opportunities) > 1:
                # Lines from several deals: never guess which deal the whole receivable
                # belongs to. An accountant may choose one afterwards (kept until the lines
                # change again, which posting forbids).
                move.opportunity_id = False
            # No line from an order: keep what was set by hand or by the reversal.

    def _reverse_moves(self, default_values_list=None, cancel=False):
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.opportunity_id:
                default_values.setdefault("opportunity_id", move.opportunity_id.id)
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)
