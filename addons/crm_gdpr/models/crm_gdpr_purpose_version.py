import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_gdpr_purpose import LAWFUL_BASES


class CrmGdprPurposeVersion(models.Model):
    """One published wording of a purpose. Versions are never edited: a new wording of the purpose
    publishes a new version, so every receipt can point to the exact text the person saw."""

    _name = "crm.gdpr.purpose.version"
    _description = "Purpose Text Version"
    _order = "purpose_id, version desc"
    _rec_name = "version"

    purpose_id = fields.Many2one(
        "crm.gdpr.purpose", required=True, ondelete="cascade", index=True, readonly=True
    )
    version = fields.Integer(required=True, readonly=True)
    text = fields.Text(translate=True, readonly=True, string="Text Shown")
    date_published = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, string="Published On"
    )
    lawful_basis = fields.Selection(LAWFUL_BASES, readonly=True)

    _sql_constraints = (
        ("version_unique", "UNIQUE(purpose_id, version)", "A purpose version number is unique."),
    )

    @api.depends("purpose_id", "version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = self.env._(
                "%(purpose)s v%(version)s",
                purpose=version.purpose_id.name,
                version=version.version,
            )

    def write(self, vals):
        if self:
            raise UserError(
                self.env._(
                    "A published purpose text cannot be changed. Edit the purpose to publish a "
                    "new version."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_proof(self):
        Receipt = self.env["crm.gdpr.receipt"].sudo()
        if Receipt.search_count([("purpose_version_id", "in", self.ids)], limit=1):
            raise UserError(
                self.env._(
                    "Consent receipts point to this text as the one people saw: it is proof and "
                    "cannot be deleted."
                )
            )

    def _text_hash(self, lang=None):
        """SHA-256 of the text exactly as shown in `lang` (the hash receipts keep)."""
        self.ensure_one()
        text = self.with_context(lang=lang or self.env.lang or "en_US").text or ""
        return hashlib.sha256(text.encode()).hexdigest()
