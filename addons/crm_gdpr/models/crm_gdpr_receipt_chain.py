from odoo import fields, models

GENESIS_HASH = "0" * 64


class CrmGdprReceiptChain(models.Model):
    """Head of the receipt hash chain. Appending a receipt updates this one row, so two
    transactions appending at once cannot fork the chain: the second one fails to serialize and
    Odoo retries it. The head also lets the verification notice receipts cut off the end."""

    _name = "crm.gdpr.receipt.chain"
    _description = "Consent Receipt Chain"

    name = fields.Char(required=True, readonly=True)
    last_sequence = fields.Integer(readonly=True, default=0)
    last_hash = fields.Char(readonly=True, default=GENESIS_HASH)

    def _lock_head(self):
        """Lock the head row and return (last_sequence, last_hash) as committed."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE crm_gdpr_receipt_chain SET write_date = now() AT TIME ZONE 'UTC' "
            "WHERE id = %s RETURNING last_sequence, last_hash",
            (self.id,),
        )
        return self.env.cr.fetchone()

    def _move_head(self, sequence, last_hash):
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE crm_gdpr_receipt_chain SET last_sequence = %s, last_hash = %s WHERE id = %s",
            (sequence, last_hash, self.id),
        )
        self.invalidate_recordset(["last_sequence", "last_hash"])

    def _get_main(self):
        return self.env.ref("crm_gdpr.receipt_chain_main").sudo()
