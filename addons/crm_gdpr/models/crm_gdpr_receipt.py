import hashlib
import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, create_index

from .crm_gdpr_consent import CONSENT_SOURCES, CONSENT_STATES
from .crm_gdpr_receipt_chain import GENESIS_HASH, chain_key, keyed_digest

_logger = logging.getLogger(__name__)

# Only _append() holds this object; a context value coming from RPC can never be it.
_APPEND_TOKEN = object()

# Columns covered by a receipt's hash, in the order they are serialised.
HASHED_COLUMNS = (
    "sequence",
    "date",
    "subject_id",
    "consent_id",
    "purpose_id",
    "purpose_version_id",
    "channel_id",
    "lang",
    "text_hash",
    "state_from",
    "state_to",
    "source",
    "user_id",
    "origin",
    "ip_address_enc",
    "user_agent_enc",
    "note_enc",
    "previous_hash",
)


def _payload(values):
    payload = []
    for column in HASHED_COLUMNS:
        value = values.get(column)
        if hasattr(value, "strftime"):
            value = fields.Datetime.to_string(value)
        elif isinstance(value, models.BaseModel):
            value = value.id
        payload.append(None if value is False or value is None or value == "" else value)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def legacy_receipt_hash(values):
    """The unkeyed SHA-256 of receipts written before the chain was keyed (version 1.0)."""
    return hashlib.sha256(_payload(values).encode()).hexdigest()


def receipt_hash(values, key):
    """HMAC-SHA-256, keyed with the chain key (kept outside the database, see chain_key), over
    the hashed columns of one receipt, as stored (ids, strings, UTC dates)."""
    return keyed_digest(key, _payload(values))


