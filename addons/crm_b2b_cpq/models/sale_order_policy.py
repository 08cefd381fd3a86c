from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tools import SQL, float_compare, formatLang


class SaleOrder(models.Model):
    """The judgement: what a quotation gives away, which policy judges it, and the invariant.

    What is judged is stored on the order and recomputed from its lines and optional products
    whatever path changes them (a write of the order, of the line, of another order's one2many,
    a wizard, the portal): the highest discount in percent (of a line, of an optional product,
    or of the whole quotation against what pricing proposes, which sees global discount lines,
    negative lines and lines flagged as down payments) and the discount as an amount.

    The invariant (`_check_cpq_approval_covers`) is a constraint, checked whenever what is
    judged, the state, the signature or the approval changes, before the transaction commits:
    no order outside its policy is sent, signed, confirmed, paid or invoiced (down payments
    included) without an approval that covers it, in percent, in amount and in margin.
    The buttons keep their own clearer messages (`_cpq_blocking_reasons`) on top of it.
    """

    _inherit = "sale.order"

    cpq_max_discount = fields.Float(
        string="Highest Discount (%)",
        digits=(16, 2),
        compute="_compute_cpq_discount_measure",
        store=True,
        help="The highest discount the policy judges: of a line or an optional product against "
        "the price the pricelist, tiers and contract give, or of the whole quotation against "
        "what pricing proposes (global discount, negative and down-payment lines included).",
    )
    cpq_discount_amount = fields.Monetary(
        string="Discount Given",
        compute="_compute_cpq_discount_measure",
        store=True,
        help="What the customer pays less than pricing proposes, over the quotation and its "
        "optional products.",
    )
    cpq_proposed_amount = fields.Monetary(
        string="Proposed by Pricing",
        compute="_compute_cpq_discount_measure",
        store=True,
        help="What the quotation's lines and optional products would cost at the prices the "
        "pricelist, tiers and contract give, before any manual discount.",
    )
    cpq_policy_id = fields.Many2one(
        "cpq.discount.policy", string="Discount Policy", compute="_compute_cpq_policy_id"
    )
    cpq_policy_team_ids = fields.Many2many(
        "crm.team",
        "sale_order_cpq_policy_team_rel",
        "order_id",
        "team_id",
        string="Teams Bound to Judge",
        copy=False,
        readonly=True,
        help="Teams whose policy keeps judging the quotation whoever it is reassigned to: the "
        "teams of the salesperson who created it and of its earlier teams and salespeople, "
        "unless a sales manager reassigned it.",
    )
    cpq_policy_company_default = fields.Boolean(
        string="Company Policy Bound to Judge",
        copy=False,
        readonly=True,
        help="The company's default policy keeps judging the quotation: it was created, or "
        "held, by a salesperson in no sales team.",
    )
    cpq_margin_note = fields.Text(
        compute="_compute_cpq_margin_note",
        string="Margin Not Judged",
        help="Lines whose product has no cost: the margin rule cannot judge them.",
    )
    cpq_under_review = fields.Boolean(
        compute="_compute_cpq_under_review",
        help="Outside its policy without an approval covering it, or rejected: the customer "
        "cannot accept it yet.",
    )

    # ------------------------------------------------------------------------------------------
    # What is judged
    # ------------------------------------------------------------------------------------------

    @api.depends(
        "currency_id",
        "order_line.display_type",
        "order_line.is_downpayment",
        "order_line.product_id",
        "order_line.product_uom_qty",
        "order_line.price_unit",
        "order_line.discount",
        "order_line.cpq_list_amount",
        "order_line.cpq_rule_amount",
        "order_line.cpq_tier_amount",
        "order_line.cpq_manual_amount",
        "order_line.cpq_manual_discount",
        "order_line.cpq_price_source",
        "sale_order_option_ids.product_id",
        "sale_order_option_ids.quantity",
        "sale_order_option_ids.uom_id",
        "sale_order_option_ids.price_unit",
        "sale_order_option_ids.discount",
        "sale_order_option_ids.line_id",
        "pricelist_id",
        "date_order",
        "partner_id",
        "fiscal_position_id",
    )
    def _compute_cpq_discount_measure(self):
        for order in self:
            measure = order._cpq_discount_measure()
            order.cpq_max_discount = measure["percent"]
            order.cpq_discount_amount = measure["amount"]
            order.cpq_proposed_amount = measure["proposed"]

    def _cpq_discount_measure(self):
        """What the quotation gives away, measured against what pricing proposes.

        :returns: dict(percent, amount, proposed, lines: {line: percent},
            options: {option: percent}, quote_percent)
        """
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        proposed = quoted = 0.0
        line_percents = {}
        judged = self.order_line._cpq_policy_lines()
        for line in self.order_line.filtered(lambda sol: not sol.display_type):
            if line in judged and line.cpq_price_source and line.product_uom_qty > 0:
                system = line.cpq_list_amount + line.cpq_rule_amount + line.cpq_tier_amount
                proposed += system
                quoted += system + line.cpq_manual_amount
                line_percents[line] = line.cpq_manual_discount
            else:
                # A line pricing does not propose (global discount, negative quantity, a line
                # flagged as down payment, ...) can only lower what the customer pays.
                net = line.price_unit * (1 - (line.discount or 0.0) / 100)
                quoted += min(0.0, currency.round(line.product_uom_qty * net))
        option_percents = {}
        for option in self.sale_order_option_ids.filtered(
            lambda opt: opt.product_id and not opt.line_id and opt.quantity > 0
        ):
            option_proposed, option_quoted, percent = option._cpq_option_measure()
            proposed += option_proposed
            quoted += option_quoted
            option_percents[option] = percent
        amount = currency.round(proposed - quoted)
        if float_compare(proposed, 0, precision_digits=6) > 0:
            quote_percent = max(0.0, amount / proposed * 100)
        else:
            quote_percent = 100.0 if currency.compare_amounts(amount, 0) > 0 else 0.0
        percent = max([quote_percent, *line_percents.values(), *option_percents.values()])
        return {
            "percent": percent,
            "amount": amount,
            "proposed": currency.round(proposed),
            "lines": line_percents,
            "options": option_percents,
            "quote_percent": quote_percent,
        }

    def _cpq_margin_percent(self):
        """The quotation's margin in percent, or None when there is nothing to measure.

        The margin of sale_margin, except that a line's cost (editable on the line) never counts
        below the product's own cost: lowering it cannot bring a quotation within policy."""
        self.ensure_one()
        # Lines without any cost say nothing about the margin: not judged (see reasons).
        no_cost = self.order_line._cpq_policy_lines().filtered(lambda line: line._cpq_has_no_cost())
        untaxed = self.amount_untaxed - sum(no_cost.mapped("price_subtotal"))
        if float_compare(untaxed, 0, precision_digits=6) <= 0:
            return None
        margin = self.margin - sum(no_cost.mapped("margin"))
        for line in self.order_line._cpq_policy_lines() - no_cost:
            product_cost = line._cpq_product_cost()
            if line.purchase_price < product_cost:
                margin -= (product_cost - line.purchase_price) * line.product_uom_qty
        return margin / untaxed * 100

    def _cpq_margin_notes(self):
        """What the margin rule cannot judge: lines whose product has no cost."""
        self.ensure_one()
        labels = self.order_line._cpq_line_labels()
        no_cost = self.order_line._cpq_policy_lines().filtered(lambda line: line._cpq_has_no_cost())
        if not no_cost:
            return []
        return [
            self.env._(
                "The margin rule cannot judge %(lines)s: no cost on the product.",
                lines=", ".join(labels[line] for line in no_cost),
            )
        ]

    # ------------------------------------------------------------------------------------------
    # Which policy judges
    # ------------------------------------------------------------------------------------------

    @api.depends(
        "team_id", "company_id", "user_id", "cpq_policy_team_ids", "cpq_policy_company_default"
    )
    def _compute_cpq_policy_id(self):
        policies = self.env["cpq.discount.policy"].sudo()._policies_for(self)
        for order in self:
            order.cpq_policy_id = policies[order].with_env(self.env)

    def _cpq_protected_fields(self):
        return super()._cpq_protected_fields() | {
            "cpq_policy_team_ids",
            "cpq_policy_company_default",
        }

    def _cpq_assigns_freely(self):
        """Whether the current user's reassignments set the policy anew: a sales manager (who
        configures the policies anyway) or the system. Anybody else's change of team or
        salesperson keeps the policies that judged the quotation before."""
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    @api.model
    def _cpq_scope_of(self, user, company):
        """(teams, company default) whose policies judge the quotations of `user` in
        `company`: the teams they belong to or lead, the company's default if none."""
        user = user.sudo()
        teams = user.crm_team_ids | self.env["crm.team"].sudo().search([("user_id", "=", user.id)])
        teams = teams.filtered(lambda team: team.company_id in (company, company.browse()))
        return teams, not teams

    def _cpq_bind_scope(self, teams, company_default):
        """Add policies that keep judging these quotations (never removes any).

        :returns: the quotations whose bound policies changed
        """
        changed = self.browse()
        for order in self:
            new_teams = teams - order.cpq_policy_team_ids
            new_default = company_default and not order.cpq_policy_company_default
            if new_teams or new_default:
                values = {"cpq_policy_team_ids": [Command.link(team.id) for team in new_teams]}
                if new_default:
                    values["cpq_policy_company_default"] = True
                order.sudo().write(values)
                changed |= order
        return changed

    def _cpq_bind_held_scope(self, held=None):
        """Bind the team and the salesperson's teams each quotation has (or had: `held`,
        {order: (team, salesperson)}).

        :returns: the quotations whose bound policies changed
        """
        changed = self.browse()
        scopes = {}  # one look-up per salesperson and company, not per quotation
        for order in self:
            team, user = held[order] if held else (order.team_id, order.user_id)
            teams, company_default = self.env["crm.team"], False
            if user:
                key = (user, order.company_id)
                if key not in scopes:
                    scopes[key] = self._cpq_scope_of(user, order.company_id)
                teams, company_default = scopes[key]
            changed |= order._cpq_bind_scope(teams | team, company_default)
        return changed

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        if not self._cpq_assigns_freely():
            # Whoever the quotation is made for (a colleague's name in the values, a
            # `default_user_id`, a personal default, the form), its creator's policy judges it
            # too.
            changed = self.browse()
            for company, company_orders in orders.grouped("company_id").items():
                scope = self._cpq_scope_of(self.env.user, company)
                changed |= company_orders._cpq_bind_scope(*scope)
            changed._cpq_after_change()
        return orders

    def copy(self, default=None):
        # A copy (or a new revision) stays judged by what judged the original.
        copies = super().copy(default)
        changed = self.browse()
        for original, new in zip(self, copies, strict=True):
            original = original.sudo()
            changed |= new._cpq_bind_scope(
                original.cpq_policy_team_ids, original.cpq_policy_company_default
            )
        changed._cpq_after_change()
        return copies

    def write(self, vals):
        free = self._cpq_assigns_freely()
        if not free and {"team_id", "user_id", "partner_id", "company_id"} & set(vals):
            # What judges the quotation now keeps judging it whatever this write moves: bound
            # before the write, so that it is never judged by a laxer policy in between.
            self._cpq_bind_held_scope()
        held = {order: (order.team_id, order.user_id) for order in self}
        res = super().write(vals)
        moved = self.filtered(lambda order: held[order] != (order.team_id, order.user_id))
        if not moved:
            return res
        if free:
            if {"team_id", "user_id"} & set(vals):
                # A manager's reassignment: the policy follows the new team and salesperson.
                moved.sudo().write(
                    {"cpq_policy_team_ids": [Command.clear()], "cpq_policy_company_default": False}
                )
                moved._cpq_after_change()
            return res
        # Moved by a computation this write triggered.
        moved._cpq_bind_held_scope(held)._cpq_after_change()
        return res

    # ------------------------------------------------------------------------------------------
    # The judgement
    # ------------------------------------------------------------------------------------------

    def _cpq_policy_evaluation(self):
        """How this quotation stands against its policy now.

        :returns: dict(discount, amount, margin, outside: bool, reasons: [str],
            within_approval: bool)
        """
        self.ensure_one()
        _ = self.env._

        def pct(value):
            return formatLang(self.env, value, digits=2)

        policy = self.cpq_policy_id
        measure = self._cpq_discount_measure()
        discount = measure["percent"]
        amount = measure["amount"]
        margin = self._cpq_margin_percent()
        reasons = []
        if policy:
            labels = self.order_line._cpq_line_labels()
            over = [
                _("%(line)s at %(discount)s%%", line=labels[line], discount=pct(percent))
                for line, percent in measure["lines"].items()
                if float_compare(percent, policy.max_discount, 2) > 0
            ] + [
                _(
                    "optional product %(product)s at %(discount)s%%",
                    product=option.product_id.display_name,
                    discount=pct(percent),
                )
                for option, percent in measure["options"].items()
                if float_compare(percent, policy.max_discount, 2) > 0
            ]
            if over:
                reasons.append(
                    _(
                        "Discount above the %(max)s%% allowed by %(policy)s: %(lines)s.",
                        max=pct(policy.max_discount),
                        policy=policy.name,
                        lines=", ".join(over),
                    )
                )
            if float_compare(measure["quote_percent"], policy.max_discount, 2) > 0:
                reasons.append(
                    _(
                        "The quotation as a whole is %(discount)s%% (%(amount)s) below what "
                        "pricing proposes, above the %(max)s%% allowed by %(policy)s.",
                        discount=pct(measure["quote_percent"]),
                        amount=formatLang(self.env, amount, currency_obj=self.currency_id),
                        max=pct(policy.max_discount),
                        policy=policy.name,
                    )
                )
            if margin is not None and float_compare(margin, policy.min_margin, 2) < 0:
                reasons.append(
                    _(
                        "Margin %(margin)s%% below the %(min)s%% minimum of %(policy)s.",
                        margin=pct(margin),
                        min=pct(policy.min_margin),
                        policy=policy.name,
                    )
                )
        if reasons:
            # Said where the approver reads why: what the margin rule left out.
            reasons += self._cpq_margin_notes()
        return {
            "discount": discount,
            "amount": amount,
            "margin": margin,
            "outside": bool(reasons),
            "reasons": reasons,
            "within_approval": self._cpq_within_approval(policy, discount, amount, margin),
        }

    def _cpq_within_approval(self, policy, discount, amount, margin):
        """Whether the approval decided covers these figures: a discount up to the approved
        percentage and, where the discount is beyond the policy, up to the approved amount, in
        the same currency; a margin down to the approved margin."""
        self.ensure_one()
        if self.approval_state != "approved" or not policy:
            return False
        if float_compare(discount, max(policy.max_discount, self.approval_max_discount), 2) > 0:
            return False
        if float_compare(discount, policy.max_discount, 2) > 0 and (
            self.approval_currency_id != self.currency_id
            or self.currency_id.compare_amounts(amount, self.approval_max_amount) > 0
        ):
            return False
        return margin is None or (
            float_compare(margin, min(policy.min_margin, self.approval_min_margin), 2) >= 0
        )

    # ------------------------------------------------------------------------------------------
    # The invariant
    # ------------------------------------------------------------------------------------------

    def _cpq_is_committed(self):
        """Whether the customer has this order, or has acted on it: sent (or marked sent),
        confirmed, signed, paid or invoiced (a down payment included)."""
        self.ensure_one()
        return bool(
            self.state in ("sent", "sale")
            or self.signature
            or self.signed_on
            or any(line.is_downpayment for line in self.order_line)
            or self.sudo().transaction_ids.filtered(lambda tx: tx.state not in ("cancel", "error"))
        )

    @api.constrains(
        "state",
        "signature",
        "signed_by",
        "signed_on",
        "team_id",
        "user_id",
        "cpq_policy_team_ids",
        "cpq_policy_company_default",
    )
    def _check_cpq_approval_covers(self):
        """The invariant, when the order is committed or its policy may change (written
        fields: these never change by a mere recomputation)."""
        self._cpq_check_covered()

    @api.constrains(
        "currency_id", "amount_untaxed", "margin", "cpq_max_discount", "cpq_discount_amount"
    )
    def _check_cpq_judged_change_covered(self):
        """The invariant, when what is judged changes, by whatever path (computed fields:
        checked when they are recomputed). A recomputation that changes nothing judges nothing:
        a quotation a tightened policy caught after it was sent still gets its approval asked
        and decided, and its portal page still shows."""
        seen = self.env.cr.cache.setdefault("cpq_judged_figures", {})
        saved = self.filtered(lambda order: isinstance(order.id, int))
        unknown = [order.id for order in saved if order.id not in seen]
        if unknown:
            # Not computed in this transaction yet: the database holds the last figures.
            self.env.cr.execute(
                SQL(
                    "SELECT id, currency_id, amount_untaxed, margin, cpq_max_discount, "
                    "cpq_discount_amount FROM sale_order WHERE id IN %s",
                    tuple(unknown),
                )
            )
            for row in self.env.cr.fetchall():
                seen[row[0]] = tuple(row[1:])
        changed = self.browse()
        for order in saved:
            figures = (
                order.currency_id.id,
                order.amount_untaxed,
                order.margin,
                order.cpq_max_discount,
                order.cpq_discount_amount,
            )
            if not order._cpq_same_figures(seen.get(order.id), figures):
                changed |= order
        changed._cpq_check_covered()
        for order in saved:
            seen[order.id] = (
                order.currency_id.id,
                order.amount_untaxed,
                order.margin,
                order.cpq_max_discount,
                order.cpq_discount_amount,
            )

    def _cpq_same_figures(self, before, now):
        self.ensure_one()
        if before is None:
            return False
        currency = self.currency_id or self.company_id.currency_id
        return (
            before[0] == now[0]
            and not currency.compare_amounts(before[1] or 0.0, now[1])
            and not currency.compare_amounts(before[2] or 0.0, now[2])
            and not float_compare(before[3] or 0.0, now[3], 2)
            and not currency.compare_amounts(before[4] or 0.0, now[4])
        )

    def _cpq_check_covered(self):
        """Raise unless every committed order here is within its policy or covered by its
        approval, as it is now."""
        # Orders confirmed before the addon (or a new version of it) was installed are judged
        # at their next change, not while the registry loads.
        if self.pool._init:
            return
        for order in self:
            if order.state == "cancel" or not order._cpq_is_committed():
                continue
            # Never decide on a policy a manager may have just changed.
            order.invalidate_recordset(["cpq_policy_id"])
            evaluation = order._cpq_policy_evaluation()
            if evaluation["outside"] and not evaluation["within_approval"]:
                raise ValidationError(
                    self.env._(
                        "Quotation %(name)s is outside its discount policy and no approval "
                        "covers it as it is now: %(why)s It cannot be sent, signed, paid, "
                        "invoiced or confirmed like this. Ask for an approval (a quotation "
                        "already sent to the customer gets a new revision).",
                        name=order.name,
                        why=" ".join(evaluation["reasons"]),
                    )
                )

    @api.depends_context("lang")
    @api.depends("order_line.purchase_price", "order_line.product_id")
    def _compute_cpq_margin_note(self):
        for order in self:
            order.cpq_margin_note = "\n".join(order._cpq_margin_notes()) or False

    @api.depends_context("uid")
    @api.depends("state", "approval_state", "cpq_max_discount", "cpq_discount_amount", "margin")
    def _compute_cpq_under_review(self):
        for order in self:
            review = False
            if order.id and order.state in ("draft", "sent") and not order.superseded_by_id:
                review = order.approval_state in ("to_approve", "rejected")
                if not review:
                    evaluation = order._cpq_policy_evaluation()
                    review = evaluation["outside"] and not evaluation["within_approval"]
            order.cpq_under_review = review


