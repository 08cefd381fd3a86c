from odoo import models
from odoo.tools import SQL


class CrmGdprRetentionRule(models.Model):
    _inherit = "crm.gdpr.retention.rule"

    def _kept_partner_ids(self):
        """Contacts an invoice or a legal hold keeps: the invoice's contact and its commercial
        entity (whose name the invoice shows), and those of the invoices of active holds."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id FROM account_move WHERE partner_id IS NOT NULL
                 UNION
                SELECT commercial_partner_id FROM account_move
                 WHERE commercial_partner_id IS NOT NULL
                """
            )
        )
        ids = set(super()._kept_partner_ids()) | {row[0] for row in rows}
        holds = self.env["crm.gdpr.legal.hold"].sudo().search([("state", "=", "active")])
        ids |= set((holds.move_ids.partner_id | holds.move_ids.commercial_partner_id).ids)
        return sorted(ids)
