import hashlib
import hmac
import logging
import os
import secrets

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import config

_logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64

# Server configuration option (odoo.conf) holding the key of the receipt chain.
KEY_OPTION = "crm_gdpr_receipt_key"
# Without that option, the key is generated once in this file of the database's file store.
KEY_FILE = "crm_gdpr_receipt.key"


def chain_key(env):
    """The secret that keys the receipt hashes and seals the chain head. It is never stored in
    the database: someone who can rewrite the tables in SQL cannot recompute a hash without it.

    Taken from the server configuration (option ``crm_gdpr_receipt_key``, the same on every
    server); when the option is missing, from the file ``crm_gdpr_receipt.key`` in the database's
    file store (``<data_dir>/filestore/<db>/``), generated at random on first use. Changing the
    key once receipts exist makes every earlier receipt fail verification."""
    configured = config.get(KEY_OPTION)
    if configured:
        return str(configured).encode()
    directory = config.filestore(env.cr.dbname)
    path = os.path.join(directory, KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        # Written aside then linked into place: atomic, and two workers racing keep one key.
        temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
            _logger.info("Generated the consent receipt chain key in %s", path)
        except FileExistsError:
            _logger.info("Another worker generated the consent receipt chain key first")
        finally:
            os.unlink(temporary)
    with open(path) as f:
        key = f.read().strip()
    if len(key) < 32:
        raise UserError(
            env._(
                "The consent receipt key in %(path)s is missing or too short: restore it from a "
                "backup, or set the option %(option)s in the server configuration.",
                path=path,
                option=KEY_OPTION,
            )
        )
    return key.encode()


def keyed_digest(key, data):
    return hmac.new(key, data.encode(), hashlib.sha256).hexdigest()


class CrmGdprReceiptChain(models.Model):
    """Head of the receipt hash chain. Appending a receipt updates this one row, so two
    transactions appending at once cannot fork the chain: the second one fails to serialize and
    Odoo retries it. The head also lets the verification notice receipts cut off the end: it is
    sealed with the chain key, so moving it back to an earlier receipt is detected."""

    _name = "crm.gdpr.receipt.chain"
    _description = "Consent Receipt Chain"

    name = fields.Char(required=True, readonly=True)
    last_sequence = fields.Integer(readonly=True, default=0)
    last_hash = fields.Char(readonly=True, default=GENESIS_HASH)
    seal = fields.Char(readonly=True, help="Keyed hash of the head: last sequence and hash.")

    def _lock_head(self):
        """Lock the head row and return (last_sequence, last_hash) as committed.

        A transaction that appends while another one appended since it began fails here to
        serialize, as designed: Odoo retries the whole request or job, which then appends after
        the other one. That is the expected outcome of two people withdrawing at the same
        moment, not an error for the server's log (``log_exceptions=False``); the exception
        still propagates, so nothing is written twice or lost."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE crm_gdpr_receipt_chain SET write_date = now() AT TIME ZONE 'UTC' "
            "WHERE id = %s RETURNING last_sequence, last_hash",
            (self.id,),
            log_exceptions=False,
        )
        return self.env.cr.fetchone()

    def _move_head(self, sequence, last_hash):
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE crm_gdpr_receipt_chain SET last_sequence = %s, last_hash = %s, seal = %s "
            "WHERE id = %s",
            (sequence, last_hash, self._seal_of(sequence, last_hash), self.id),
        )
        self.invalidate_recordset(["last_sequence", "last_hash", "seal"])

    def _seal_of(self, sequence, last_hash):
        self.ensure_one()
        return keyed_digest(chain_key(self.env), f"crm_gdpr-head:{self.id}:{sequence}:{last_hash}")

    def _seal_ok(self):
        """True when the head carries the seal of its sequence and hash (an empty chain needs
        none)."""
        self.ensure_one()
        if not self.last_sequence and self.last_hash == GENESIS_HASH and not self.seal:
            return True
        return hmac.compare_digest(
            self.seal or "", self._seal_of(self.last_sequence, self.last_hash)
        )

    def _get_main(self):
        return self.env.ref("crm_gdpr.receipt_chain_main").sudo()
