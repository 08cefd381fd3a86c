"""crm_partner_channel: routing leads among 200 partners, against stock crm's lead assignment.

Ours: ``crm.lead._channel_route()`` on N new leads (territory, industry and capacity rules,
weighted round-robin between three tiers). Stock: ``crm.team._action_assign_leads()`` assigning
the same N leads to the salespeople of a sales team (team allocation, de-duplication, then
salespeople), run as stock's own performance test runs it (``testing`` thread: no intermediate
commits). Budgets: under 0.5 queries per lead, not growing with the number of leads, and each
tier's share of the leads within 5 points of its weight.
"""

import threading
from collections import Counter
from itertools import pairwise
from typing import ClassVar

from tests.benchmarks.harness import benchmark

COUNTRIES = ("base.be", "base.nl", "base.fr", "base.de", "base.es")
TIERS = (("Gold", 50, 40), ("Silver", 30, 70), ("Bronze", 20, 90))  # name, weight, partners


@benchmark(
    "channel: route leads among 200 partners",
    sizes=(1000, 5000),
    baseline="stock crm.team._action_assign_leads",
    repeat=1,
)
class RouteLeadsToPartners:
    # tier shares of the leads of each run, read by check(): {size: {grade: (share, weight)}}
    shares: ClassVar[dict] = {}

    def setup(self, env, size):
        countries = [env.ref(xmlid) for xmlid in COUNTRIES]
        industries = env["res.partner.industry"].create(
            [{"name": f"Bench industry {index}"} for index in range(4)]
        )
        # only our rules and partners take part
        env["crm.channel.routing.rule"].search([]).write({"active": False})
        env["res.partner"].search([("grade_id", "!=", False)]).write({"grade_id": False})
        env["crm.channel.routing.rule"].create(
            [
                {"name": "Territory", "sequence": 1, "rule_type": "territory"},
                {
                    "name": "Industry",
                    "sequence": 2,
                    "rule_type": "industry",
                    "required": False,
                },
                {"name": "Capacity", "sequence": 3, "rule_type": "capacity"},
            ]
        )
        territories = env["crm.channel.territory"].create(
            [{"name": c.name, "country_ids": [(6, 0, c.ids)]} for c in countries]
        )
        grades = env["res.partner.grade"].create(
            [
                {
                    "name": f"Bench {name}",
                    "partner_weight": weight,
                    "channel_max_open_offers": 1000,
                    "channel_offer_hours": 48,
                }
                for name, weight, _count in TIERS
            ]
        )
        partners_vals = []
        for grade, (name, _weight, count) in zip(grades, TIERS, strict=True):
            for index in range(count):
                partners_vals.append(
                    {
                        "name": f"Bench {name} Reseller {index}",
                        "is_company": True,
                        "grade_id": grade.id,
                        "channel_territory_ids": [(6, 0, territories[index % 5].ids)],
                        "channel_industry_ids": [(6, 0, industries[index % 4].ids)],
                    }
                )
        env["res.partner"].create(partners_vals)
        quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
        leads = (
            env["crm.lead"]
            .with_context(**quiet)
            .create(
                [
                    {
                        "name": f"Bench lead {index}",
                        "type": "lead",
                        "country_id": countries[index % 5].id,
                        "channel_industry_id": industries[index % 4].id,
                        "expected_revenue": 1000 + index,
                        "team_id": False,
                        "user_id": False,
                        "probability": 30,
                    }
                    for index in range(size)
                ]
            )
        )
        # the stock baseline: one team whose 10 salespeople can take every lead today
        group = env.ref("sales_team.group_sale_salesman")
        users = (
            env["res.users"]
            .with_context(no_reset_password=True, **quiet)
            .create(
                [
                    {
                        "name": f"Bench Salesperson {index}",
                        "login": f"bench_channel_sales_{index}",
                        "groups_id": [(6, 0, group.ids)],
                    }
                    for index in range(10)
                ]
            )
        )
        team = env["crm.team"].create({"name": "Bench Team", "use_leads": True})
        env["crm.team.member"].create(
            [
                {"crm_team_id": team.id, "user_id": user.id, "assignment_max": 30 * size}
                for user in users
            ]
        )
        return {"leads": leads, "team": team, "grades": grades, "size": size}

    def run(self, env, data):
        leads = data["leads"]
        leads._channel_route()
        names = {grade.id: grade.partner_weight for grade in data["grades"]}
        counts = Counter(offer.grade_id.id for offer in leads.channel_offer_ids)
        total = sum(counts.values())
        type(self).shares[data["size"]] = {
            grade_id: (100.0 * counts[grade_id] / total, weight)
            for grade_id, weight in names.items()
        }

    def baseline(self, env, data):
        thread = threading.current_thread()
        testing = getattr(thread, "testing", False)
        thread.testing = True  # as stock's performance tests: no commit in the middle
        try:
            data["team"]._action_assign_leads(force_quota=True, creation_delta_days=0)
        finally:
            thread.testing = testing

    def check(self, results):
        problems = []
        for result in results:
            if result.queries_per_unit >= 0.5:
                problems.append(
                    f"{result.name} @ {result.size}: {result.queries_per_unit:.2f} queries per "
                    "lead, budget 0.5"
                )
        per_lead = [result.queries_per_unit for result in sorted(results, key=lambda r: r.size)]
        if any(later > earlier for earlier, later in pairwise(per_lead)):
            problems.append(f"queries per lead grow with the number of leads: {per_lead}")
        for size, shares in type(self).shares.items():
            for share, weight in shares.values():
                if abs(share - weight) > 5:
                    problems.append(
                        f"@ {size}: a tier of weight {weight} got {share:.1f}% of the leads"
                    )
        return problems
