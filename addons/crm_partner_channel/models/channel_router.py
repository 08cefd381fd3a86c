"""The choice of partners for a batch of leads, in memory, on data loaded once."""

from datetime import datetime, timedelta

from .crm_channel_routing_rule import CrmChannelRoutingRule


class ChannelRouter:
    """The choice of a partner for leads of one batch, in memory: eligible partners of each
    company, the rules in order, then a smooth weighted round-robin between the tiers left, and
    the least loaded partner of the chosen tier (least open offers, least recently offered)."""

    MAX_EXPLAINED_CANDIDATES = 10

    def __init__(self, env, companies):
        self.env = env
        Partner = env["res.partner"].sudo()
        self.rules = [
            rule._channel_prepare(companies)
            for rule in env["crm.channel.routing.rule"]
            .sudo()
            .search([("company_id", "in", companies.ids + [False])])
        ]
        partners = Partner.search_fetch(
            [
                ("grade_id", "!=", False),
                ("partner_weight", ">", 0),
                ("parent_id", "=", False),
                "|",
                ("activation", "=", False),
                ("activation.channel_receives_leads", "=", True),
            ],
            ["name", "grade_id", "company_id", "partner_weight"],
            order="id",
        )
        territories = partners.channel_territory_ids
        matchers = {territory.id: territory._channel_matcher() for territory in territories}
        self.grades = {}
        for grade in partners.grade_id:
            self.grades[grade.id] = {
                "name": grade.name,
                "weight": grade.partner_weight,
                "hours": grade.channel_offer_hours or 48,
                "max": grade.channel_max_open_offers,
                "credit": grade.channel_rr_credit,
                "record": grade,
            }
        Offer = env["crm.channel.offer"].sudo()
        self.open_offers = {
            partner.id: count
            for partner, count in Offer._read_group(
                [("state", "=", "offered"), ("partner_id", "in", partners.ids)],
                ["partner_id"],
                ["__count"],
            )
        }
        self.last_offer = {
            partner.id: last
            for partner, last in Offer._read_group(
                [("partner_id", "in", partners.ids)], ["partner_id"], ["date_offered:max"]
            )
        }
        self.partners = []
        for partner in partners:
            grade = self.grades[partner.grade_id.id]
            self.partners.append(
                {
                    "id": partner.id,
                    "name": partner.name,
                    "grade_id": partner.grade_id.id,
                    "company_id": partner.company_id.id,
                    "max_open_offers": grade["max"],
                    "territories": [
                        matchers[territory.id] for territory in partner.channel_territory_ids
                    ],
                    "industries": set(partner.channel_industry_ids.ids),
                    "categories": set(partner.channel_product_category_ids.ids),
                }
            )
        self.fallbacks = {
            company.id: company.channel_fallback_partner_id for company in companies.sudo()
        }
        self.sequence = 0

    def choose(self, lead):
        _ = self.env._
        candidates = [
            partner
            for partner in self.partners
            if partner["id"] not in lead["declined"]
            and partner["company_id"] in (False, lead["company_id"])
        ]
        steps, stopped = [], False
        for rule in self.rules:
            step = {"rule": rule["name"], "type": rule["type"], "before": len(candidates)}
            steps.append(step)
            if not CrmChannelRoutingRule._channel_applies(rule, lead):
                step["applied"] = False
                continue
            step["applied"] = True
            kept = [
                partner
                for partner in candidates
                if CrmChannelRoutingRule._channel_passes(rule, lead, partner, self.open_offers)
            ]
            step["after"] = len(kept)
            if kept:
                candidates = kept
            elif rule["required"]:
                candidates, stopped = [], True
                break
            else:
                step["ignored"] = True
        if candidates:
            return self._pick(candidates, steps)
        fallback = self.fallbacks.get(lead["company_id"])
        if fallback and fallback.id not in lead["declined"]:
            grade = self.grades.get(fallback.grade_id.id)
            self._count(fallback.id)
            reason = _(
                "Routing rules left no partner; offered to the fallback partner %s.",
                fallback.name,
            )
            return {
                "partner_id": fallback.id,
                "grade_id": fallback.grade_id.id,
                "hours": grade["hours"] if grade else (fallback.grade_id.channel_offer_hours or 48),
                "outcome": "fallback",
                "candidate_count": 0,
                "explanation": {
                    "steps": steps,
                    "candidates": [],
                    "stopped": stopped,
                    "reason": reason,
                },
            }
        return {
            "partner_id": False,
            "grade_id": False,
            "hours": 0,
            "outcome": "none",
            "candidate_count": 0,
            "explanation": {
                "steps": steps,
                "candidates": [],
                "stopped": stopped,
                "reason": _("No partner is eligible and no fallback partner is available."),
            },
        }

    def _pick(self, candidates, steps):
        tiers = {partner["grade_id"] for partner in candidates}
        total = sum(self.grades[tier]["weight"] for tier in tiers)
        for tier in tiers:
            self.grades[tier]["credit"] += self.grades[tier]["weight"]
        best_tier = max(
            tiers,
            key=lambda tier: (self.grades[tier]["credit"], self.grades[tier]["weight"], -tier),
        )
        scores = {tier: round(self.grades[tier]["credit"], 2) for tier in tiers}
        self.grades[best_tier]["credit"] -= total

        def load(partner):
            last = self.last_offer.get(partner["id"])
            return (self.open_offers.get(partner["id"], 0), last or datetime.min, partner["id"])

        chosen = min((p for p in candidates if p["grade_id"] == best_tier), key=load)
        ranked = sorted(candidates, key=lambda p: (-scores[p["grade_id"]], load(p)))
        explained = [
            {
                "partner_id": partner["id"],
                "name": partner["name"],
                "tier": self.grades[partner["grade_id"]]["name"],
                "credit": scores[partner["grade_id"]],
                "open_offers": self.open_offers.get(partner["id"], 0),
            }
            for partner in ranked[: self.MAX_EXPLAINED_CANDIDATES]
        ]
        self._count(chosen["id"])
        grade = self.grades[best_tier]
        reason = self.env._(
            "Offered to %(partner)s: tier %(tier)s had the highest round-robin score among "
            "%(count)s eligible partners, and this partner the fewest open offers in it.",
            partner=chosen["name"],
            tier=grade["name"],
            count=len(candidates),
        )
        return {
            "partner_id": chosen["id"],
            "grade_id": best_tier,
            "hours": grade["hours"],
            "outcome": "offered",
            "candidate_count": len(candidates),
            "explanation": {"steps": steps, "candidates": explained, "reason": reason},
        }

    def _count(self, partner_id):
        self.open_offers[partner_id] = self.open_offers.get(partner_id, 0) + 1
        self.sequence += 1
        # later in this batch than any earlier offer: rotates partners of equal load
        self.last_offer[partner_id] = datetime.max - timedelta(seconds=10**6 - self.sequence)

    def save(self):
        for grade in self.grades.values():
            if grade["record"].channel_rr_credit != grade["credit"]:
                grade["record"].channel_rr_credit = grade["credit"]
