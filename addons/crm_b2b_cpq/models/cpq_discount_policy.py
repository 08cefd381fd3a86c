from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CpqDiscountPolicy(models.Model):
    """What a sales team (or, without a team, a whole company) may quote without approval, and
    who approves a quote outside it."""

    _name = "cpq.discount.policy"
    _description = "Quotation Discount Policy"
    _inherit = "mail.thread"
    _order = "company_id, team_id, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index=True,
        check_company=True,
        tracking=True,
        help="Leave empty for the company's default policy, used by teams without their own.",
    )
    max_discount = fields.Float(
        string="Maximum Discount (%)",
        digits=(16, 2),
        tracking=True,
        help="Highest manual discount a line may carry, measured against the price the "
        "pricelist, tiers and contract give (manual price changes count as discount).",
    )
    min_margin = fields.Float(
        string="Minimum Margin (%)",
        digits=(16, 2),
        tracking=True,
        help="Lowest margin the whole quotation may have (cost from the lines' cost price).",
    )
    approver_ids = fields.Many2many(
        "res.users",
        "cpq_discount_policy_approver_rel",
        "policy_id",
        "user_id",
        string="Approvers",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Users who approve quotations outside this policy. Nobody approves their own "
        "quotation; without another approver here, the team leader approves.",
    )

    _sql_constraints = (
        (
            "max_discount_range",
            "CHECK(max_discount >= 0 AND max_discount <= 100)",
            "The maximum discount is a percentage between 0 and 100.",
        ),
        (
            "min_margin_range",
            "CHECK(min_margin >= -100 AND min_margin <= 100)",
            "The minimum margin is a percentage between -100 and 100.",
        ),
    )

    @api.constrains("team_id", "company_id", "active")
    def _check_one_policy_per_scope(self):
        for policy in self.filtered("active"):
            duplicate = self.search_count(
                [
                    ("id", "!=", policy.id),
                    ("company_id", "=", policy.company_id.id),
                    ("team_id", "=", policy.team_id.id),
                ],
                limit=1,
            )
            if duplicate:
                raise ValidationError(
                    self.env._(
                        "%(scope)s already has an active discount policy: edit it or archive it "
                        "first.",
                        scope=policy.team_id.display_name or policy.company_id.display_name,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if {"max_discount", "min_margin", "team_id", "company_id", "active"} & set(vals):
            # Open quotations are judged again against the policy as it is now (asked by the
            # system: the manager who changed the policy may approve).
            orders = (
                self.env["sale.order"]
                .sudo()
                .search(
                    [("state", "in", ("draft", "sent")), ("company_id", "in", self.company_id.ids)]
                )
            )
            orders._cpq_after_change()
        return res

    @api.model
    def _policies_for(self, orders):
        """The policy that judges each order: the strictest of the policies of its team, of the
        teams its salesperson belongs to (member or leader), and of the teams bound to it (see
        `sale.order.cpq_policy_team_ids`: its creator's, its earlier teams' and salespeople's),
        each team without its own policy falling back to its company's default, and the
        company's default for a salesperson in no team. The person judged chooses none of
        these: moving a quotation to a team with a laxer policy, or to a salesperson of such a
        team, loosens nothing. Strictest: the lowest maximum discount, then the highest minimum
        margin. Few queries for all the orders."""
        policies = self.search([("company_id", "in", orders.company_id.ids)], order="team_id, id")
        by_scope = {(p.company_id.id, p.team_id.id): p for p in policies}
        users = orders.user_id.sudo()
        led = self.env["crm.team"].sudo().search([("user_id", "in", users.ids)])
        teams_of = {
            user: user.crm_team_ids | led.filtered(lambda t, u=user: t.user_id == u)
            for user in users
        }
        result = {}
        for order in orders:
            company = order.company_id

            def policy_of(team, company=company):
                return by_scope.get((company.id, team.id)) or by_scope.get((company.id, False))

            def of_company(teams, company=company):
                return teams.filtered(lambda t: t.company_id in (company, self.env["res.company"]))

            user_teams = of_company(teams_of.get(order.user_id.sudo(), self.env["crm.team"]))
            candidates = [policy_of(order.team_id)] if order.team_id else []
            candidates += [policy_of(team) for team in user_teams]
            candidates += [policy_of(team) for team in of_company(order.sudo().cpq_policy_team_ids)]
            if not user_teams or order.sudo().cpq_policy_company_default:
                candidates.append(by_scope.get((company.id, False)))
            candidates = [p for p in candidates if p]
            result[order] = (
                min(candidates, key=lambda p: (p.max_discount, -p.min_margin, p.id))
                if candidates
                else self
            )
        return result
