from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_channel_territory import CrmChannelTerritory

RULE_TYPES = [
    ("territory", "Territory"),
    ("industry", "Industry"),
    ("product_category", "Product Category"),
    ("tier", "Tier"),
    ("capacity", "Capacity"),
]


class CrmChannelRoutingRule(models.Model):
    """One step of lead distribution. The active rules run in sequence on the partners still
    eligible for a lead, each keeping the partners that pass it:

    - territory: the partner covers the lead's country, state and zip (no territory: everywhere);
    - industry: the partner serves the lead's industry (none declared: all industries);
    - product category: the partner sells a category of the lead's products (or a parent of it);
    - tier: when the lead's expected revenue reaches the rule's threshold, only these tiers;
    - capacity: the partner holds fewer open offers than its tier allows.

    A rule that does not apply to a lead (no country, no industry, revenue under the threshold...)
    is skipped. When a rule leaves nobody, a required rule ends the search (the fallback partner
    gets the lead) and an optional rule is ignored."""

    _name = "crm.channel.routing.rule"
    _description = "Channel Routing Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)
    rule_type = fields.Selection(RULE_TYPES, string="Rule", required=True, default="territory")
    required = fields.Boolean(
        default=True,
        help="Required: when no partner passes this rule, routing stops and the fallback partner "
        "gets the lead. Optional: when no partner passes it, the rule is ignored.",
    )
    grade_ids = fields.Many2many(
        "res.partner.grade",
        "crm_channel_routing_rule_grade_rel",
        "rule_id",
        "grade_id",
        string="Tiers",
        help="Tier rule: the tiers allowed to receive the lead.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    min_expected_revenue = fields.Monetary(
        "From Expected Revenue",
        currency_field="currency_id",
        help="Tier rule: applies to leads whose expected revenue reaches this amount.",
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    @api.constrains("rule_type", "grade_ids")
    def _check_tier_rule_grades(self):
        for rule in self:
            if rule.rule_type == "tier" and not rule.grade_ids:
                raise ValidationError(
                    self.env._(
                        "Tier rule %s: choose the tiers allowed to receive leads.", rule.name
                    )
                )

    @api.constrains("min_expected_revenue")
    def _check_min_expected_revenue(self):
        for rule in self:
            if rule.min_expected_revenue < 0:
                raise ValidationError(
                    self.env._("Rule %s: the revenue threshold cannot be negative.", rule.name)
                )

    # ------------------------------------------------------------
    # Evaluation (plain Python on preloaded data: no query per lead)
    # ------------------------------------------------------------

    def _channel_prepare(self, lead_companies):
        """Static data of the rule for a routing batch: thresholds in each lead company's
        currency, converted once at today's rate."""
        self.ensure_one()
        thresholds = {}
        if self.rule_type == "tier":
            today = fields.Date.context_today(self)
            for company in lead_companies:
                thresholds[company.id] = self.currency_id._convert(
                    self.min_expected_revenue, company.currency_id, company, today
                )
        return {
            "id": self.id,
            "name": self.name,
            "type": self.rule_type,
            "required": self.required,
            "company_id": self.company_id.id,
            "grades": set(self.grade_ids.ids),
            "thresholds": thresholds,
        }

    @staticmethod
    def _channel_applies(rule, lead):
        """Whether the rule has something to say about this lead (a dict of lead data)."""
        kind = rule["type"]
        if rule["company_id"] and rule["company_id"] != lead["company_id"]:
            return False
        if kind == "territory":
            return bool(lead["country_id"] or lead["state_id"] or lead["zip"])
        if kind == "industry":
            return bool(lead["industry_id"])
        if kind == "product_category":
            return bool(lead["category_paths"])
        if kind == "tier":
            threshold = rule["thresholds"].get(lead["company_id"], 0.0)
            return lead["expected_revenue"] >= threshold
        return kind == "capacity"

    @staticmethod
    def _channel_passes(rule, lead, partner, open_offers):
        """Whether a partner (a dict of partner data) passes the rule for this lead."""
        kind = rule["type"]
        if kind == "territory":
            if not partner["territories"]:
                return True
            return any(
                CrmChannelTerritory._channel_match(
                    matcher, lead["country_id"], lead["state_id"], lead["zip"]
                )
                for matcher in partner["territories"]
            )
        if kind == "industry":
            return not partner["industries"] or lead["industry_id"] in partner["industries"]
        if kind == "product_category":
            if not partner["categories"]:
                return True
            # a category path "1/4/9/" covers its parents 1 and 4: a partner selling "All /
            # Hardware" takes leads for "All / Hardware / Laptops"
            return any(
                int(ancestor) in partner["categories"]
                for path in lead["category_paths"]
                for ancestor in path.strip("/").split("/")
            )
        if kind == "tier":
            return partner["grade_id"] in rule["grades"]
        if kind == "capacity":
            maximum = partner["max_open_offers"]
            return not maximum or open_offers.get(partner["id"], 0) < maximum
        return True
