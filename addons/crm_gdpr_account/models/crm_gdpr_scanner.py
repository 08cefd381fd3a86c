from odoo import api, models
from odoo.tools import SQL

from odoo.addons.account.models.account_move import MAX_HASH_VERSION


class CrmGdprScanner(models.AbstractModel):
    """What Odoo's accounting integrity hash covers (read from `_get_integrity_hash_fields` of
    journal entries and their lines) is never rewritten on an entry that is hashed, will be hashed
    (posted in a hash-locked journal) or is kept by a legal hold: a hit there is reported as kept,
    with its reason, never as residual."""

    _inherit = "crm.gdpr.scanner"

    @api.model
    def _hash_covered_columns(self):
        """{table: {columns}}: the text columns of journal entries and their lines that Odoo's
        accounting integrity hash covers, read from Odoo's own definition, every hash version."""
        result = {}
        for model_name in ("account.move", "account.move.line"):
            Model = self.env[model_name]
            fnames = set()
            for version in range(1, MAX_HASH_VERSION + 1):
                fnames.update(Model.with_context(hash_version=version)._get_integrity_hash_fields())
            result[Model._table] = {
                fname
                for fname in fnames
                if Model._fields[fname].store and Model._fields[fname].column_type
            }
        return result

    @api.model
    def _protected_rows(self):
        """{table: (columns, SQL condition of the rows where they are kept, reason)}."""
        result = super()._protected_rows()
        held = (
            self.env["crm.gdpr.legal.hold"].sudo().search([("state", "=", "active")]).move_ids.ids
        )
        moves = SQL(
            "(state = 'posted' AND (inalterable_hash IS NOT NULL OR journal_id IN "
            "(SELECT j.id FROM account_journal j WHERE j.restrict_mode_hash_table)))"
            " OR id = ANY(%s)",
            held,
        )
        covered = self._hash_covered_columns()
        reason = "accounting integrity hash or legal hold"
        result["account_move"] = (covered["account_move"], SQL("(%s)", moves), reason)
        result["account_move_line"] = (
            covered["account_move_line"],
            SQL("(move_id IN (SELECT id FROM account_move WHERE %s))", moves),
            reason,
        )
        return result
