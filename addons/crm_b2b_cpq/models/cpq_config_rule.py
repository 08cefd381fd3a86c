from odoo import api, fields, models
from odoo.exceptions import ValidationError

RULE_TYPES = [
    ("requires", "Requires"),
    ("excludes", "Excludes"),
    ("quantity", "Quantity limits"),
]


class CpqConfigRule(models.Model):
    """A configuration rule beyond stock attribute exclusions.

    The rule concerns the quotation lines of one product, optionally only those configured with
    some options (attribute values). Then:
    - requires: those lines need the given options on the same line and/or one of the given
      products elsewhere in the quotation;
    - excludes: those lines cannot carry the given options, and the quotation cannot also hold
      one of the given products;
    - quantity limits: the quantity of those lines, summed over the quotation, stays between
      the minimum and the maximum.
    """

    _name = "cpq.config.rule"
    _description = "Product Configuration Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(string="Rule", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)
    rule_type = fields.Selection(RULE_TYPES, string="Type", required=True, default="requires")
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    ptav_ids = fields.Many2many(
        "product.template.attribute.value",
        "cpq_config_rule_ptav_rel",
        "rule_id",
        "ptav_id",
        string="With Options",
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
        help="The rule concerns only the lines of the product configured with all these options. "
        "Leave empty for every line of the product.",
    )
    target_ptav_ids = fields.Many2many(
        "product.template.attribute.value",
        "cpq_config_rule_target_ptav_rel",
        "rule_id",
        "ptav_id",
        string="Options on the Same Line",
        domain="[('product_tmpl_id', '=', product_tmpl_id)]",
        help="Requires: the line must also carry all these options. Excludes: the line cannot "
        "carry any of them.",
    )
    target_product_tmpl_ids = fields.Many2many(
        "product.template",
        "cpq_config_rule_target_product_rel",
        "rule_id",
        "product_tmpl_id",
        string="Other Products",
        help="Requires: the quotation must also hold one of these products. Excludes: the "
        "quotation cannot also hold any of them.",
    )
    min_quantity = fields.Float(string="Minimum Quantity", digits="Product Unit of Measure")
    max_quantity = fields.Float(
        string="Maximum Quantity",
        digits="Product Unit of Measure",
        help="Zero means no maximum.",
    )
    explanation = fields.Char(
        translate=True,
        help="Why the rule exists, shown to the salesperson with the rule's message.",
    )

    @api.constrains(
        "rule_type", "target_ptav_ids", "target_product_tmpl_ids", "min_quantity", "max_quantity"
    )
    def _check_rule_is_complete(self):
        for rule in self:
            if rule.rule_type in ("requires", "excludes") and not (
                rule.target_ptav_ids or rule.target_product_tmpl_ids
            ):
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: say which options or products it requires or excludes.",
                        rule=rule.name,
                    )
                )
            if rule.rule_type == "quantity" and (
                rule.min_quantity < 0
                or rule.max_quantity < 0
                or (rule.max_quantity and rule.max_quantity < rule.min_quantity)
                or not (rule.min_quantity or rule.max_quantity)
            ):
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: give a minimum and/or a maximum quantity, the maximum "
                        "not below the minimum.",
                        rule=rule.name,
                    )
                )
            if rule.product_tmpl_id in rule.target_product_tmpl_ids:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: the product cannot be among its own other products; use "
                        "options on the same line instead.",
                        rule=rule.name,
                    )
                )

    def _check_lines(self, lines, labels):
        """Messages for each way `lines` (product lines of one quotation) break these rules.

        :param labels: {line: label naming the line for the user}
        """
        messages = []
        options_of = {line: line._cpq_options() for line in lines}
        for rule in self:
            subject = lines.filtered(
                lambda line, rule=rule: (
                    line.product_id.product_tmpl_id == rule.product_tmpl_id
                    and rule.ptav_ids <= options_of[line]
                )
            )
            if subject:
                messages += rule._check_subject(subject, lines, options_of, labels)
        return messages

    def _check_subject(self, subject, lines, options_of, labels):
        self.ensure_one()
        _ = self.env._
        names = ", ".join(labels[line] for line in subject)
        prefix = _("Rule “%(rule)s”", rule=self.name)
        if self.explanation:
            prefix = f"{prefix} ({self.explanation})"
        others = lines.filtered(
            lambda line: line.product_id.product_tmpl_id in self.target_product_tmpl_ids
        )
        messages = []
        if self.rule_type == "requires":
            if self.target_ptav_ids:
                missing = subject.filtered(
                    lambda line: not self.target_ptav_ids <= options_of[line]
                )
                if missing:
                    messages.append(
                        _(
                            "%(rule)s: %(lines)s must also have %(options)s. Add these options "
                            "to the line.",
                            rule=prefix,
                            lines=", ".join(labels[line] for line in missing),
                            options=", ".join(self.target_ptav_ids.mapped("display_name")),
                        )
                    )
            if self.target_product_tmpl_ids and not others:
                messages.append(
                    _(
                        "%(rule)s: %(lines)s require one of %(products)s in the quotation. Add "
                        "one.",
                        rule=prefix,
                        lines=names,
                        products=", ".join(self.target_product_tmpl_ids.mapped("display_name")),
                    )
                )
        elif self.rule_type == "excludes":
            if self.target_ptav_ids:
                clashing = subject.filtered(lambda line: self.target_ptav_ids & options_of[line])
                if clashing:
                    messages.append(
                        _(
                            "%(rule)s: %(lines)s cannot have %(options)s. Remove these options.",
                            rule=prefix,
                            lines=", ".join(labels[line] for line in clashing),
                            options=", ".join(self.target_ptav_ids.mapped("display_name")),
                        )
                    )
            if others:
                messages.append(
                    _(
                        "%(rule)s: %(lines)s cannot be quoted together with %(others)s. Remove "
                        "one of them.",
                        rule=prefix,
                        lines=names,
                        others=", ".join(labels[line] for line in others),
                    )
                )
        else:
            total = sum(
                line.product_uom._compute_quantity(
                    line.product_uom_qty, line.product_id.uom_id, raise_if_failure=False
                )
                for line in subject
            )
            if total < self.min_quantity or (self.max_quantity and total > self.max_quantity):
                messages.append(
                    _(
                        "%(rule)s: %(lines)s total %(qty)s; the quantity must be between "
                        "%(min)s and %(max)s.",
                        rule=prefix,
                        lines=names,
                        qty=total,
                        min=self.min_quantity,
                        max=self.max_quantity or "∞",
                    )
                )
        return messages
