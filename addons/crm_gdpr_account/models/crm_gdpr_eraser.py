from odoo import api, models


class CrmGdprEraser(models.AbstractModel):
    """Erasure keeps the books: posted invoices keep their totals, partner link and hashes; the
    bank accounts they refer to stay, their holder renamed."""

    _inherit = "crm.gdpr.eraser"

    @api.model
    def _surname_scope_more(self, footprint):
        scope = super()._surname_scope_more(footprint)
        moves = footprint["moves"]
        scope["account_move"] = moves.ids
        scope["account_move_line"] = moves.line_ids.ids
        return scope

    @api.model
    def _banks_in_use(self, banks):
        used = banks.env["account.move"].search([("partner_bank_id", "in", banks.ids)])
        return super()._banks_in_use(banks) | used.partner_bank_id
