from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from ..hooks import post_init_hook
from .common import CrmGlobalCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestDealCurrency(CrmGlobalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for currency in (cls.usd, cls.jpy, cls.kwd, cls.brl):
            cls._drop_rates(currency)
        # 1 EUR = 1.10 USD until June, 1.25 USD from 1 July 2026
        cls._set_rate(cls.usd, "2026-01-01", 1.10)
        cls._set_rate(cls.usd, "2026-07-01", 1.25)
        cls._set_rate(cls.jpy, "2026-01-01", 160.0)
        cls._set_rate(cls.kwd, "2026-01-01", 0.3377)

    def test_default_currency_from_customer_pricelist_else_company(self):
        lead = self._lead()
        self.assertEqual(lead.deal_currency_id, self.eur, "no pricelist: company currency")
        pricelist = self.env["product.pricelist"].create(
            {"name": "Japan list", "currency_id": self.jpy.id, "company_id": self.company.id}
        )
        self.customer.with_company(self.company).specific_property_product_pricelist = pricelist
        contact = self.env["res.partner"].create(
            {"name": "Kenji Sato", "parent_id": self.customer.id}
        )
        lead = self._lead(partner_id=contact.id)
        self.assertEqual(lead.deal_currency_id, self.jpy, "the customer's company pricelist")
        # once an amount is quoted, changing the customer does not change its currency
        lead.deal_amount = 1_000_000
        lead.partner_id = self.env["res.partner"].create({"name": "Other"})
        self.assertEqual(lead.deal_currency_id, self.jpy)

    def test_closing_date_rate_is_used_and_stored(self):
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=11_000, date_deadline="2026-06-30"
        )
        self.assertEqual(lead.deal_rate_source, "closing_date")
        self.assertEqual(lead.deal_valuation_date, date(2026, 6, 30))
        self.assertEqual(lead.deal_rate_date, date(2026, 1, 1))
        self.assertAlmostEqual(lead.deal_rate, 1 / 1.10)
        self.assertEqual(lead.expected_revenue, 10_000.0)
        self.assertIn("1 USD =", lead.deal_rate_info)
        self.assertIn("2026-01-01", lead.deal_rate_info)
        # a closing date after the July rate takes it
        lead.date_deadline = "2026-07-15"
        self.assertEqual(lead.deal_rate_date, date(2026, 7, 1))
        self.assertEqual(lead.expected_revenue, 8_800.0)
        # no closing date: the rate of the day
        lead.date_deadline = False
        self.assertEqual(lead.deal_rate_source, "today")
        self.assertEqual(lead.deal_valuation_date, date(2026, 6, 15))
        self.assertEqual(lead.expected_revenue, 10_000.0)

    def test_today_policy(self):
        self.company.crm_deal_rate_policy = "today"
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=11_000, date_deadline="2026-09-30"
        )
        self.assertEqual(lead.deal_rate_source, "today")
        self.assertEqual(lead.expected_revenue, 10_000.0)

    def test_same_currency_is_exact(self):
        lead = self._lead(deal_currency_id=self.eur.id, deal_amount=1234.56)
        self.assertEqual(lead.deal_rate_source, "same")
        self.assertEqual(lead.deal_rate, 1.0)
        self.assertFalse(lead.deal_rate_info)
        self.assertEqual(lead.expected_revenue, 1234.56)

    def test_won_deal_is_frozen_at_the_won_date_rate(self):
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=11_000, date_deadline="2026-12-31"
        )
        self.assertEqual(lead.expected_revenue, 8_800.0, "open: rate at the closing date (July)")
        lead.action_set_won()
        self.assertEqual(lead.deal_rate_source, "won")
        self.assertEqual(lead.deal_valuation_date, date(2026, 6, 15))
        self.assertEqual(lead.expected_revenue, 10_000.0, "won on 15 June: June rate")
        with freeze_time("2026-08-01"):
            self._set_rate(self.usd, "2026-07-20", 2.0)
            self.env["crm.lead"]._cron_crm_global_revalue()
            lead.date_deadline = "2027-01-31"
        self.assertEqual(lead.expected_revenue, 10_000.0, "a won deal keeps its rate")

    def test_missing_rate_is_flagged_never_one(self):
        self.brl.active = True
        lead = self._lead(deal_currency_id=self.brl.id, deal_amount=50_000)
        self.assertTrue(lead.deal_rate_missing)
        self.assertEqual(lead.deal_rate, 0.0)
        self.assertEqual(lead.expected_revenue, 0.0, "not 50,000 at a silent 1.0")
        self.assertIn("No BRL rate", lead.deal_rate_info)
        other = self._lead(deal_currency_id=self.eur.id, deal_amount=700)
        totals = self.env["crm.lead"]._read_group(
            [("id", "in", (lead | other).ids)], [], ["expected_revenue:sum"]
        )
        self.assertEqual(totals[0][0], 700.0, "missing-rate deals stay out of totals")
        self.assertEqual(
            self.env["crm.lead"].search([("deal_rate_missing", "=", True), ("id", "=", lead.id)]),
            lead,
        )
        # a rate dated after the valuation date does not help
        self._set_rate(self.brl, "2026-12-01", 6.0)
        self.env["crm.lead"]._cron_crm_global_revalue()
        self.assertTrue(lead.deal_rate_missing)
        # a rate in force: the job re-values it
        self._set_rate(self.brl, "2026-06-01", 5.0)
        self.env["crm.lead"]._cron_crm_global_revalue()
        self.assertFalse(lead.deal_rate_missing)
        self.assertEqual(lead.expected_revenue, 10_000.0)

    def test_rate_of_another_company_is_not_used(self):
        other = self._create_company("Other Co", self.eur)
        self.brl.active = True
        self._set_rate(self.brl, "2026-01-01", 5.0, company=other)
        lead = self._lead(deal_currency_id=self.brl.id, deal_amount=50_000)
        self.assertTrue(lead.deal_rate_missing)

    def test_jpy_and_kwd_rounding(self):
        kwd_company = self._create_company("Gulf Cold Chain WLL", self.kwd)
        self._set_rate(self.jpy, "2026-01-01", 473.80, company=kwd_company)
        self._set_rate(self.eur, "2026-01-01", 2.9612, company=kwd_company)
        lead = self._lead(
            company_id=kwd_company.id,
            user_id=False,
            team_id=False,
            deal_currency_id=self.jpy.id,
            deal_amount=1_234_567.4,
            probability=33,
        )
        self.assertEqual(lead.deal_amount, 1_234_567.0, "yen have no decimals")
        self.assertEqual(lead.company_currency, self.kwd)
        self.assertEqual(lead.expected_revenue, 2605.671, "1234567 / 473.80, 3 decimals")
        self.assertEqual(lead.prorated_revenue, 859.871, "33% of it, 3 decimals")
        jpy_company = self._create_company("Sakura Reefers KK", self.jpy)
        self._set_rate(self.usd, "2026-01-01", 0.00637, company=jpy_company)
        lead = self._lead(
            company_id=jpy_company.id,
            user_id=False,
            team_id=False,
            deal_currency_id=self.usd.id,
            deal_amount=1234.56,
            probability=50,
        )
        self.assertEqual(lead.expected_revenue, 193_808.0, "1234.56 / 0.00637 rounded to yen")
        self.assertEqual(lead.prorated_revenue, 96_904.0)

    def test_direct_writes_of_expected_revenue(self):
        # same currency: it is the deal amount
        lead = self._lead(deal_currency_id=self.eur.id, deal_amount=100)
        lead.expected_revenue = 2500
        self.assertEqual((lead.deal_currency_id, lead.deal_amount), (self.eur, 2500))
        # another currency with a rate: converted back at the stored rate
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=100, date_deadline="2026-06-30")
        lead.expected_revenue = 2000
        self.assertEqual((lead.deal_currency_id, lead.deal_amount), (self.usd, 2200))
        self.assertEqual(lead.expected_revenue, 2000)
        # missing rate: the writer spoke company currency, the deal follows
        lead = self._lead(deal_currency_id=self.brl.id, deal_amount=100)
        self.assertTrue(lead.deal_rate_missing)
        lead.write({"expected_revenue": 900})
        self.assertEqual((lead.deal_currency_id, lead.deal_amount), (self.eur, 900))
        self.assertFalse(lead.deal_rate_missing)
        self.assertEqual(lead.expected_revenue, 900)
        # both given: the deal amount wins, the company amount is derived
        lead.write({"deal_amount": 50, "expected_revenue": 7777})
        self.assertEqual(lead.expected_revenue, 50)

    def test_create_with_company_amount_only(self):
        """Website forms, imports and stock code create with expected_revenue alone."""
        pricelist = self.env["product.pricelist"].create(
            {"name": "US list", "currency_id": self.usd.id, "company_id": self.company.id}
        )
        self.customer.with_company(self.company).specific_property_product_pricelist = pricelist
        lead = self._lead(expected_revenue=1000, date_deadline="2026-06-30")
        self.assertEqual(lead.deal_currency_id, self.usd)
        self.assertEqual(lead.deal_amount, 1100)
        self.assertEqual(lead.expected_revenue, 1000)
        lead = self._lead(expected_revenue=300, partner_id=False)
        self.assertEqual((lead.deal_currency_id, lead.deal_amount), (self.eur, 300))

    def test_copy_keeps_the_deal(self):
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=11_000, date_deadline="2026-06-30"
        )
        copy = lead.copy()
        self.assertEqual((copy.deal_currency_id, copy.deal_amount), (self.usd, 11_000))
        self.assertEqual(copy.expected_revenue, 10_000)

    def test_form_shows_rate(self):
        with Form(self.env["crm.lead"].with_user(self.user)) as form:
            form.name = "Reefer fleet"
            form.partner_id = self.customer
            form.deal_currency_id = self.usd
            form.deal_amount = 2200
            form.date_deadline = date(2026, 6, 30)
        lead = form.record
        self.assertEqual(lead.expected_revenue, 2000)
        self.assertEqual(lead.deal_rate_source, "closing_date")

    def test_stock_expected_revenue_input_still_works(self):
        """Stock's quick create and form keep their expected_revenue input (stock tours and
        users type the amount there) for deals in the company currency."""
        Lead = (
            self.env["crm.lead"]
            .with_user(self.user)
            .with_context(default_type="opportunity", default_team_id=self.team.id)
        )
        quick = self.env.ref("crm.quick_create_opportunity_form")
        with Form(Lead, view=quick) as form:
            form.name = "Test Lead 1"
            form.expected_revenue = 999_999_997
        lead = form.record
        self.assertEqual(
            (lead.deal_currency_id, lead.deal_amount, lead.expected_revenue),
            (self.eur, 999_999_997, 999_999_997),
        )
        with Form(lead) as form:
            form.expected_revenue = 1234
        self.assertEqual((lead.deal_amount, lead.expected_revenue), (1234, 1234))
        # a deal in another currency is typed in that currency; the company amount follows
        with Form(Lead, view=quick) as form:
            form.name = "Reefers"
            form.deal_currency_id = self.jpy
            form.deal_amount = 186_000_001
            self.assertEqual(form.expected_revenue, self.eur.round(186_000_001 / 160))
        self.assertEqual(form.record.deal_amount, 186_000_001, "not rounded by a round trip")
        self.assertEqual(form.record.deal_currency_id, self.jpy)

    def test_kanban_and_dashboard_sums_are_company_currency(self):
        leads = (
            self._lead(deal_currency_id=self.usd.id, deal_amount=11_000, date_deadline="2026-06-30")
            | self._lead(deal_currency_id=self.jpy.id, deal_amount=1_600_000)
            | self._lead(deal_currency_id=self.eur.id, deal_amount=500)
            | self._lead(deal_currency_id=self.brl.id, deal_amount=99_999)
        )
        groups = self.env["crm.lead"].read_group(
            [("id", "in", leads.ids)], ["expected_revenue:sum"], ["stage_id"]
        )
        column = next(g for g in groups if g["stage_id"][0] == self.stage_new.id)
        self.assertEqual(column["expected_revenue"], 10_000 + 10_000 + 500)
        self.team.invalidate_recordset()
        self.assertEqual(self.team.opportunities_amount, 20_500)
        self.assertEqual(self.team.opportunities_count, 4)

    def test_each_company_in_its_own_currency(self):
        usd_company = self._create_company("Lumen Americas Inc", self.usd)
        self._set_rate(self.eur, "2026-01-01", 0.9, company=usd_company)
        us_rep = self.env["res.users"].create(
            {
                "name": "Dana Wright",
                "login": "us_rep",
                "company_id": usd_company.id,
                "company_ids": [usd_company.id],
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        eu_lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=1100, date_deadline="2026-06-30"
        )
        us_lead = self._lead(
            company_id=usd_company.id,
            user_id=us_rep.id,
            team_id=False,
            deal_currency_id=self.eur.id,
            deal_amount=900,
        )
        self.assertEqual(eu_lead.company_currency, self.eur)
        self.assertEqual(eu_lead.expected_revenue, 1000, "EUR for the EUR company")
        self.assertEqual(us_lead.company_currency, self.usd)
        self.assertEqual(us_lead.expected_revenue, 1000, "USD for the USD company")
        visible = (
            self.env["crm.lead"]
            .with_user(us_rep)
            .with_context(allowed_company_ids=usd_company.ids)
            .search([("id", "in", (eu_lead | us_lead).ids)])
        )
        self.assertEqual(visible, us_lead)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestMultiCompanyTotals(CrmGlobalCase):
    def test_totals_across_companies_are_converted_to_the_current_company(self):
        usd_company = self._create_company("Lumen Americas Inc", self.usd)
        self._drop_rates(self.usd)
        self._set_rate(self.usd, "2026-01-01", 1.25)  # EUR company table: 1 USD = 0.80 EUR
        self._set_rate(self.eur, "2026-01-01", 0.8, company=usd_company)
        self.user.company_ids = self.company | usd_company
        eu_lead = self._lead(deal_currency_id=self.eur.id, deal_amount=1000)
        us_lead = self._lead(
            company_id=usd_company.id,
            team_id=False,
            deal_currency_id=self.usd.id,
            deal_amount=500,
        )
        domain = [("id", "in", (eu_lead | us_lead).ids)]
        both = (
            self.env["crm.lead"]
            .with_user(self.user)
            .with_context(allowed_company_ids=[self.company.id, usd_company.id])
        )
        [(total,)] = both._read_group(domain, [], ["expected_revenue:sum"])
        self.assertEqual(total, 1000 + 400, "the USD company's 500 USD in EUR, not 1,500")
        # grouped by company, each company keeps its own currency
        by_company = dict(both._read_group(domain, ["company_id"], ["expected_revenue:sum"]))
        self.assertEqual(by_company[usd_company], 500)
        # from the USD company's side, in USD
        us_first = both.with_context(allowed_company_ids=[usd_company.id, self.company.id])
        [(total,)] = us_first._read_group(domain, [], ["expected_revenue:sum"])
        self.assertEqual(total, 500 + 1250)
        # one company selected: its own pipeline, untouched
        only_eu = both.with_context(allowed_company_ids=[self.company.id])
        [(total,)] = only_eu._read_group(domain, [], ["expected_revenue:sum"])
        self.assertEqual(total, 1000)
        # web_read_group (kanban columns) goes the same way
        groups = both.web_read_group(domain, ["expected_revenue:sum"], ["stage_id"])["groups"]
        column = next(g for g in groups if g["stage_id"] and g["stage_id"][0] == self.stage_new.id)
        self.assertEqual(column["expected_revenue"], 1400)


@tagged("post_install", "-at_install")
class TestInstallKeepsAmounts(CrmGlobalCase):
    def test_existing_amounts_survive_the_install(self):
        lead = self._lead(deal_currency_id=self.eur.id, deal_amount=4321)
        self.env.flush_all()
        # as before the install: an amount in expected_revenue, no deal fields yet
        self.env.cr.execute(
            "UPDATE crm_lead SET deal_amount = NULL, deal_currency_id = NULL, "
            "deal_rate_source = NULL WHERE id = %s",
            [lead.id],
        )
        self.env.invalidate_all()
        post_init_hook(self.env)
        self.assertEqual((lead.deal_currency_id, lead.deal_amount), (self.eur, 4321))
        lead.probability = 55  # any later recomputation keeps the amount
        lead.date_deadline = "2026-12-31"
        self.assertEqual(lead.expected_revenue, 4321)

    def test_deals_created_while_installing_keep_their_currency(self):
        """The demo's deals (ILS, AED, JPY...) are created before the hook runs."""
        self._set_rate(self.jpy, "2026-01-01", 160.0)
        quoted = self._lead(deal_currency_id=self.jpy.id, deal_amount=186_000_000)
        zero = self._lead(deal_currency_id=self.jpy.id, deal_amount=0)
        before = self._lead(deal_currency_id=self.eur.id, deal_amount=4321)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET deal_amount = NULL, deal_currency_id = NULL WHERE id = %s",
            [before.id],
        )
        self.env.invalidate_all()
        post_init_hook(self.env)
        self.assertEqual((quoted.deal_currency_id, quoted.deal_amount), (self.jpy, 186_000_000))
        self.assertEqual(quoted.deal_rate_source, "today")
        self.assertEqual(zero.deal_currency_id, self.jpy)
        self.assertEqual((before.deal_currency_id, before.deal_amount), (self.eur, 4321))

    def test_demo_deals_keep_their_currencies(self):
        # the demo is installed in the suite's databases (odoo-bin -i without --without-demo)
        sakura = self.env.ref("crm_global.lead_demo_sakura")
        self.assertEqual(sakura.deal_currency_id, self.jpy)
        self.assertEqual(sakura.deal_amount, 186_000_000)
        self.assertEqual(self.env.ref("crm_global.lead_demo_negev").deal_currency_id.name, "ILS")
        self.assertEqual(self.env.ref("crm_global.lead_demo_gulf").deal_currency_id.name, "AED")


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestNoSumAcrossCurrencies(CrmGlobalCase):
    """¥12,345,678 + KWD 1,234.568 is not 12,346,912.568 of anything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._drop_rates(cls.jpy)
        cls._drop_rates(cls.kwd)
        cls._set_rate(cls.jpy, "2026-01-01", 160.0)
        cls._set_rate(cls.kwd, "2026-01-01", 0.32)

    def setUp(self):
        super().setUp()
        self.yen = self._lead(deal_currency_id=self.jpy.id, deal_amount=12_345_678)
        self.dinar = self._lead(deal_currency_id=self.kwd.id, deal_amount=1_234.568)
        self.dinar_2 = self._lead(deal_currency_id=self.kwd.id, deal_amount=100)
        self.domain = [("id", "in", (self.yen | self.dinar | self.dinar_2).ids)]

    def _company_total(self):
        return sum((self.yen | self.dinar | self.dinar_2).mapped("expected_revenue"))

    def test_views_do_not_offer_deal_amounts_as_measures(self):
        description = self.env["crm.lead"].fields_get(["deal_amount", "expected_revenue"])
        self.assertFalse(description["deal_amount"].get("aggregator"))
        self.assertEqual(description["expected_revenue"].get("aggregator"), "sum")
        # a grouped list asks the aggregates the fields declare: deal amounts are not summed
        groups = self.env["crm.lead"].web_read_group(
            self.domain, ["deal_amount", "expected_revenue"], ["stage_id"]
        )["groups"]
        column = next(g for g in groups if g["stage_id"][0] == self.stage_new.id)
        self.assertNotIn("deal_amount", column)
        self.assertAlmostEqual(column["expected_revenue"], self._company_total())

    def test_no_sum_of_different_currencies_whoever_asks(self):
        Lead = self.env["crm.lead"]
        [(total, revenue)] = Lead._read_group(
            self.domain, [], ["deal_amount:sum", "expected_revenue:sum"]
        )
        self.assertIsNone(total, "JPY and KWD are not added up")
        self.assertAlmostEqual(revenue, self._company_total(), msg="company currency: summed")
        self.assertAlmostEqual(revenue, 77_160.49 + 3_858.03 + 312.5, delta=0.02)
        [(_stage, average)] = Lead._read_group(self.domain, ["stage_id"], ["deal_amount:avg"])
        self.assertIsNone(average)
        groups = Lead.read_group(self.domain, ["deal_amount:sum"], ["stage_id"])
        column = next(g for g in groups if g["stage_id"][0] == self.stage_new.id)
        self.assertEqual(column["stage_id_count"], 3)
        self.assertFalse(column["deal_amount"])
        # grouped by deal currency, each currency has its total
        by_currency = dict(Lead._read_group(self.domain, ["deal_currency_id"], ["deal_amount:sum"]))
        self.assertEqual(by_currency[self.jpy], 12_345_678)
        self.assertAlmostEqual(by_currency[self.kwd], 1_334.568)
        # a group of one currency is summed
        kwd_only = [("id", "in", (self.dinar | self.dinar_2).ids)]
        [(total,)] = Lead._read_group(kwd_only, [], ["deal_amount:sum"])
        self.assertAlmostEqual(total, 1_334.568)
        # the pivot, grouped by currency then stage, as the web client asks it
        rows = Lead.read_group(
            self.domain, ["deal_amount:sum"], ["deal_currency_id", "stage_id"], lazy=False
        )
        self.assertEqual(len(rows), 2)

    def test_pipeline_chart_by_deal_currency_in_company_currency(self):
        action = self.env.ref("crm_global.crm_lead_action_pipeline_deal_currency")
        views = self.env["crm.lead"].get_views(
            [(view.view_id.id, view.view_mode) for view in action.view_ids]
        )["views"]
        self.assertIn('<field name="deal_currency_id"', views["graph"]["arch"])
        self.assertIn('<field name="expected_revenue" type="measure"', views["graph"]["arch"])
        self.assertNotIn("deal_amount", views["graph"]["arch"] + views["pivot"]["arch"])
        # what the chart reads: each currency's bar in the company currency (EUR)
        bars = dict(
            self.env["crm.lead"]._read_group(
                self.domain, ["deal_currency_id"], ["expected_revenue:sum"]
            )
        )
        self.assertAlmostEqual(bars[self.jpy], self.yen.expected_revenue)
        self.assertAlmostEqual(
            bars[self.kwd],
            self.dinar.expected_revenue + self.dinar_2.expected_revenue,
        )
        self.assertAlmostEqual(self.yen.expected_revenue, 77_160.49)

    def test_pipeline_value_changes_across_companies_in_one_currency(self):
        usd_company = self._create_company("Lumen Americas Inc", self.usd)
        self._drop_rates(self.usd)
        self._set_rate(self.usd, "2026-01-01", 1.25)  # 1 USD = 0.80 EUR
        self._set_rate(self.eur, "2026-01-01", 0.8, company=usd_company)
        self.user.company_ids = self.company | usd_company
        eu_lead = self._lead(deal_currency_id=self.eur.id, deal_amount=1000)
        us_lead = self._lead(
            company_id=usd_company.id, team_id=False, deal_currency_id=self.usd.id, deal_amount=500
        )
        Change = (
            self.env["crm.pipeline.value.change"]
            .with_user(self.user)
            .with_context(allowed_company_ids=[self.company.id, usd_company.id])
        )
        domain = [("lead_id", "in", (eu_lead | us_lead).ids)]
        [(total, deal)] = Change._read_group(domain, [], ["value_change:sum", "deal_change:sum"])
        self.assertEqual((total, deal), (1400, 1400), "500 USD are 400 EUR, not 500")
        by_company = dict(Change._read_group(domain, ["company_id"], ["value_change:sum"]))
        self.assertEqual(by_company[usd_company], 500)
