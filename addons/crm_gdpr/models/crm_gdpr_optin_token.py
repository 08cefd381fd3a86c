import secrets
from datetime import timedelta

from odoo import api, fields, models, tools

# Do not send a new confirmation email while a fresh one is still unused (form spam guard).
RESEND_GUARD = timedelta(minutes=10)


class CrmGdprOptinToken(models.Model):
    """A single-use, expiring confirmation link of double opt-in. Only a keyed hash of the token
    is stored: the link in the person's mailbox is the only place the token exists."""

    _name = "crm.gdpr.optin.token"
    _description = "Consent Confirmation Link"
    _order = "id desc"
    _rec_name = "subject_id"

    subject_id = fields.Many2one(
        "crm.gdpr.subject", string="Person", required=True, ondelete="cascade", index=True
    )
    consent_ids = fields.Many2many("crm.gdpr.consent", string="Consents to Confirm")
    token_hash = fields.Char(required=True, index=True, copy=False, groups="base.group_system")
    issued_at = fields.Datetime(required=True, readonly=True)
    expires_at = fields.Datetime(required=True)
    used_at = fields.Datetime(readonly=True)
    source = fields.Char(readonly=True)

    _sql_constraints = (("token_hash_unique", "UNIQUE(token_hash)", "Tokens are unique."),)

    @api.model
    def _hash(self, token):
        return tools.hmac(self.env(su=True), "crm_gdpr-optin", token)

    @api.model
    def _issue(self, subject, consents, source):
        """Create a confirmation link for the pending `consents` of `subject` and mail it.
        Returns the raw token (tests and callers building their own message use it)."""
        subject = subject.sudo()
        pending = consents.sudo().filtered(lambda c: c.state == "pending")
        if not pending:
            return False
        now = fields.Datetime.now()
        recent = self.sudo().search(
            [
                ("subject_id", "=", subject.id),
                ("used_at", "=", False),
                ("issued_at", ">", now - RESEND_GUARD),
            ],
            limit=1,
        )
        if recent:
            return False
        hours = self.env.company.gdpr_optin_validity_hours or 72
        token = secrets.token_urlsafe(32)
        record = self.sudo().create(
            {
                "subject_id": subject.id,
                "consent_ids": [fields.Command.set(pending.ids)],
                "token_hash": self._hash(token),
                "issued_at": now,
                "expires_at": now + timedelta(hours=hours),
                "source": source,
            }
        )
        record._send(token)
        return token

    def _confirm_url(self, token):
        self.ensure_one()
        return f"{self.get_base_url()}/gdpr/confirm/{token}"

    def _send(self, token):
        self.ensure_one()
        template = self.env.ref("crm_gdpr.mail_template_consent_confirmation").sudo()
        template.with_context(
            confirm_url=self._confirm_url(token),
            expires_label=self.subject_id._gdpr_format_datetime(self.expires_at),
        ).send_mail(self.id)

    @api.model
    def _find(self, token):
        """The token record for a raw token, locked against a concurrent confirmation."""
        if not token or len(token) > 128:
            return self.browse()
        self.flush_model(["token_hash"])
        self.env.cr.execute(
            "SELECT id FROM crm_gdpr_optin_token WHERE token_hash = %s FOR UPDATE",
            (self._hash(token),),
        )
        row = self.env.cr.fetchone()
        return self.sudo().browse(row[0]) if row else self.browse()

    def _status(self):
        """'valid', 'used' or 'expired' (self may be empty: 'invalid')."""
        if not self:
            return "invalid"
        if self.used_at:
            return "used"
        if self.expires_at <= fields.Datetime.now():
            return "expired"
        return "valid"

    @api.model
    def _consume(self, token, **evidence):
        """Confirm the consents behind `token` once. Returns (status, token record); status
        'confirmed' when the consents are now given, else why not (invalid, used, expired)."""
        record = self._find(token)
        status = record._status()
        if status != "valid":
            return status, record
        record.used_at = fields.Datetime.now()
        still_pending = record.consent_ids.filtered(lambda c: c.state == "pending")
        still_pending._change_state(
            "given", source="double_optin", origin=f"crm.gdpr.optin.token,{record.id}", **evidence
        )
        return "confirmed", record
