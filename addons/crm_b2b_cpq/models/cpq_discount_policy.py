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

    @api.model
    def _policies_for(self, orders):
        """The policy of each order: its team's, else its company's default. One query."""
        policies = self.search([("company_id", "in", orders.company_id.ids)], order="team_id, id")
        by_scope = {(p.company_id.id, p.team_id.id): p for p in policies}
        return {
            order: by_scope.get((order.company_id.id, order.team_id.id))
            or by_scope.get((order.company_id.id, False))
            or self
            for order in orders
        }
