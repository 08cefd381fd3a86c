import json

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class CrmGdprLegalHold(models.Model):
    """An erasure of a person with posted invoices keeps them (totals, partner link, hashes),
    their PDF documents and the billing identity printed on them, sealed, for as long as the
    hold rule of the country says, counted from the last invoice."""

    _inherit = "crm.gdpr.legal.hold"

    last_invoice_date = fields.Date(readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices Kept", readonly=True)

    @api.model
    def _hold_for(self, request, partners):
        """Create the hold an erasure needs for `partners`' posted invoices; empty when none is
        needed (no posted invoice, or the retention period is already over)."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    "|",
                    ("partner_id", "in", partners.ids),
                    ("commercial_partner_id", "in", partners.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund", "in_invoice", "in_refund")),
                ]
            )
        )
        if not moves:
            return self.browse()
        last_date = max(moves.mapped(lambda m: m.invoice_date or m.date))
        country = partners.country_id[:1] or request.company_id.country_id
        rule = self.env["crm.gdpr.hold.rule"].sudo()._for_country(country)
        years = rule.years if rule else 10
        hold_until = last_date + relativedelta(years=years)
        if hold_until <= fields.Date.context_today(self):
            return self.browse()
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    "|",
                    ("res_field", "=", False),
                    ("res_field", "!=", False),
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                    ("mimetype", "in", ("application/pdf", "application/xml", "text/xml")),
                ]
            )
        )
        hold = self.sudo().create(
            {
                "name": self.env._("Tax retention of %s", request.name),
                "request_id": request.id,
                "subject_id": request.subject_id.id,
                "company_id": request.company_id.id,
                "rule_id": rule.id,
                "country_id": country.id,
                "last_invoice_date": last_date,
                "hold_until": hold_until,
                "move_ids": [fields.Command.set(moves.ids)],
                "attachment_ids": [fields.Command.set(attachments.ids)],
            }
        )
        identity = [
            {
                "name": partner.name,
                "street": partner.street,
                "street2": partner.street2,
                "zip": partner.zip,
                "city": partner.city,
                "country": partner.country_id.code,
                "vat": partner.vat,
                "email": partner.email,
            }
            for partner in partners
        ]
        hold.sealed_identity = self._cipher(hold.id).encrypt(json.dumps(identity).encode()).decode()
        return hold

    def _kept_documents(self):
        return super()._kept_documents() | {("account.move", move.id) for move in self.move_ids}

    def _kept_document_names(self):
        return super()._kept_document_names() + self.move_ids.mapped("name")
