from odoo import api, fields, models

# Company-currency amounts of an opportunity: summed across companies, they are converted
COMPANY_CURRENCY_AMOUNTS = {
    "expected_revenue",
    "prorated_revenue",
    "recurring_revenue",
    "recurring_revenue_monthly",
    "recurring_revenue_monthly_prorated",
    "recurring_revenue_prorated",
}


class CrmLead(models.Model):
    """Deal currency: the amount as quoted to the customer, and its value in the company
    currency (``expected_revenue``, what every stock total adds up) at a dated rate."""

    _name = "crm.lead"
    _inherit = ("crm.lead", "crm.global.company.amounts")

    deal_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_deal_currency_id",
        store=True,
        readonly=False,
        tracking=True,
        domain=[("active", "=", True)],
        help="Currency the customer is quoted in: by default the currency of the customer's "
        "pricelist, else the company's.",
    )
    deal_amount = fields.Monetary(
        currency_field="deal_currency_id",
        aggregator=None,  # amounts in different currencies do not add up
        tracking=True,
        help="Expected revenue in the deal currency.",
    )
    deal_rate = fields.Float(
        digits=0,
        compute="_compute_deal_rate",
        store=True,
        help="Company currency units for one unit of the deal currency, as used to compute the "
        "expected revenue.",
    )
    deal_rate_date = fields.Date(
        "Rate Date",
        compute="_compute_deal_rate",
        store=True,
        help="Date of the currency rate used.",
    )
    deal_valuation_date = fields.Date(
        "Valuation Date",
        compute="_compute_deal_rate",
        store=True,
        help="Date the deal is valued at: its expected closing date or today while open (see "
        "the company's policy), the day it was won once won.",
    )
    deal_rate_source = fields.Selection(
        [
            ("same", "Company currency"),
            ("closing_date", "Rate at the expected closing date"),
            ("today", "Rate of the day"),
            ("won", "Frozen at the won date"),
        ],
        string="Rate Source",
        compute="_compute_deal_rate",
        store=True,
    )
    deal_rate_missing = fields.Boolean(
        "Missing Rate",
        compute="_compute_deal_rate",
        store=True,
        index=True,
        help="No rate of the deal currency is known on the valuation date: the opportunity is "
        "left out of every company-currency total until a rate is entered.",
    )
    deal_revalued_on = fields.Date(
        "Re-valued On",
        compute="_compute_deal_rate",
        store=True,
        copy=False,
        help="Day the rate was last looked up; the re-valuation job looks again every day and "
        "whenever rates change.",
    )
    deal_rate_info = fields.Char("Rate Used", compute="_compute_deal_rate_info")
    # Stock field, kept as the company-currency amount that stock reports, kanban sums, forecast
    # and dashboards add up; now derived from the deal amount at the dated rate.
    expected_revenue = fields.Monetary(
        compute="_compute_expected_revenue",
        inverse="_inverse_expected_revenue",
        store=True,
        readonly=False,
        default=None,  # stock's default of 0.0 would be taken as a written amount
        help="Deal amount converted into the company currency at the rate shown on the "
        "opportunity. Zero while the rate is missing.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_deal_currency_id(self):
        for lead in self:
            if lead.deal_currency_id and lead.deal_amount:
                continue  # an amount is already quoted in that currency: keep its meaning
            company = lead.company_id or self.env.company
            pricelist = lead.partner_id._crm_global_pricelist(company)
            if pricelist.currency_id.active:
                lead.deal_currency_id = pricelist.currency_id
            else:
                lead.deal_currency_id = company.currency_id

    @api.depends(
        "deal_currency_id",
        "company_id",
        "company_id.currency_id",
        "date_deadline",
        "stage_id",
        "date_closed",
    )
    def _compute_deal_rate(self):
        today = fields.Date.context_today(self)
        plan = {}
        for lead in self:
            company = lead.company_id or self.env.company
            plan[lead] = self._crm_global_rate_plan(
                lead.deal_currency_id.id,
                company.currency_id.id,
                lead.date_closed.date() if lead.stage_id.is_won and lead.date_closed else None,
                company.crm_deal_rate_policy,
                lead.date_deadline,
                company.root_id.id,
                today,
            )
        rates = self.env["res.currency"]._crm_global_rates(
            [key for _source, _day, *keys in plan.values() for key in keys]
        )
        for lead, lead_plan in plan.items():
            lead.update(
                {"deal_revalued_on": today, **self._crm_global_rate_values(lead_plan, rates)}
            )

    @api.model
    def _crm_global_rate_plan(
        self, currency_id, company_currency_id, won_day, policy, deadline, root_id, today
    ):
        """Which rate values a deal: ``(source, valuation day, *rate keys)``, the keys
        (currency id, root company id, day) of the deal currency's and the company currency's
        rates; no key when the deal is in the company currency. Plain values in and out, so
        that the re-valuation job applies the same rule to thousands of rows without records."""
        if not currency_id or currency_id == company_currency_id:
            return ("same", False)
        if won_day:
            source, day = "won", won_day
        elif policy == "closing_date" and deadline:
            source, day = "closing_date", deadline
        else:
            source, day = "today", today
        return (source, day, (currency_id, root_id, day), (company_currency_id, root_id, day))

    @api.model
    def _crm_global_rate_values(self, plan, rates):
        """Stored rate fields of a deal from its plan and the rates looked up for its keys."""
        source, day, *lookup = plan
        values = {"deal_rate_source": source, "deal_valuation_date": day}
        if source == "same":
            return {**values, "deal_rate": 1.0, "deal_rate_date": False, "deal_rate_missing": False}
        deal_rate, deal_rate_date, __ = rates[lookup[0]]
        company_rate, __, company_has_rates = rates[lookup[1]]
        if company_rate is None and not company_has_rates:
            company_rate = 1.0  # the company currency is the base of the rate table
        if not deal_rate or not company_rate:
            return {**values, "deal_rate": 0.0, "deal_rate_date": False, "deal_rate_missing": True}
        return {
            **values,
            "deal_rate": company_rate / deal_rate,
            "deal_rate_date": deal_rate_date,
            "deal_rate_missing": False,
        }

    @api.depends("deal_amount", "deal_rate", "deal_rate_missing", "deal_rate_source")
    def _compute_expected_revenue(self):
        for lead in self:
            if lead.deal_rate_missing:
                lead.expected_revenue = 0.0
            elif lead.deal_rate_source == "same" or not lead.deal_currency_id:
                lead.expected_revenue = lead.deal_amount
            else:
                lead.expected_revenue = lead.company_currency.round(
                    lead.deal_amount * lead.deal_rate
                )

    def _crm_global_derived_revenue(self):
        """The company-currency amount the deal amount makes, as _compute_expected_revenue."""
        self.ensure_one()
        if self.deal_rate_missing:
            return 0.0
        if self.deal_rate_source == "same" or not self.deal_currency_id:
            return self.deal_amount
        return self.company_currency.round(self.deal_amount * self.deal_rate)

    @api.onchange("expected_revenue")
    def _onchange_expected_revenue(self):
        """Stock's input (quick create, form) gives the company-currency amount: the deal amount
        follows, so that saving keeps what was typed (a save giving the deal amount ignores
        the company amount, see _crm_global_drop_derived_amount). An expected revenue that the
        deal amount itself produced changes nothing."""
        for lead in self:
            company_currency = lead.company_currency
            amount = lead.expected_revenue or 0.0  # read first: writes below recompute it
            if not company_currency or not company_currency.compare_amounts(
                lead._crm_global_derived_revenue(), amount
            ):
                continue
            currency = lead.deal_currency_id
            if not currency or currency == company_currency:
                lead.update({"deal_currency_id": company_currency.id, "deal_amount": amount})
            elif lead.deal_rate and not lead.deal_rate_missing:
                lead.deal_amount = currency.round(amount / lead.deal_rate)

    def _inverse_expected_revenue(self):
        """Stock code, imports, web forms and other addons write the company-currency amount.

        Same currency: it is the deal amount. Another currency with a known rate: converted back
        into the deal currency at the rate stored on the opportunity. Rate missing: the amount
        cannot be read in the deal currency, so the deal is switched to the company currency
        (the currency the writer used); the change of currency is tracked in the chatter.
        """
        for lead in self:
            company_currency = lead.company_currency
            amount = lead.expected_revenue
            if not lead.deal_currency_id or lead.deal_currency_id == company_currency:
                lead.update({"deal_currency_id": company_currency.id, "deal_amount": amount})
            elif lead.deal_rate and not lead.deal_rate_missing:
                lead.deal_amount = lead.deal_currency_id.round(amount / lead.deal_rate)
            else:
                lead.update({"deal_currency_id": company_currency.id, "deal_amount": amount})

    @api.depends("deal_rate", "deal_rate_date", "deal_rate_missing", "deal_currency_id")
    @api.depends_context("lang")
    def _compute_deal_rate_info(self):
        for lead in self:
            currency = lead.deal_currency_id
            if not currency or lead.deal_rate_source == "same":
                lead.deal_rate_info = False
            elif lead.deal_rate_missing:
                lead.deal_rate_info = self.env._(
                    "No %(currency)s rate on %(date)s: this opportunity is left out of the "
                    "pipeline totals until a rate is entered.",
                    currency=currency.name,
                    date=lead.deal_valuation_date,
                )
            else:
                rate_text = "%.6g" % lead.deal_rate
                lead.deal_rate_info = self.env._(
                    "1 %(currency)s = %(rate)s %(company_currency)s, rate of %(date)s (%(origin)s)",
                    currency=currency.name,
                    rate=rate_text,
                    company_currency=lead.company_currency.name,
                    date=lead.deal_rate_date,
                    origin=dict(
                        self._fields["deal_rate_source"]._description_selection(self.env)
                    ).get(lead.deal_rate_source),
                )

    @api.depends("expected_revenue", "probability")
    def _compute_prorated_revenue(self):
        # stock rounds to 2 decimals whatever the currency; round like the company currency
        for lead in self:
            lead.prorated_revenue = lead.company_currency.round(
                (lead.expected_revenue or 0.0) * (lead.probability or 0) / 100.0
            )

    # ------------------------------------------------------------
    # Writes and totals
    # ------------------------------------------------------------

    @api.model
    def _crm_global_drop_derived_amount(self, vals):
        """A write giving the deal amount or currency makes the company amount derived."""
        if "expected_revenue" in vals and ("deal_amount" in vals or "deal_currency_id" in vals):
            vals = dict(vals)
            vals.pop("expected_revenue")
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._crm_global_drop_derived_amount(vals) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._crm_global_drop_derived_amount(vals))

    @api.model
    def _crm_company_amount_fields(self):
        return COMPANY_CURRENCY_AMOUNTS

    @api.model
    def _crm_own_currency_amount_fields(self):
        return {"deal_amount": "deal_currency_id"}
