import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..claim import claim


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
    hold_until = fields.Date(required=True, readonly=True, tracking=True)
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
        """Create the hold an erasure needs for `partners`' documents that the law makes the
        company keep; empty when none is needed (crm_gdpr_account holds posted invoices)."""
        return self.browse()

    def _kept_documents(self):
        """{(model, id)} of the documents this hold keeps: their chatter keeps its body."""
        return set()

    def _kept_document_names(self):
        """Names of the documents this hold keeps, for the erasure's evidence."""
        return []

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
        """End the holds whose period is over: destroy the seal and the documents kept. The
        holds are claimed (SKIP LOCKED): two workers never release the same one."""
        holds, _lost_race = claim(
            self.sudo(),
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
