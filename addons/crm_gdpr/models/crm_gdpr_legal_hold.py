import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmGdprLegalHold(models.Model):
    """What an erasure kept because tax law requires it: the posted invoices (untouched: totals,
    partner link, hashes), their PDF documents in the file store, and the person's billing
    identity as printed on them, sealed (encrypted, never in a text column in clear). When the
    hold ends, the scheduled job destroys the seal and the documents."""

    _name = "crm.gdpr.legal.hold"
    _description = "Legal Retention Hold"
    _inherit = ("mail.thread",)
    _order = "hold_until, id"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    request_id = fields.Many2one(
        "crm.gdpr.request", required=True, readonly=True, ondelete="cascade", index=True
    )
    subject_id = fields.Many2one(
        "crm.gdpr.subject", string="Person", readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    rule_id = fields.Many2one("crm.gdpr.hold.rule", readonly=True, ondelete="set null")
    country_id = fields.Many2one("res.country", readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    hold_until = fields.Date(required=True, readonly=True, tracking=True)
    move_ids = fields.Many2many("account.move", string="Invoices Kept", readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Documents Kept", readonly=True)
    sealed_identity = fields.Text(readonly=True, groups="base.group_system")
    state = fields.Selection(
        [("active", "Active"), ("released", "Released")],
        default="active",
        required=True,
        readonly=True,
        tracking=True,
    )
    released_on = fields.Datetime(readonly=True)

    @api.model
    def _cipher(self, hold_id):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        key = hashlib.sha256(f"crm_gdpr-hold-{hold_id}-{secret}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(key))

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

    def action_reveal_for_audit(self):
        """Show the sealed billing identity to the DPO for a tax audit, without storing it."""
        self.ensure_one()
        self.env["crm.gdpr.request"]._check_dpo()
        if self.state != "active" or not self.sudo().sealed_identity:
            raise UserError(self.env._("This hold was released: nothing is kept any more."))
        try:
            identity = json.loads(
                self._cipher(self.id).decrypt(self.sudo().sealed_identity.encode())
            )
        except InvalidToken:
            raise UserError(
                self.env._("The seal cannot be opened: was the database secret changed?")
            ) from None
        self.sudo().message_post(body=self.env._("Billing identity revealed for a tax audit."))
        lines = [", ".join(str(value) for value in person.values() if value) for person in identity]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Billing identity kept for the tax authorities"),
                "message": "\n".join(lines),
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _cron_release(self, batch_size=200):
        """End the holds whose period is over: destroy the seal and the documents kept."""
        holds = self.sudo().search(
            [("state", "=", "active"), ("hold_until", "<=", fields.Date.context_today(self))],
            limit=batch_size,
        )
        for hold in holds:
            hold.attachment_ids.unlink()
            hold.write(
                {
                    "sealed_identity": False,
                    "state": "released",
                    "released_on": fields.Datetime.now(),
                }
            )
        remaining = self.sudo().search_count(
            [("state", "=", "active"), ("hold_until", "<=", fields.Date.context_today(self))]
        )
        self.env["ir.cron"]._notify_progress(done=len(holds), remaining=remaining)
        return holds
