from odoo import models


class CrmGdprSubject(models.Model):
    """The invoices of the person's contacts (as their contact or their commercial entity):
    part of the footprint that access, portability and erasure work on."""

    _inherit = "crm.gdpr.subject"

    def _gdpr_footprint_documents(self, env, partners):
        result = super()._gdpr_footprint_documents(env, partners)
        result["moves"] = env["account.move"].search(
            ["|", ("partner_id", "in", partners.ids), ("commercial_partner_id", "in", partners.ids)]
        )
        return result

    def _gdpr_business_refs(self, footprint):
        refs = super()._gdpr_business_refs(footprint)
        if footprint["moves"]:
            refs["account.move"] = footprint["moves"].ids
        return refs

    def _gdpr_export_more_sections(self, fp, extra):
        sections = super()._gdpr_export_more_sections(fp, extra)
        invoices = fp["moves"].filtered(lambda m: m.is_invoice(include_receipts=True))
        sections["invoices"] = [
            {
                "number": move.name,
                "type": move.move_type,
                "date": str(move.invoice_date or move.date or ""),
                "state": move.state,
                "total": move.amount_total,
                "currency": move.currency_id.name,
                "payment_state": move.payment_state or "",
            }
            for move in invoices
        ]
        sections["invoice_lines"] = [
            {
                "invoice": line.move_id.name,
                "description": line.name or "",
                "product": line.product_id.display_name or "",
                "quantity": line.quantity,
                "unit_price": line.price_unit,
                "subtotal": line.price_subtotal,
                "currency": line.currency_id.name,
            }
            for line in invoices.invoice_line_ids
        ]
        return sections

    def _gdpr_exported_refs(self, fp, extra):
        refs = super()._gdpr_exported_refs(fp, extra)
        refs["account.move.line"] = fp["moves"].line_ids.ids
        return refs
