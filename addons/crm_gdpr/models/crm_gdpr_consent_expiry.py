from odoo import api, fields, models

from .crm_gdpr_consent import STATE_WRITE


class CrmGdprConsent(models.Model):
    """Consents past their expiry date, by a scheduled job."""

    _inherit = "crm.gdpr.consent"

    @api.model
    def _cron_expire_consents(self, batch_size=1000):
        """Mark given consents past their expiry as expired and flag the people to ask again.
        Bounded batches; rows locked with SKIP LOCKED so parallel workers share the work."""
        self.flush_model(["state", "date_expiry"])
        self.env.cr.execute(
            """
            SELECT id FROM crm_gdpr_consent
             WHERE state = 'given' AND date_expiry IS NOT NULL AND date_expiry <= %s
             ORDER BY date_expiry
             LIMIT %s
             FOR UPDATE SKIP LOCKED
            """,
            (fields.Datetime.now(), batch_size),
        )
        consents = self.browse([row[0] for row in self.env.cr.fetchall()]).sudo()
        if consents:
            consents._change_state("expired", source="expiry")
            consents.with_context(_crm_gdpr_state_write=STATE_WRITE).write({"needs_renewal": True})
        self.env.cr.execute(
            "SELECT count(*) FROM crm_gdpr_consent WHERE state = 'given' "
            "AND date_expiry IS NOT NULL AND date_expiry <= %s",
            (fields.Datetime.now(),),
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(consents), remaining=remaining)
        return consents
