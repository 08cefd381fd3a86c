"""Query budgets of crm_global's hot paths, written the stock way (see crm's
test_performances.py): as a real user with their record rules, after a warm-up run, and the
same count when the work grows."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged, users, warmup

from .common import CrmGlobalCase, CrmGlobalTimeCase


@tagged("post_install", "-at_install")
@freeze_time("2026-03-02 06:00:00")
class TestSlotFinderQueryBudget(CrmGlobalTimeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._window("us", 9, 17)
        cls.rep = cls._salesperson("perf_rep", "Europe/Paris")

    @classmethod
    def _meetings(cls, count, offset=0):
        start = datetime(2026, 3, 2, 8, 0)
        cls.env["calendar.event"].with_context(no_mail_to_attendees=True).create(
            [
                {
                    "name": f"Meeting {offset + index}",
                    "start": start + timedelta(hours=((offset + index) * 37) % (14 * 24)),
                    "stop": start
                    + timedelta(hours=((offset + index) * 37) % (14 * 24), minutes=45),
                    "partner_ids": [(6, 0, cls.rep.partner_id.ids)],
                }
                for index in range(count)
            ]
        )

    @users("perf_rep")
    @warmup
    def test_slot_finder(self):
        finder, us = self.env["crm.slot.finder"], self.env.ref("base.us")
        self._meetings(10)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(perf_rep=8):
            few = finder._find_slots(self.env.user, us, "America/New_York", days=14)
        self._meetings(40, offset=10)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(perf_rep=8):
            many = finder._find_slots(self.env.user, us, "America/New_York", days=14)
        self.assertTrue(few)
        self.assertLess(len(many), len(few), "the new meetings took slots")


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestRevaluationQueryBudget(CrmGlobalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._drop_rates(cls.usd)
        cls._set_rate(cls.usd, "2026-01-01", 1.25)
        cls.company.crm_deal_rate_policy = "today"
        cls.manager = new_test_user(
            cls.env,
            login="perf_sales_manager",
            name="Perf Manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _deals(self, count):
        return (
            self.env["crm.lead"]
            .sudo()
            .create(
                [
                    {
                        "name": f"Reefer fleet {index}",
                        "type": "opportunity",
                        "company_id": self.company.id,
                        "stage_id": self.stage_new.id,
                        "deal_currency_id": self.usd.id,
                        "deal_amount": 1000 + index,
                    }
                    for index in range(count)
                ]
            )
        )

    @users("perf_sales_manager")
    @warmup
    def test_revaluation(self):
        Lead = self.env["crm.lead"]
        day = 16
        for count in (5, 50):
            deals = self._deals(count)
            self.env.flush_all()
            with freeze_time(f"2026-06-{day} 06:00:00"):
                self._set_rate(self.usd, f"2026-06-{day}", 1.0 + day / 100)
                self.env.flush_all()
                self.env.invalidate_all()
                # flat: 11 whatever the number of deals (two claims, each in a savepoint so that
                # a worker losing a race to another one stops cleanly: crm_global/tools/claim.py)
                with self.assertQueryCount(perf_sales_manager=11):
                    done = Lead._cron_crm_global_revalue()
            self.assertGreaterEqual(done, count)
            self.assertEqual(
                deals.mapped("expected_revenue"),
                [round((1000 + index) / (1.0 + day / 100), 2) for index in range(count)],
            )
            day += 1
