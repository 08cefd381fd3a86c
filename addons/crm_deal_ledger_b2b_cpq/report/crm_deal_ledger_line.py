from odoo import api, fields, models
from odoo.tools import frozendict


class CrmDealLedgerLine(models.Model):
    """Quotations and orders on the ledger carry their CPQ version and approval state.

    Versions superseded by a revision are cancelled by CPQ, so the ledger's *quoted* already
    counts the current version only; the version number says which one it is."""

    _inherit = "crm.deal.ledger.line"
    _depends = frozendict({"sale.order": ["cpq_revision_number", "approval_state"]})

    revision_number = fields.Integer(
        string="Quote Version",
        readonly=True,
        aggregator=None,
        help="Revision of the quotation or order (0: the first version).",
    )
    approval_state = fields.Selection(
        selection="_selection_approval_state",
        string="Approval",
        readonly=True,
        help="Approval of the quotation's discounts and margin (CPQ).",
    )

    @api.model
    def _selection_approval_state(self):
        return self.env["sale.order"]._fields["approval_state"]._description_selection(self.env)

    @api.model
    def _ledger_extra_columns(self):
        return {
            **super()._ledger_extra_columns(),
            "revision_number": ("integer", "so.cpq_revision_number"),
            "approval_state": ("varchar", "so.approval_state"),
        }