class CrmGdprReceipt(models.Model):
    """Proof of one change of consent. Append-only: nobody changes or deletes a receipt through
    the ORM (superuser included), and each receipt carries the hash of the one before it, so a
    change made in SQL is found by the verification (crm.gdpr.receipt.check).

    Personal details of the proof (IP address, user agent, note) are stored encrypted with a key
    kept on the person: erasing the person destroys the key, the receipt stays intact."""

    _name = "crm.gdpr.receipt"
    _description = "Consent Receipt"
    _order = "sequence desc"
    _rec_name = "sequence"

    sequence = fields.Integer(required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, readonly=True)
    subject_id = fields.Many2one(
        "crm.gdpr.subject",
        string="Person",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    # Nothing a receipt refers to can be deleted while the receipt exists (the database refuses,
    # whatever the path); the models say so first in a readable message (_unlink_except_*).
    consent_id = fields.Many2one(
        "crm.gdpr.consent", required=True, readonly=True, ondelete="restrict", index=True
    )
    purpose_id = fields.Many2one(
        "crm.gdpr.purpose", required=True, readonly=True, ondelete="restrict"
    )
    purpose_version_id = fields.Many2one(
        "crm.gdpr.purpose.version", string="Text Version", readonly=True, ondelete="restrict"
    )
    channel_id = fields.Many2one(
        "crm.gdpr.channel", required=True, readonly=True, ondelete="restrict"
    )
    lang = fields.Char(string="Language Shown", readonly=True)
    text_hash = fields.Char(
        string="Hash of the Text Shown",
        readonly=True,
        help="SHA-256 of the purpose text exactly as it was shown, in the language shown.",
    )
    state_from = fields.Selection(CONSENT_STATES, string="From", readonly=True)
    state_to = fields.Selection(CONSENT_STATES, string="To", required=True, readonly=True)
    source = fields.Selection(CONSENT_SOURCES, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Recorded By", readonly=True, ondelete="restrict")
    origin = fields.Char(readonly=True, help="Document behind the change, e.g. a request.")
    ip_address_enc = fields.Char(readonly=True, groups="base.group_system")
    user_agent_enc = fields.Char(readonly=True, groups="base.group_system")
    note_enc = fields.Char(readonly=True, groups="base.group_system")
    # Decrypted web evidence: for the data protection officer only. The note (what the person
    # said, written by the user who recorded it) follows the receipt's record rules.
    ip_address = fields.Char(
        string="IP Address",
        compute="_compute_evidence",
        compute_sudo=True,
        groups="crm_gdpr.group_gdpr_dpo",
    )
    user_agent = fields.Char(
        compute="_compute_evidence", compute_sudo=True, groups="crm_gdpr.group_gdpr_dpo"
    )
    note = fields.Text(compute="_compute_evidence", compute_sudo=True)
    evidence_erased = fields.Boolean(compute="_compute_evidence", compute_sudo=True)
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)

    _sql_constraints = (
        ("sequence_unique", "UNIQUE(sequence)", "Receipt sequence numbers are unique."),
    )

    def _auto_init(self):
        res = super()._auto_init()
        # The last receipt of a consent, asked by every consent decision.
        create_index(
            self.env.cr,
            "crm_gdpr_receipt_consent_sequence_index",
            self._table,
            ["consent_id", "sequence"],
        )
        return res

    @api.depends("ip_address_enc", "user_agent_enc", "note_enc")
    def _compute_evidence(self):
        for receipt in self:
            cipher = receipt.subject_id._receipt_cipher(create=False)
            receipt.evidence_erased = not cipher and bool(
                receipt.ip_address_enc or receipt.user_agent_enc or receipt.note_enc
            )
            receipt.ip_address = receipt.subject_id._decrypt(cipher, receipt.ip_address_enc)
            receipt.user_agent = receipt.subject_id._decrypt(cipher, receipt.user_agent_enc)
            receipt.note = receipt.subject_id._decrypt(cipher, receipt.note_enc)

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("crm_gdpr_receipt_append") is not _APPEND_TOKEN:
            raise UserError(
                self.env._("Receipts are written by consent changes only, never by hand.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(self.env._("A consent receipt is proof: it can never be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A consent receipt is proof: it can never be deleted."))

    def copy(self, default=None):
        if self:
            raise UserError(self.env._("A consent receipt is proof: it cannot be duplicated."))
        return super().copy(default)

    @api.model
    def _append(self, entries):
        """Write one receipt per entry, chained to the last one. Each entry is a dict with
        consent (record), state_from, state_to, source and optionally version (record), lang,
        ip_address, user_agent, note, origin, user (record)."""
        if not entries:
            return self.browse()
        chain = self.env["crm.gdpr.receipt.chain"]._get_main()
        key = chain_key(self.env)
        sequence, previous_hash = chain._lock_head()
        now = fields.Datetime.now()
        vals_list = []
        for entry in entries:
            consent = entry["consent"]
            subject = consent.subject_id
            version = entry.get("version") or consent.purpose_id.current_version_id
            lang = entry.get("lang") or subject.lang or "en_US"
            cipher = None
            if entry.get("ip_address") or entry.get("user_agent") or entry.get("note"):
                cipher = subject._receipt_cipher(create=True)
            sequence += 1
            vals = {
                "sequence": sequence,
                "date": now,
                "subject_id": subject.id,
                "consent_id": consent.id,
                "purpose_id": consent.purpose_id.id,
                "purpose_version_id": version.id or None,
                "channel_id": consent.channel_id.id,
                "lang": lang,
                "text_hash": version._text_hash(lang) if version else None,
                "state_from": entry.get("state_from") or None,
                "state_to": entry["state_to"],
                "source": entry["source"],
                "user_id": entry["user"].id if entry.get("user") else None,
                "origin": entry.get("origin") or None,
                "ip_address_enc": subject._encrypt(cipher, entry.get("ip_address")),
                "user_agent_enc": subject._encrypt(cipher, entry.get("user_agent")),
                "note_enc": subject._encrypt(cipher, entry.get("note")),
                "previous_hash": previous_hash,
            }
            vals["hash"] = previous_hash = receipt_hash(vals, key)
            vals_list.append(vals)
        receipts = self.sudo().with_context(crm_gdpr_receipt_append=_APPEND_TOKEN).create(vals_list)
        chain._move_head(sequence, previous_hash)
        return receipts

    @api.model
    def _key_legacy_chain(self):
        """Run at each update of the module: a chain written before receipts were keyed (its head
        has no seal) is verified with the old unkeyed hash and, when intact, sealed again with
        the key. A chain already broken is left as it is, for the verification to report."""
        chain = self.env["crm.gdpr.receipt.chain"]._get_main()
        if chain.seal or not chain.last_sequence:
            return False
        self.flush_model()
        key = chain_key(self.env)
        columns = SQL(", ").join(SQL.identifier(c) for c in (*HASHED_COLUMNS, "hash", "id"))
        rows = self.env.execute_query_dict(
            SQL("SELECT %s FROM crm_gdpr_receipt ORDER BY sequence", columns)
        )
        old_previous, new_previous, updates = GENESIS_HASH, GENESIS_HASH, []
        for expected, row in enumerate(rows, start=1):
            if (
                row["sequence"] != expected
                or row["previous_hash"] != old_previous
                or legacy_receipt_hash(row) != row["hash"]
            ):
                _logger.error(
                    "The consent receipt chain is broken at receipt %s: not keyed; the "
                    "verification reports it.",
                    row["sequence"],
                )
                return False
            old_previous = row["hash"]
            row["previous_hash"] = new_previous
            new_previous = receipt_hash(row, key)
            updates.append((row["id"], row["previous_hash"], new_previous))
        if (chain.last_sequence, chain.last_hash) != (len(rows), old_previous):
            _logger.error("The consent receipt chain head does not match its end: not keyed.")
            return False
        for receipt_id, previous_hash, new_hash in updates:
            self.env.cr.execute(
                "UPDATE crm_gdpr_receipt SET previous_hash = %s, hash = %s WHERE id = %s",
                (previous_hash, new_hash, receipt_id),
            )
        self.invalidate_model(["previous_hash", "hash"])
        chain._move_head(len(rows), new_previous)
        _logger.info("Keyed the consent receipt chain (%s receipts).", len(rows))
        return True

    def action_verify_chain(self):
        return self.env["crm.gdpr.receipt.check"].action_run_check()
