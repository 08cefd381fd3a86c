import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import tz as tz_tools
from .res_partner import TZ_CONFIDENCES, TZ_SOURCES

_logger = logging.getLogger(__name__)

# Company-currency amounts of an opportunity: summed across companies, they are converted
COMPANY_CURRENCY_AMOUNTS = {
    "expected_revenue",
    "prorated_revenue",
    "recurring_revenue",
    "recurring_revenue_monthly",
    "recurring_revenue_monthly_prorated",
    "recurring_revenue_prorated",
}

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

    # Customer's clock
    customer_tz = fields.Selection(
        _tz_get,
        string="Customer Time Zone",
        compute="_compute_customer_tz",
        inverse="_inverse_customer_tz",
        help="The customer's time zone, inferred when the contact has none; setting it here sets "
        "it on the contact.",
    )
    customer_tz_source = fields.Selection(
        TZ_SOURCES, string="Customer Time Zone Source", compute="_compute_customer_tz"
    )
    customer_tz_confidence = fields.Selection(
        TZ_CONFIDENCES, string="Customer Time Zone Confidence", compute="_compute_customer_tz"
    )
    customer_tz_candidates = fields.Char(
        "Customer's Possible Time Zones", compute="_compute_customer_tz"
    )
    customer_local_time = fields.Char(compute="_compute_customer_local_time")
    booking_link_ids = fields.One2many("crm.booking.link", "lead_id", string="Booking Links")

    # ------------------------------------------------------------
    # Money
    # ------------------------------------------------------------

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
        keys = []
        for lead in self:
            company = lead.company_id or self.env.company
            currency, company_currency = lead.deal_currency_id, company.currency_id
            if not currency or currency == company_currency:
                plan[lead] = ("same", False)
                continue
            if lead.stage_id.is_won and lead.date_closed:
                source, day = "won", lead.date_closed.date()
            elif company.crm_deal_rate_policy == "closing_date" and lead.date_deadline:
                source, day = "closing_date", lead.date_deadline
            else:
                source, day = "today", today
            root = company.root_id.id
            deal_key = (currency.id, root, day)
            company_key = (company_currency.id, root, day)
            keys += [deal_key, company_key]
            plan[lead] = (source, day, deal_key, company_key)
        rates = self.env["res.currency"]._crm_global_rates(keys)
        for lead, (source, day, *lookup) in plan.items():
            lead.deal_revalued_on = today
            lead.deal_rate_source = source
            lead.deal_valuation_date = day
            if source == "same":
                lead.update({"deal_rate": 1.0, "deal_rate_date": False, "deal_rate_missing": False})
                continue
            deal_rate, deal_rate_date, __ = rates[lookup[0]]
            company_rate, __, company_has_rates = rates[lookup[1]]
            if company_rate is None and not company_has_rates:
                company_rate = 1.0  # the company currency is the base of the rate table
            if not deal_rate or not company_rate:
                lead.update({"deal_rate": 0.0, "deal_rate_date": False, "deal_rate_missing": True})
                continue
            lead.update(
                {
                    "deal_rate": company_rate / deal_rate,
                    "deal_rate_date": deal_rate_date,
                    "deal_rate_missing": False,
                }
            )

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
    # Time
    # ------------------------------------------------------------

    @api.depends(
        "partner_id.crm_tz",
        "partner_id.crm_tz_source",
        "partner_id.crm_tz_confidence",
        "partner_id.crm_tz_candidates",
        "state_id",
        "country_id",
        "phone",
        "mobile",
    )
    def _compute_customer_tz(self):
        for lead in self:
            info = lead._crm_customer_tz_info()
            lead.update(
                {
                    "customer_tz": info["tz"],
                    "customer_tz_source": info["source"],
                    "customer_tz_confidence": info["confidence"],
                    "customer_tz_candidates": ", ".join(info["candidates"]) or False,
                }
            )

    def _crm_customer_tz_info(self):
        """The customer's time zone: the contact's (set or inferred), else inferred from what
        the lead itself knows (state, country, phone)."""
        self.ensure_one()
        partner = self.partner_id
        if partner and partner.crm_tz_source not in (False, "ambiguous", "unknown"):
            return {
                "tz": partner.crm_tz,
                "source": partner.crm_tz_source,
                "confidence": partner.crm_tz_confidence,
                "candidates": [],
            }
        return self.env["res.partner"]._crm_infer_tz(
            state=self.state_id or partner.state_id,
            country=self.country_id or partner.country_id,
            phones=(self.phone, self.mobile, partner.phone, partner.mobile),
        )

    def _inverse_customer_tz(self):
        """Setting the zone here is a person setting the contact's zone. A form sends back the
        inferred zone it showed: that confirms nothing and is not written."""
        for lead in self:
            if not lead.partner_id or not lead.customer_tz:
                continue
            info = lead._crm_customer_tz_info()
            if info["tz"] == lead.customer_tz and info["source"] not in ("partner", "browser"):
                continue
            if lead.partner_id.tz != lead.customer_tz or not lead.partner_id.crm_tz_origin:
                lead.partner_id.tz = lead.customer_tz

    @api.depends("customer_tz")
    @api.depends_context("lang")
    def _compute_customer_local_time(self):
        now = fields.Datetime.now()
        for lead in self:
            if not lead.customer_tz:
                lead.customer_local_time = False
                continue
            local = tz_tools.utc_to_local(now, lead.customer_tz)
            lead.customer_local_time = "%s (%s, %s)" % (
                format_datetime(self.env, now, tz=lead.customer_tz, dt_format="EEEE HH:mm"),
                lead.customer_tz,
                tz_tools.utc_offset_label(local),
            )

    def action_crm_send_booking_link(self):
        """Email the customer a signed link to book a meeting with the salesperson."""
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(
                self.env._("Set a customer with an email address before sending a booking link.")
            )
        if not self.customer_tz:
            raise UserError(
                self.env._(
                    "The customer's time zone is not known: set it on the opportunity first, so "
                    "that the times offered are right for them."
                )
            )
        # the new link replaces the ones sent before: one live link, one booking
        self.booking_link_ids.filtered(lambda link: link.state == "open").action_revoke()
        link = self.env["crm.booking.link"].create(
            {
                "lead_id": self.id,
                "partner_id": self.partner_id.id,
                "user_id": (self.user_id or self.env.user).id,
            }
        )
        template = self.env.ref("crm_global.mail_template_booking_link")
        template.send_mail(link.id, email_layout_xmlid="mail.mail_notification_light")
        self.message_post(
            body=self.env._(
                "Booking link sent to %(customer)s, valid until %(expiry)s.",
                customer=self.partner_id.name,
                expiry=format_datetime(self.env, link.expiry),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return link

    def action_crm_find_slots(self):
        self.ensure_one()
        wizard = self.env["crm.slot.finder.wizard"].create(
            {"lead_id": self.id, "user_id": (self.user_id or self.env.user).id}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Find a Meeting Slot"),
            "res_model": "crm.slot.finder.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------
    # ORM
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
        leads = super().create(vals_list)
        leads._crm_global_log_value_changes({}, reason="new")
        return leads

    def write(self, vals):
        vals = self._crm_global_drop_derived_amount(vals)
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

    @api.model
    def _crm_company_amount_fields(self):
        return COMPANY_CURRENCY_AMOUNTS

    @api.model
    def _crm_own_currency_amount_fields(self):
        return {"deal_amount": "deal_currency_id"}

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
        before = self._crm_global_pipeline_snapshot()
        for field in self.pool.field_computed[self._fields["deal_rate"]]:
            self.env.add_to_compute(field, self)
        self.modified(["deal_rate", "deal_rate_missing", "deal_rate_date"])
        self.flush_recordset()
        after = self._crm_global_pipeline_snapshot()
        changes = self._crm_global_value_change_values(before, after, reason="rate")
        if changes:
            self.env["crm.pipeline.value.change"].sudo()._crm_log(changes)
