from odoo import api, fields, models
from odoo.tools import SQL, float_round

from ..tools.claim import claim_sql


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
            if len(leads) < batch_size:
                # a short batch took every deal due that nobody else holds: claiming again
                # would scan the deals once more for nothing
                break
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
        return self.browse(claim_sql(self.env, query) or [])

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
        """Look the rates of these deals up again and log the drift of their value.

        The same rules as the deals' computed fields (_crm_global_rate_plan and
        _crm_global_rate_values for the rate, _compute_expected_revenue and
        _compute_prorated_revenue for the amounts, _crm_global_split_change for the log), applied
        to plain rows: one query reads the deals, one looks the rates up, one writes them all
        and one appends the log, however many deals the batch holds. A drift of rate is logged
        in the pipeline value log, not as a tracking message in each deal's chatter.
        """
        if not self:
            return
        self._crm_global_flush_value_log(self.ids)
        self.flush_recordset()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT l.id, l.name, l.team_id, l.user_id, l.deal_currency_id,
                       c.id AS company_id, c.currency_id AS company_currency_id,
                       cc.rounding, c.crm_deal_rate_policy AS policy,
                       split_part(c.parent_path, '/', 1)::int AS root_id,
                       CASE WHEN s.is_won AND l.date_closed IS NOT NULL
                            THEN l.date_closed::date END AS won_day,
                       l.date_deadline, COALESCE(l.deal_amount, 0) AS deal_amount,
                       COALESCE(l.probability, 0) AS probability,
                       COALESCE(l.expected_revenue, 0) AS expected_revenue,
                       COALESCE(l.deal_rate, 0) AS deal_rate,
                       COALESCE(l.deal_rate_missing, FALSE) AS deal_rate_missing,
                       COALESCE(l.deal_rate_source, 'same') AS deal_rate_source,
                       COALESCE(s.is_won, FALSE) AS is_won, l.active,
                       l.active AND l.type = 'opportunity' AND NOT COALESCE(s.is_won, FALSE)
                           AS in_pipeline
                  FROM crm_lead l
                  JOIN res_company c ON c.id = COALESCE(l.company_id, %s)
                  JOIN res_currency cc ON cc.id = c.currency_id
             LEFT JOIN crm_stage s ON s.id = l.stage_id
                 WHERE l.id = ANY(%s)
                """,
                self.env.company.id,
                self.ids,
            )
        )
        plans = [
            self._crm_global_rate_plan(
                row["deal_currency_id"],
                row["company_currency_id"],
                row["won_day"],
                row["policy"],
                row["date_deadline"],
                row["root_id"],
                today,
            )
            for row in rows
        ]
        rates = self.env["res.currency"]._crm_global_rates(
            [key for _source, _day, *keys in plans for key in keys]
        )
        written = {name: [] for name in _REVALUED_COLUMNS}
        changes = []
        for row, plan in zip(rows, plans, strict=True):
            values = self._crm_global_rate_values(plan, rates)
            rounding = row["rounding"]
            amount = float(row["deal_amount"])
            if values["deal_rate_missing"]:
                expected = 0.0
            elif values["deal_rate_source"] == "same" or not row["deal_currency_id"]:
                expected = amount
            else:
                expected = float_round(amount * values["deal_rate"], precision_rounding=rounding)
            prorated = float_round(
                expected * float(row["probability"]) / 100.0, precision_rounding=rounding
            )
            for name, value in (
                ("id", row["id"]),
                ("deal_rate", values["deal_rate"]),
                ("deal_rate_date", values["deal_rate_date"] or None),
                ("deal_rate_missing", values["deal_rate_missing"]),
                ("deal_rate_source", values["deal_rate_source"]),
                ("deal_valuation_date", values["deal_valuation_date"] or None),
                ("expected_revenue", expected),
                ("prorated_revenue", prorated),
            ):
                written[name].append(value)
            before = (
                float(row["expected_revenue"]) if row["in_pipeline"] else 0.0,
                row["deal_currency_id"],
                amount,
                float(row["deal_rate"]),
                row["deal_rate_missing"],
                row["is_won"],
                row["active"],
            )
            after = (
                expected if row["in_pipeline"] else 0.0,
                *before[1:3],
                values["deal_rate"],
                values["deal_rate_missing"],
                *before[5:],
            )
            split = self._crm_global_split_change(before, after, "rate", rounding)
            if split:
                why, old, new, deal_change, fx_change = split
                changes.append(
                    {
                        "lead_id": row["id"],
                        "lead_name": row["name"],
                        "company_id": row["company_id"],
                        "currency_id": row["company_currency_id"],
                        "team_id": row["team_id"],
                        "user_id": row["user_id"],
                        "deal_currency_id": row["deal_currency_id"],
                        "reason": why,
                        "value_before": old[0],
                        "value_after": new[0],
                        "deal_change": deal_change,
                        "fx_change": fx_change,
                        "rate_before": old[3],
                        "rate_after": new[3],
                    }
                )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead l
                   SET deal_revalued_on = %s, %s
                  FROM unnest(%s) AS v(%s)
                 WHERE l.id = v.id
                """,
                today,
                SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in _REVALUED_COLUMNS
                    if name != "id"
                ),
                SQL(", ").join(
                    SQL("%s::%s[]", written[name], SQL(sql_type))
                    for name, sql_type in _REVALUED_COLUMNS.items()
                ),
                SQL(", ").join(SQL.identifier(name) for name in _REVALUED_COLUMNS),
            )
        )
        # What the cache held is stale; whatever else derives from these fields follows.
        fnames = [name for name in _REVALUED_COLUMNS if name != "id"] + ["deal_revalued_on"]
        self.invalidate_recordset(fnames)
        self.modified(fnames)
        for fname in fnames:
            self.env.remove_to_compute(self._fields[fname], self)
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)


# Columns the re-valuation writes, with their SQL types.
_REVALUED_COLUMNS = {
    "id": "int4",
    "deal_rate": "numeric",
    "deal_rate_date": "date",
    "deal_rate_missing": "bool",
    "deal_rate_source": "varchar",
    "deal_valuation_date": "date",
    "expected_revenue": "numeric",
    "prorated_revenue": "numeric",
}