class SaleOrderOption(models.Model):
    _inherit = "sale.order.option"

    def _cpq_option_measure(self):
        """(proposed amount, quoted amount, discount in percent) of this optional product:
        what pricing proposes for it as a fresh line against its own price and discount."""
        self.ensure_one()
        currency = self.order_id.currency_id or self.order_id.company_id.currency_id
        values = self._get_values_to_add_to_order()
        for fname in ("price_unit", "technical_price_unit", "discount", "sequence"):
            values.pop(fname, None)
        fresh = self.env["sale.order.line"].new(values)
        fresh._compute_price_unit()
        fresh._compute_discount()
        proposed_unit = fresh.price_unit * (1 - fresh.discount / 100)
        fresh.order_id = False
        quoted_unit = self.price_unit * (1 - self.discount / 100)
        proposed = currency.round(self.quantity * proposed_unit)
        quoted = currency.round(self.quantity * quoted_unit)
        if float_compare(proposed_unit, 0, precision_digits=6) > 0:
            percent = max(0.0, (1 - quoted_unit / proposed_unit) * 100)
        else:
            percent = 100.0 if quoted_unit < 0 else 0.0
        return proposed, quoted, percent


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.constrains("is_downpayment", "order_id")
    def _check_cpq_downpayment_covered(self):
        # A down payment invoiced from a quotation commits the customer: judged like a
        # confirmation (the order's own constraint does not see the line being added).
        self.filtered("is_downpayment").order_id._cpq_check_covered()
