from odoo import api, models

# Writes on these fields may change what the opportunity adds to the pipeline value.
PIPELINE_VALUE_FIELDS = {
    "active",
    "company_id",
    "date_closed",
    "date_deadline",
    "deal_amount",
    "deal_currency_id",
    "expected_revenue",
    "partner_id",
    "probability",
    "stage_id",
    "team_id",
    "type",
    "user_id",
}


class CrmLead(models.Model):
    """Pipeline value: every change of an open opportunity's value is logged, split between
    what the deal did and what exchange rates did (``crm.pipeline.value.change``)."""

    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_global_log_value_changes({}, reason="new")
        return leads

    def write(self, vals):
        if PIPELINE_VALUE_FIELDS.isdisjoint(vals) or self.env.context.get("crm_global_no_log"):
            return super().write(vals)
        before = self._crm_global_pipeline_snapshot()
        res = super().write(vals)
        self._crm_global_log_value_changes(before)
        return res

    def unlink(self):
        before = self._crm_global_pipeline_snapshot()
        changes = self._crm_global_value_change_values(before, dict.fromkeys(before), "removed")
        res = super().unlink()
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)
        return res

    # ------------------------------------------------------------
    # Pipeline value history (deal changes versus exchange-rate drift)
    # ------------------------------------------------------------

    def _crm_global_in_pipeline(self):
        self.ensure_one()
        return self.active and self.type == "opportunity" and not self.stage_id.is_won

    def _crm_global_pipeline_snapshot(self):
        """{lead id: (value in pipeline, deal currency id, deal amount, rate, missing, won)}"""
        snapshot = {}
        for lead in self.filtered("id"):
            snapshot[lead.id] = (
                lead.expected_revenue if lead._crm_global_in_pipeline() else 0.0,
                lead.deal_currency_id.id,
                lead.deal_amount,
                lead.deal_rate,
                lead.deal_rate_missing,
                lead.stage_id.is_won,
                lead.active,
            )
        return snapshot

    def _crm_global_log_value_changes(self, before, reason=None):
        after = self._crm_global_pipeline_snapshot()
        changes = self._crm_global_value_change_values(before, after, reason)
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)

    def _crm_global_value_change_values(self, before, after, reason=None):
        """Split each change of pipeline value into a deal part and an exchange-rate part.

        With amount A and rate r going from (A0, r0) to (A1, r1) in the same deal currency, the
        deal part is (A1 - A0) x r0 and the rest, A1 x (r1 - r0), is exchange-rate drift. A deal
        entering or leaving the pipeline, or changing currency, is a deal change; a rate going
        missing or coming back is drift.
        """
        values = []
        empty = (0.0, False, 0.0, 0.0, False, False, True)
        for lead in self.filtered(lambda lead: lead.id in before or lead.id in after):
            old = before.get(lead.id) or empty
            new = after.get(lead.id) or empty
            currency = lead.company_currency
            change = currency.round(new[0] - old[0])
            if currency.is_zero(change):
                continue
            was_in, is_in = bool(before.get(lead.id)) and old[0] != 0.0, new[0] != 0.0
            deal_change, fx_change = change, 0.0
            if reason in ("new", "removed"):
                why = reason
            elif new[5] and not old[5]:
                why = "won"
            elif old[6] and not new[6]:
                why = "lost"
            elif new[4] and not old[4]:
                why, deal_change, fx_change = "rate_missing", 0.0, change
            elif old[4] and not new[4]:
                why, deal_change, fx_change = "rate_restored", 0.0, change
            elif old[1] != new[1]:
                why = "currency"
            elif was_in and is_in:
                deal_change = currency.round((new[2] - old[2]) * old[3])
                fx_change = currency.round(change - deal_change)
                if currency.is_zero(deal_change):
                    why = "rate"
                else:
                    why = "amount" if currency.is_zero(fx_change) else "amount_rate"
            else:
                why = "reopened" if is_in else "closed"
            values.append(
                {
                    "lead_id": lead.id if reason != "removed" else False,
                    "lead_name": lead.name,
                    "company_id": (lead.company_id or self.env.company).id,
                    "currency_id": currency.id,
                    "team_id": lead.team_id.id,
                    "user_id": lead.user_id.id,
                    "deal_currency_id": lead.deal_currency_id.id,
                    "reason": why,
                    "value_before": old[0],
                    "value_after": new[0],
                    "deal_change": deal_change,
                    "fx_change": fx_change,
                    "rate_before": old[3],
                    "rate_after": new[3],
                }
            )
        return values
