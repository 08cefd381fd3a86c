from odoo import api, fields, models
from odoo.tools import SQL


class CrmLead(models.Model):
    """Re-valuation: open deals in another currency are valued again at current rates by a
    scheduled job, in bounded batches that several workers can share."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Re-valuation
    # ------------------------------------------------------------

    @api.model
    def _crm_global_mark_for_revaluation(self, currencies=None, companies=None):
        """Ask the re-valuation job to look again at open deals touched by a change of rates or
        policy (one UPDATE, then the job is triggered)."""
        self.flush_model(["deal_revalued_on"])
        conditions = [SQL("TRUE")]
        if currencies is not None:
            ids = tuple(currencies.ids) or (0,)
            conditions.append(
                SQL(
                    """(l.deal_currency_id IN %s OR l.company_id IS NULL OR l.company_id IN (
                        SELECT id FROM res_company WHERE currency_id IN %s))""",
                    ids,
                    ids,
                )
            )
        if companies is not None:
            conditions.append(SQL("l.company_id IN %s", tuple(companies.ids) or (0,)))
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead l SET deal_revalued_on = NULL
                 WHERE l.active AND l.deal_revalued_on IS NOT NULL
                   AND (l.deal_rate_source != 'same' OR l.deal_rate_missing) AND %s
                """,
                SQL(" AND ").join(conditions),
            )
        )
        self.invalidate_model(["deal_revalued_on"])
        cron = self.env.ref("crm_global.ir_cron_crm_global_revalue", raise_if_not_found=False)
        if cron and self.env.cr.rowcount:
            cron.sudo()._trigger()

    @api.model
    def _cron_crm_global_revalue(self, batch_size=None):
        """Re-value open deals in another currency than their company's, in bounded batches.

        A deal is looked at once a day (the rate of the day moves) and again whenever rates or
        the valuation policy change. Rows are claimed with SKIP LOCKED, so several workers never
        re-value the same deal, and a second run finds nothing left to do (idempotent).
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_global.revaluation_batch_size", 1000)
        )
        today = fields.Date.context_today(self)
        done = 0
        while True:
            leads = self._crm_global_claim_revaluation_batch(today, batch_size)
            if not leads:
                break
            leads._crm_global_revalue()
            done += len(leads)
            if self.env.context.get("ir_cron_progress_id"):
                remaining = self._crm_global_revaluation_count(today)
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                break  # the cron runner calls us again while something remains
        return done

    @api.model
    def _crm_global_claim_revaluation_batch(self, today, limit):
        self.flush_model(["deal_revalued_on", "active", "deal_rate_source", "deal_rate_missing"])
        query = SQL(
            "SELECT l.id %s ORDER BY l.deal_revalued_on NULLS FIRST, l.id LIMIT %s "
            "FOR UPDATE OF l SKIP LOCKED",
            self._crm_global_revaluation_from(today),
            limit,
        )
        return self.browse(row[0] for row in self.env.execute_query(query))

    @api.model
    def _crm_global_revaluation_count(self, today):
        query = SQL("SELECT COUNT(*) %s", self._crm_global_revaluation_from(today))
        return self.env.execute_query(query)[0][0]

    @api.model
    def _crm_global_revaluation_from(self, today):
        return SQL(
            """
              FROM crm_lead l
         LEFT JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.active AND NOT COALESCE(s.is_won, FALSE)
               AND (l.deal_rate_source != 'same' OR l.deal_rate_missing)
               AND (l.deal_revalued_on IS NULL OR l.deal_revalued_on < %s)
            """,
            today,
        )

    def _crm_global_revalue(self):
        """Look the rates of these deals up again and log the drift of their value."""
        self._crm_global_flush_value_log(self.ids)
        before = self._crm_global_pipeline_snapshot()
        for field in self.pool.field_computed[self._fields["deal_rate"]]:
            self.env.add_to_compute(field, self)
        self.modified(["deal_rate", "deal_rate_missing", "deal_rate_date"])
        self.flush_recordset()
        after = self._crm_global_pipeline_snapshot()
        changes = self._crm_global_value_change_values(before, after, reason="rate")
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)
