from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..claim import claim_sql
from .crm_gdpr_consent import STATE_WRITE


class CrmGdprConsent(models.Model):
    """Consents past their expiry date, by a scheduled job."""

    _inherit = "crm.gdpr.consent"

    @api.model
    def _cron_expire_consents(self, batch_size=1000):
        """Mark given consents past their expiry as expired and flag the people to ask again.
        Bounded batches. Every expiry appends a receipt to the one receipt chain, whose head
        row a single transaction can move at a time: the job claims that head first (SKIP
        LOCKED), so a second worker, or a run meeting a consent being changed elsewhere, leaves
        the batch to whoever holds the chain instead of failing on it; then the consents, with
        SKIP LOCKED too."""
        self.flush_model(["state", "date_expiry"])
        chain = self.env["crm.gdpr.receipt.chain"]._get_main()
        head = claim_sql(
            self.env,
            SQL(
                "SELECT id FROM crm_gdpr_receipt_chain WHERE id = %s FOR UPDATE SKIP LOCKED",
                chain.id,
            ),
        )
        ids = []
        if head:
            ids = claim_sql(
                self.env,
                SQL(
                    """
                    SELECT id FROM crm_gdpr_consent
                     WHERE state = 'given' AND date_expiry IS NOT NULL AND date_expiry <= %s
                     ORDER BY date_expiry, id
                     LIMIT %s
                     FOR UPDATE SKIP LOCKED
                    """,
                    fields.Datetime.now(),
                    batch_size,
                ),
            )
        consents = self.browse(ids or []).sudo()
        if consents:
            consents._change_state("expired", source="expiry")
            consents.with_context(_crm_gdpr_state_write=STATE_WRITE).write({"needs_renewal": True})
        self.env.cr.execute(
            "SELECT count(*) FROM crm_gdpr_consent WHERE state = 'given' "
            "AND date_expiry IS NOT NULL AND date_expiry <= %s",
            (fields.Datetime.now(),),
        )
        remaining = self.env.cr.fetchone()[0]
        if not head and remaining:
            # the chain was busy: come back in a minute rather than at the next daily run
            cron = self.env.ref("crm_gdpr.ir_cron_expire_consents", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger(fields.Datetime.now() + timedelta(minutes=1))
        self.env["ir.cron"]._notify_progress(done=len(consents), remaining=remaining)
        return consents
