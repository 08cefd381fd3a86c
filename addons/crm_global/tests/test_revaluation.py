from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmGlobalValueCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestRevaluation(CrmGlobalValueCase):
    def test_rate_change_while_open_is_drift_not_deal(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        self.assertEqual(lead.expected_revenue, 800)
        lead.deal_amount = 1500  # +500 USD at 0.80 = +400 EUR of deal change
        self.assertEqual(lead.expected_revenue, 1200)
        with freeze_time("2026-06-16 06:00:00"):
            self._set_rate(self.usd, "2026-06-16", 1.0)  # 1 USD = 1 EUR
            self.assertFalse(lead.deal_revalued_on, "rate change marks open deals")
            self.env["crm.lead"]._cron_crm_global_revalue()
        self.assertEqual(lead.expected_revenue, 1500)
        self.assertEqual(str(lead.deal_rate_date), "2026-06-16")
        changes = self._changes(lead)
        self.assertEqual(changes.mapped("reason"), ["new", "amount", "rate"])
        self.assertEqual(changes.mapped("deal_change"), [800, 400, 0])
        self.assertEqual(changes.mapped("fx_change"), [0, 0, 300])
        self.assertEqual(changes.mapped("cause"), ["deal", "deal", "fx"])
        # the report: deal changes and drift add up to the change of pipeline value
        (deal, fx, total) = self.Change._read_group(
            [("lead_id", "=", lead.id)],
            [],
            ["deal_change:sum", "fx_change:sum", "value_change:sum"],
        )[0]
        self.assertEqual((deal, fx, total), (1200, 300, 1500))

    def test_amount_and_rate_changing_together_are_split(self):
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=1000, date_deadline="2026-06-20"
        )
        self.company.crm_deal_rate_policy = "closing_date"
        self._set_rate(self.usd, "2026-07-01", 2.0)  # 1 USD = 0.50 EUR from July
        lead.write({"deal_amount": 2000, "date_deadline": "2026-07-10"})
        change = self._changes(lead)[-1]
        self.assertEqual(change.reason, "amount_rate")
        self.assertEqual(change.deal_change, 800, "+1000 USD at the old 0.80")
        self.assertEqual(change.fx_change, -600, "2000 USD lose 0.30 each")
        self.assertEqual(lead.expected_revenue, 1000)

    def test_won_and_lost_leave_the_pipeline_as_deal_changes(self):
        won = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        lost = self._lead(deal_currency_id=self.usd.id, deal_amount=500)
        won.action_set_won()
        lost.action_set_lost()
        self.assertEqual(self._changes(won)[-1].reason, "won")
        self.assertEqual(self._changes(won)[-1].deal_change, -800)
        self.assertEqual(self._changes(lost)[-1].reason, "lost")
        self.assertEqual(self._changes(lost)[-1].deal_change, -400)
        lost.action_unarchive()
        self.assertEqual(self._changes(lost)[-1].reason, "reopened")

    def test_missing_rate_is_drift(self):
        self.brl.active = True
        self._drop_rates(self.brl)
        lead = self._lead(deal_currency_id=self.brl.id, deal_amount=1000)
        self.assertFalse(self._changes(lead), "nothing enters the pipeline without a rate")
        self._set_rate(self.brl, "2026-06-01", 5.0)
        self.env["crm.lead"]._cron_crm_global_revalue()
        change = self._changes(lead)
        self.assertEqual(
            (change.reason, change.cause, change.fx_change), ("rate_restored", "fx", 200)
        )

    def test_job_runs_in_batches_and_is_idempotent(self):
        leads = self.env["crm.lead"]
        for amount in (100, 200, 300, 400, 500):
            leads |= self._lead(deal_currency_id=self.usd.id, deal_amount=amount)
        same = self._lead(deal_currency_id=self.eur.id, deal_amount=999)
        self.env.cr.flush()  # the request that created them ends (values computed, log written)
        with freeze_time("2026-06-17 06:00:00"):
            self._set_rate(self.usd, "2026-06-17", 1.0)
            cron = self.env.ref("crm_global.ir_cron_crm_global_revalue")
            # the cron runner's progress protocol: one bounded batch per call
            cron, progress = cron._add_progress()
            done = (
                self.env["crm.lead"]
                .with_context(ir_cron_progress_id=progress.id)
                ._cron_crm_global_revalue(batch_size=2)
            )
            self.assertEqual(done, 2)
            # other open foreign-currency deals of the database (demo data...) may wait too
            self.assertGreaterEqual(progress.remaining, 3)
            self.assertEqual(
                sum(1 for amount in leads.mapped("expected_revenue") if amount in (100, 200)),
                len(leads.filtered(lambda lead: str(lead.deal_revalued_on) == "2026-06-17")),
                "only the claimed batch moved",
            )
            self.assertGreaterEqual(self.env["crm.lead"]._cron_crm_global_revalue(batch_size=2), 3)
            self.assertEqual(leads.mapped("expected_revenue"), [100, 200, 300, 400, 500])
            count = self.Change.search_count([])
            self.assertEqual(self.env["crm.lead"]._cron_crm_global_revalue(), 0, "idempotent")
            self.assertEqual(self.Change.search_count([]), count)
            self.assertEqual(
                same.deal_revalued_on.isoformat(), "2026-06-15", "same currency: never"
            )
        with freeze_time("2026-06-18 06:00:00"):
            # a new day: open foreign-currency deals are looked at again, unchanged values
            # log nothing
            self.assertGreaterEqual(self.env["crm.lead"]._cron_crm_global_revalue(), 5)
            self.assertEqual(self.Change.search_count([]), count)

    def test_policy_change_revalues(self):
        self.company.crm_deal_rate_policy = "closing_date"
        self._set_rate(self.usd, "2026-07-01", 2.0)
        lead = self._lead(
            deal_currency_id=self.usd.id, deal_amount=1000, date_deadline="2026-07-10"
        )
        self.assertEqual(lead.expected_revenue, 500)
        self.company.crm_deal_rate_policy = "today"
        self.env["crm.lead"]._cron_crm_global_revalue()
        self.assertEqual(lead.expected_revenue, 800)
        self.assertEqual(lead.deal_rate_source, "today")

    def test_report_is_company_scoped(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        other_company = self.env["res.company"].create({"name": "Elsewhere SA"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "outsider_global",
                "company_id": other_company.id,
                "company_ids": [other_company.id],
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_manager").id])],
            }
        )
        outsider_env = self.Change.with_user(outsider).with_context(
            allowed_company_ids=other_company.ids
        )
        self.assertFalse(outsider_env.search([("lead_id", "=", lead.id)]))
        self.assertTrue(self.Change.with_user(self.user).search([("lead_id", "=", lead.id)]))
