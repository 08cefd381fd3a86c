"""crm_global benchmarks: the slot finder and the re-valuation of open opportunities."""

from datetime import timedelta

import pytz

from odoo import fields
from odoo.models import BaseModel
from odoo.tools import SQL

from tests.benchmarks.harness import benchmark


def _company(env, name, currency):
    company = env["res.company"].create({"name": name, "currency_id": currency.id})
    env["res.currency.rate"].create(
        {"currency_id": currency.id, "company_id": company.id, "name": "2000-01-01", "rate": 1}
    )
    return company


@benchmark(
    "global: slot finder over 14 days",
    sizes=(50, 200),
    baseline="stock resource work intervals + event search",
)
class SlotFinder:
    """A salesperson with `size` meetings in the next 14 days; find every free slot that also
    fits a New York customer's window."""

    def setup(self, env, size):
        company = env["res.company"].create({"name": "Bench Slots"})
        calendar = env["resource.calendar"].create(
            {"name": "Bench 9-17", "tz": "Europe/Paris", "company_id": company.id}
        )
        user = env["res.users"].create(
            {
                "name": "Bench Rep",
                "login": "bench_global_rep",
                "tz": "Europe/Paris",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        resource = env["resource.resource"].create(
            {
                "name": user.name,
                "user_id": user.id,
                "calendar_id": calendar.id,
                "tz": "Europe/Paris",
                # the user's company: the finder uses this calendar, as the baseline does
                "company_id": company.id,
            }
        )
        now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        env["calendar.event"].with_context(no_mail_to_attendees=True).create(
            [
                {
                    "name": f"Meeting {i}",
                    "start": now + timedelta(hours=(i * 37) % (14 * 24)),
                    "stop": now + timedelta(hours=(i * 37) % (14 * 24), minutes=45),
                    "partner_ids": [(6, 0, user.partner_id.ids)],
                }
                for i in range(size)
            ]
        )
        return {
            "user": user,
            "resource": resource,
            "calendar": calendar,
            "now": now,
            "country": env.ref("base.us"),
        }

    def run(self, env, data):
        env["crm.slot.finder"]._find_slots(
            data["user"], data["country"], "America/New_York", days=14, duration=30
        )

    def baseline(self, env, data):
        start = pytz.utc.localize(data["now"])
        stop = start + timedelta(days=14)
        data["calendar"]._work_intervals_batch(start, stop, resources=data["resource"])
        env["calendar.event"].search_fetch(
            [
                ("partner_ids", "in", data["user"].partner_id.ids),
                ("start", "<", stop.replace(tzinfo=None)),
                ("stop", ">", start.replace(tzinfo=None)),
            ],
            ["start", "stop"],
        )

    def check(self, results):
        problems = []
        for result in results:
            if result.size == 200 and result.ours.seconds > 0.2:
                problems.append(
                    f"slot finder @200 events: {result.ours.seconds * 1000:.0f} ms > 200"
                )
        counts = {result.ours.queries for result in results}
        if len(counts) > 1:
            problems.append(f"slot finder queries grow with events: {sorted(counts)}")
        return problems


@benchmark(
    "global: re-value open opportunities",
    sizes=(1000, 10000),
    baseline="stock _convert per opportunity + write of the values",
    repeat=2,
)
class Revalue:
    """`size` open USD opportunities of a EUR company after a new USD rate: the cron job
    re-values them all (rates looked up in one query, batched writes, drift logged)."""

    def setup(self, env, size):
        eur, usd = env.ref("base.EUR"), env.ref("base.USD")
        (eur | usd).active = True
        company = _company(env, "Bench Revalue GmbH", eur)
        env["res.currency.rate"].create(
            {"currency_id": usd.id, "company_id": company.id, "name": "2026-01-01", "rate": 1.1}
        )
        stage = env["crm.stage"].create({"name": "Bench open", "sequence": 1})
        today = fields.Date.context_today(env["crm.lead"])
        env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lead (name, type, active, company_id, stage_id, probability,
                                      deal_currency_id, deal_amount, deal_rate, deal_rate_date,
                                      deal_valuation_date, deal_rate_source, deal_rate_missing,
                                      deal_revalued_on, expected_revenue, prorated_revenue,
                                      create_date, write_date, create_uid, write_uid)
                SELECT 'Bench deal ' || n, 'opportunity', TRUE, %(company)s, %(stage)s, 10,
                       %(usd)s, 1000 + n, 1 / 1.1, '2026-01-01', %(today)s, 'today', FALSE,
                       %(today)s, ROUND((1000 + n) / 1.1, 2), ROUND((1000 + n) / 11.0, 2),
                       now(), now(), 1, 1
                  FROM generate_series(1, %(size)s) AS n
                RETURNING id
                """,
                company=company.id,
                stage=stage.id,
                usd=usd.id,
                today=today,
                size=size,
            )
        )
        leads = env["crm.lead"].browse(row[0] for row in env.cr.fetchall())
        company.crm_deal_rate_policy = "today"  # marks them all for re-valuation
        env["res.currency.rate"].create(
            {"currency_id": usd.id, "company_id": company.id, "name": today, "rate": 1.25}
        )
        # The job re-values every deal due; on a database with other deals (demo data, a CI
        # database), only the benchmark's own are due (the new rate marked all USD deals).
        env["crm.lead"].flush_model()
        env.cr.execute(
            SQL(
                "UPDATE crm_lead SET deal_revalued_on = %s WHERE id NOT IN %s",
                today,
                tuple(leads.ids),
            )
        )
        env["crm.lead"].invalidate_model(["deal_revalued_on"])
        amounts = [1000 + n for n in range(1, size + 1)]
        return {
            "leads": leads,
            "usd": usd,
            "eur": eur,
            "company": company,
            "amounts": amounts,
            "probabilities": [10] * size,
        }

    def run(self, env, data):
        done = env["crm.lead"]._cron_crm_global_revalue(batch_size=len(data["leads"]))
        assert done == len(data["leads"]), done

    def baseline(self, env, data):
        """Stock converting each deal's amount at the rate of the day and storing the result:
        stock's conversion (res.currency._convert) and stock's own write of the converted
        expected revenue with the prorated revenue stock derives from it (round(x * p / 100,
        2)), through the ORM's batched column write (BaseModel._write_multi, what a flush of
        these writes executes). It is the cheapest way stock stores a value per deal: no
        per-record write() overhead and no tracking message, so the baseline stays as fast as
        stock can be; crm.lead's registry field has our compute and inverse, which the
        low-level write skips, so nothing of ours runs here."""
        usd, eur, company = data["usd"], data["eur"], data["company"]
        today = fields.Date.context_today(env["crm.lead"])
        values = []
        for amount, probability in zip(data["amounts"], data["probabilities"], strict=True):
            expected = usd._convert(amount, eur, company, today)
            values.append(
                {
                    "expected_revenue": expected,
                    "prorated_revenue": round(expected * probability / 100.0, 2),
                }
            )
        BaseModel._write_multi(data["leads"], values)

    def check(self, results):
        problems = []
        for result in results:
            if result.queries_per_unit > 0.1:
                problems.append(
                    f"re-valuation @{result.size}: {result.ours.queries} queries "
                    f"({result.queries_per_unit:.2f} per opportunity)"
                )
        return problems
