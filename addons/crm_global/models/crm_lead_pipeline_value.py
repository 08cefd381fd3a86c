from odoo import api, models
from odoo.tools import float_is_zero, float_round

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
# Writes of only these move the value between teams and people without changing it: a deal's
# pending change absorbs them (stock assigns each lead with a second write).
ATTRIBUTION_FIELDS = {"team_id", "user_id"}


class CrmLead(models.Model):
    """Pipeline value: every change of an open opportunity's value is logged, split between
    what the deal did and what exchange rates did (``crm.pipeline.value.change``)."""

    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_global_defer_value_log({}, reason="new")
        return leads

    def write(self, vals):
        if PIPELINE_VALUE_FIELDS.isdisjoint(vals) or self.env.context.get("crm_global_no_log"):
            return super().write(vals)
        pending = self._crm_global_pending_value_log()
        if not ATTRIBUTION_FIELDS.issuperset(vals):
            # a new change of value is its own step: log the one pending for these deals first
            self._crm_global_flush_value_log(self.filtered(lambda lead: lead.id in pending).ids)
        before = self.filtered(lambda lead: lead.id not in pending)._crm_global_pipeline_snapshot()
        res = super().write(vals)
        self._crm_global_defer_value_log(before)
        return res

    def unlink(self):
        pending = self._crm_global_pending_value_log()
        before = self.filtered(lambda lead: lead.id not in pending)._crm_global_pipeline_snapshot()
        for lead_id in self.ids:
            if lead_id in pending:
                # a deal created in this transaction leaves no trace; a changed one leaves the
                # pipeline from the value it had when the transaction began
                old, reason = pending.pop(lead_id)
                if reason != "new":
                    before[lead_id] = old
        before = {lead_id: snap for lead_id, snap in before.items() if snap}
        changes = self.filtered(lambda lead: lead.id in before)._crm_global_value_change_values(
            before, dict.fromkeys(before), "removed"
        )
        res = super().unlink()
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)
        return res

    # ------------------------------------------------------------
    # Deferred log: one batch per transaction, not one per written lead
    # ------------------------------------------------------------
    # Stock writes leads one at a time on some paths (lead assignment converts and assigns each
    # lead in a loop): reading each deal's new value right after its write would recompute and
    # query per lead. The value a deal had first in the transaction is kept, and the log is
    # written for all of them together, when the log is read (flush of the log model) or just
    # before commit at the latest, as mail tracking does.

    def _crm_global_pending_value_log(self):
        """{lead id: (snapshot before the transaction's first change, reason)}"""
        return self.env.cr.precommit.data.setdefault("crm_global.pipeline_value", {})

    def _crm_global_defer_value_log(self, before, reason=None):
        pending = self._crm_global_pending_value_log()
        for lead in self:
            if lead.id not in pending:
                pending[lead.id] = (before.get(lead.id), reason)
        if pending:
            self.env.cr.precommit.add(self.env["crm.lead"]._crm_global_value_log_precommit)

    @api.model
    def _crm_global_value_log_precommit(self):
        self._crm_global_flush_value_log()
        # called after the main flush, just before commit: flush what reading values recomputed
        self.env.flush_all()

    @api.model
    def _crm_global_flush_value_log(self, lead_ids=None):
        """Write the deferred log now (the log is about to be read, a deal's value changes again,
        or the transaction ends), of the given deals or of all."""
        data = self.env.cr.precommit.data
        leads = self.sudo().with_context(active_test=False)
        if lead_ids is None:
            pending = data.pop("crm_global.pipeline_value", {})
            leads = leads.browse(list(pending)).exists()
        else:  # deals being written: they exist
            waiting = data.get("crm_global.pipeline_value", {})
            pending = {lead_id: waiting.pop(lead_id) for lead_id in lead_ids if lead_id in waiting}
            leads = leads.browse(list(pending))
        if not pending:
            return
        changes = []
        for reason in {reason for _old, reason in pending.values()}:
            group = leads.filtered(lambda lead, reason=reason: pending[lead.id][1] == reason)
            before = {lead.id: pending[lead.id][0] for lead in group if pending[lead.id][0]}
            after = group._crm_global_pipeline_snapshot()
            changes += group._crm_global_value_change_values(before, after, reason)
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)

    def _crm_global_log_value_changes(self, before, reason=None):
        after = self._crm_global_pipeline_snapshot()
        changes = self._crm_global_value_change_values(before, after, reason)
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)

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

    def _crm_global_value_change_values(self, before, after, reason=None):
        """Split each change of pipeline value into a deal part and an exchange-rate part.

        With amount A and rate r going from (A0, r0) to (A1, r1) in the same deal currency, the
        deal part is (A1 - A0) x r0 and the rest, A1 x (r1 - r0), is exchange-rate drift. A deal
        entering or leaving the pipeline, or changing currency, is a deal change; a rate going
        missing or coming back is drift.
        """
        values = []
        for lead in self.filtered(lambda lead: lead.id in before or lead.id in after):
            split = self._crm_global_split_change(
                before.get(lead.id), after.get(lead.id), reason, lead.company_currency.rounding
            )
            if not split:
                continue
            why, old, new, deal_change, fx_change = split
            values.append(
                {
                    "lead_id": lead.id if reason != "removed" else False,
                    "lead_name": lead.name,
                    "company_id": (lead.company_id or self.env.company).id,
                    "currency_id": lead.company_currency.id,
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

    @api.model
    def _crm_global_split_change(self, before, after, reason, rounding):
        """``(reason, old snapshot, new snapshot, deal change, fx change)`` of one deal, or None
        when its value did not move (plain values, see _crm_global_value_change_values)."""
        empty = (0.0, False, 0.0, 0.0, False, False, True)
        old = before or empty
        new = after or empty
        change = float_round(new[0] - old[0], precision_rounding=rounding)
        if float_is_zero(change, precision_rounding=rounding):
            return None
        was_in, is_in = bool(before) and old[0] != 0.0, new[0] != 0.0
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
            deal_change = float_round((new[2] - old[2]) * old[3], precision_rounding=rounding)
            fx_change = float_round(change - deal_change, precision_rounding=rounding)
            if float_is_zero(deal_change, precision_rounding=rounding):
                why = "rate"
            elif float_is_zero(fx_change, precision_rounding=rounding):
                why = "amount"
            else:
                why = "amount_rate"
        else:
            why = "reopened" if is_in else "closed"
        return why, old, new, deal_change, fx_change
