from odoo import api, fields, models
from odoo.tools import SQL

DRIFT_REASONS = ("rate", "rate_missing", "rate_restored")


class CrmPipelineValueChange(models.Model):
    """One change of an opportunity's value in the open pipeline (company currency), split
    between what the deal itself did and what exchange rates did."""

    _name = "crm.pipeline.value.change"
    _inherit = ("crm.global.company.amounts",)
    _description = "Pipeline Value Change"
    _order = "date desc, id desc"
    _rec_name = "lead_name"

    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True, readonly=True)
    lead_id = fields.Many2one("crm.lead", "Opportunity", index=True, ondelete="set null")
    lead_name = fields.Char("Opportunity Name", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Company Currency", required=True, readonly=True
    )
    team_id = fields.Many2one("crm.team", "Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    deal_currency_id = fields.Many2one("res.currency", readonly=True)
    reason = fields.Selection(
        [
            ("new", "New opportunity"),
            ("amount", "Deal amount changed"),
            ("amount_rate", "Deal amount and rate changed"),
            ("currency", "Deal currency changed"),
            ("won", "Won"),
            ("lost", "Lost or archived"),
            ("closed", "Left the pipeline"),
            ("reopened", "Back in the pipeline"),
            ("removed", "Deleted"),
            ("rate", "Exchange rate changed"),
            ("rate_missing", "Rate missing"),
            ("rate_restored", "Rate available again"),
        ],
        required=True,
        readonly=True,
    )
    cause = fields.Selection(
        [("deal", "Deal change"), ("fx", "Exchange-rate drift")],
        compute="_compute_cause",
        store=True,
    )
    value_before = fields.Monetary(currency_field="currency_id", readonly=True)
    value_after = fields.Monetary(currency_field="currency_id", readonly=True)
    value_change = fields.Monetary(
        compute="_compute_value_change", store=True, currency_field="currency_id"
    )
    deal_change = fields.Monetary(
        "Deal Changes",
        currency_field="currency_id",
        readonly=True,
        help="Part of the change due to the deal: new, won, lost, amount or currency edited, "
        "valued at the rate in force before the change.",
    )
    fx_change = fields.Monetary(
        "Exchange-Rate Drift",
        currency_field="currency_id",
        readonly=True,
        help="Part of the change due to exchange rates moving (or missing).",
    )
    rate_before = fields.Float(digits=0, readonly=True)
    rate_after = fields.Float(digits=0, readonly=True)

    def flush_model(self, fnames=None):
        # changes of deals are logged in one batch per transaction (crm_lead_pipeline_value.py):
        # whoever reads the log first gets them written
        self.env["crm.lead"]._crm_global_flush_value_log()
        return super().flush_model(fnames)

    @api.model
    def _crm_company_amount_fields(self):
        return {"value_before", "value_after", "value_change", "deal_change", "fx_change"}

    @api.model
    def _crm_log(self, values_list):
        """Append changes in one INSERT whatever their number (this is an append-only audit log
        written by the re-valuation job for thousands of deals at once; no ORM logic to run per
        row): one array per column, unnested by PostgreSQL."""
        self.check_access("create")
        if not values_list:
            return
        columns = {
            "lead_id": "int4", "lead_name": "varchar", "company_id": "int4",
            "currency_id": "int4", "team_id": "int4", "user_id": "int4",
            "deal_currency_id": "int4", "reason": "varchar", "value_before": "numeric",
            "value_after": "numeric", "deal_change": "numeric", "fx_change": "numeric",
            "rate_before": "numeric", "rate_after": "numeric",
        }  # fmt: skip
        arrays = {
            column: [None if values.get(column) is False else values.get(column)
                     for values in values_list]
            for column in columns
        }  # fmt: skip
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_pipeline_value_change (
                    %(columns)s, cause, value_change, date,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(columns)s,
                       CASE WHEN reason IN %(drift)s THEN 'fx' ELSE 'deal' END,
                       value_after - value_before, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(arrays)s) AS v(%(columns)s)
                """,
                columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                drift=DRIFT_REASONS,
                now=now,
                uid=self.env.uid,
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", arrays[column], SQL(sql_type))
                    for column, sql_type in columns.items()
                ),
            )
        )

    @api.depends("reason", "deal_change", "fx_change")
    def _compute_cause(self):
        for change in self:
            change.cause = "fx" if change.reason in DRIFT_REASONS else "deal"

    @api.depends("value_before", "value_after")
    def _compute_value_change(self):
        for change in self:
            change.value_change = change.value_after - change.value_before
