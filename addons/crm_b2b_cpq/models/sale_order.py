from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..claim import claim
from .sale_order_line import CPQ_PRICING_FIELDS, order_write_context

QUOTE_STATUSES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("rejected", "Rejected"),
    ("approved", "Approved"),
    ("sent", "Sent"),
    ("expired", "Expired"),
    ("superseded", "Superseded"),
    ("sale", "Confirmed"),
    ("cancel", "Cancelled"),
]

# What each customer-facing action is blocked by (see _cpq_blocking_reasons).
CUSTOMER_ACTIONS = ("send", "print", "sign", "pay", "confirm")


class SaleOrder(models.Model):
    """The glue of the CPQ rules on a quotation: one status, the fields only checked actions may
    write, and one place that tells whether the quotation may be sent, printed, signed, paid or
    confirmed. Each concern (revisions, approval, configuration) lives in its own file and adds
    its reasons through `_cpq_blocking_reasons`."""

    _inherit = "sale.order"

    cpq_status = fields.Selection(
        QUOTE_STATUSES,
        string="Quote Status",
        compute="_compute_cpq_status",
        store=True,
        index=True,
    )
    cpq_expired = fields.Boolean(
        string="Marked Expired",
        copy=False,
        readonly=True,
        help="Set by the daily expiry job once the validity date has passed.",
    )
    cpq_expired_on = fields.Date(string="Expired On", copy=False, readonly=True)
    cpq_committee_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_cpq_committee_partner_ids",
        string="Buying Committee Recipients",
    )
    cpq_blocking_message = fields.Text(
        compute="_compute_cpq_blocking_message", string="Why It Cannot Be Sent"
    )

    @api.depends("state", "approval_state", "superseded_by_id", "cpq_expired")
    def _compute_cpq_status(self):
        for order in self:
            if order.state == "sale":
                status = "sale"
            elif order.state == "cancel":
                status = "superseded" if order.superseded_by_id else "cancel"
            elif order.cpq_expired:
                status = "expired"
            elif order.approval_state in ("to_approve", "rejected"):
                status = order.approval_state
            elif order.state == "sent":
                status = "sent"
            elif order.approval_state == "approved":
                status = "approved"
            else:
                status = "draft"
            order.cpq_status = status

    @api.depends(
        "opportunity_id.cpq_committee_ids.partner_id",
        "opportunity_id.cpq_committee_ids.receives_quotes",
    )
    def _compute_cpq_committee_partner_ids(self):
        for order in self:
            order.cpq_committee_partner_ids = order.opportunity_id.cpq_committee_ids.filtered(
                "receives_quotes"
            ).partner_id

    @api.depends_context("lang")
    @api.depends("state", "order_line", "approval_state", "superseded_by_id", "validity_date")
    def _compute_cpq_blocking_message(self):
        for order in self:
            reasons = []
            if order.state in ("draft", "sent") and order.id:
                reasons = order._cpq_blocking_reasons("send")
            order.cpq_blocking_message = "\n".join(reasons) or False

    # ------------------------------------------------------------------------------------------
    # Fields only checked actions write
    # ------------------------------------------------------------------------------------------

    def _cpq_protected_fields(self):
        """Fields that only this addon's checked actions write, in sudo mode after their checks.
        A user's write (form, RPC, import) cannot set them."""
        return {"cpq_expired", "cpq_expired_on"}

    def _cpq_check_protected_write(self, vals_list):
        if self.env.su:
            return
        protected = self._cpq_protected_fields()
        touched = sorted({fname for vals in vals_list for fname in vals if fname in protected})
        if touched:
            self._cpq_raise_protected(touched)

    def _cpq_raise_protected(self, fnames):
        raise AccessError(
            self.env._(
                "These fields are set by the quotation's own actions and pricing (approve, "
                "reject, new revision, expiry, price build-up), never directly: %(fields)s.",
                fields=", ".join(fnames),
            )
        )

    def _cpq_passive_fields(self):
        """Written fields that cannot change what the quotation's policy and rules say."""
        return self._cpq_protected_fields() | {
            "message_main_attachment_id",
            "access_token",
            "signature",
            "signed_by",
            "signed_on",
            "client_order_ref",
            "note",
            "tag_ids",
            "locked",
            "reference",
        }

    @api.model
    def default_get(self, fields_list):
        """Defaults never set what only checked actions write: a `default_*` context key or a
        personal or company default (`ir.default`, applied inside stock `create`, after the
        check of the values) falls back to the field's own default."""
        defaults = super().default_get(fields_list)
        if not self.env.su:
            for fname in self._cpq_protected_fields() & set(defaults):
                field = self._fields[fname]
                if field.default:
                    defaults[fname] = field.convert_to_write(
                        field.convert_to_cache(field.default(self), self), self
                    )
                else:
                    del defaults[fname]
        return defaults

    @api.model
    def _cpq_confirmation_date(self, vals):
        """A confirmation, whatever its path (stock's button, or the state written directly),
        dates the order: it is priced and judged at that date (stock's button does the same)."""
        if vals.get("state") == "sale" and "date_order" not in vals:
            vals["date_order"] = fields.Datetime.now()

    @api.model_create_multi
    def create(self, vals_list):
        self._cpq_check_protected_write(vals_list)
        for vals in vals_list:
            self._cpq_confirmation_date(vals)
        # Lines created with their order leave the re-check to the order, once complete.
        orders = (
            super(SaleOrder, self.with_context(**order_write_context(None)))
            .create(vals_list)
            .with_env(self.env)
        )
        orders._cpq_after_change()
        return orders

    def write(self, vals):
        self._cpq_check_protected_write([vals])
        if vals.get("state") == "sale" and "date_order" not in vals:
            vals = dict(vals)
            self._cpq_confirmation_date(vals)
        self._cpq_check_frozen(set(vals))
        res = super(SaleOrder, self.with_context(**order_write_context(self))).write(vals)
        if not set(vals) <= self._cpq_passive_fields():
            self._cpq_after_change()
        return res

    def _recompute_prices(self):
        # "Update prices" re-runs the whole pricing: contract prices, rules, tiers, build-up.
        lines = self._get_update_prices_lines()
        lines.invalidate_recordset(["cpq_contract_line_id"])
        line_fields = self.env["sale.order.line"]._fields
        for fname in CPQ_PRICING_FIELDS:
            self.env.add_to_compute(line_fields[fname], lines)
        res = super()._recompute_prices()
        self._cpq_after_change()
        return res

    def _cpq_pricing_datetime(self):
        """When the quotation is priced: its date. A backdated quotation shows the prices of
        its date, but cannot be sent nor confirmed with prices no longer valid today (see
        `_cpq_lines_priced_on_a_past_date`), and any confirmation dates the order (see
        `_cpq_confirmation_date`): it is priced and judged at the confirmation date."""
        self.ensure_one()
        return self.date_order or fields.Datetime.now()

    def _cpq_pricing_date(self, at=None):
        """The pricing date (or `at`) as a calendar date where the customer is: contract
        validity dates are the customer's dates."""
        self.ensure_one()
        tz = self.partner_id.tz or self.user_id.tz or self.env.user.tz or "UTC"
        return fields.Datetime.context_timestamp(
            self.with_context(tz=tz), at or self._cpq_pricing_datetime()
        ).date()

    def _cpq_lines_priced_on_a_past_date(self):
        """Lines whose contract price or pricelist rule was valid on the quotation's date but is
        not any more: confirmation prices at today's date (stock resets the order date), so a
        backdated quotation revives no expired price."""
        self.ensure_one()
        now = fields.Datetime.now()
        today = self._cpq_pricing_date(at=now)
        stale = self.env["sale.order.line"]
        for line in self.order_line._cpq_priced_by_engine():
            contract = line.cpq_contract_price_id.sudo()
            rule = line.cpq_price_rule_id.sudo()
            contract_expired = contract and not contract._applies_to(
                line.product_id, line._cpq_qty_in_product_uom(), today, line.company_id
            )
            rule_expired = rule and (
                (rule.date_start and rule.date_start > now)
                or (rule.date_end and rule.date_end < now)
            )
            if contract_expired or rule_expired:
                stale |= line
        return stale

    def _cpq_check_frozen(self, fnames):
        """Hook: refuse writes on frozen versions (see sale_order_revision)."""

    def _cpq_after_change(self):
        """Hook run after any change of the quotation or its lines (see sale_order_approval)."""
        # Stock's is_expired has no dependencies: never trust a value cached before the change.
        self.invalidate_recordset(["is_expired"])
        expired_back = self.filtered(lambda order: order.cpq_expired and not order.is_expired)
        if expired_back:
            # The validity date was extended: the quotation is live again.
            expired_back.sudo().write({"cpq_expired": False, "cpq_expired_on": False})

    # ------------------------------------------------------------------------------------------
    # What blocks a customer-facing action
    # ------------------------------------------------------------------------------------------

    def _cpq_blocking_reasons(self, action):
        """Messages saying why `action` (one of CUSTOMER_ACTIONS) cannot be done on this
        quotation now; empty when it can."""
        self.ensure_one()
        reasons = []
        if action in ("send", "sign", "confirm") and self.state in ("draft", "sent"):
            stale = self._cpq_lines_priced_on_a_past_date()
            if stale:
                labels = self.order_line._cpq_line_labels()
                reasons.append(
                    self.env._(
                        "Quotation %(name)s: the price of %(lines)s was valid on the quotation "
                        "date, not today. Set the quotation date to today and update the prices "
                        "first.",
                        name=self.name,
                        lines=", ".join(labels[line] for line in stale),
                    )
                )
        if action in ("send", "sign", "pay", "confirm") and self.is_expired:
            reasons.append(
                self.env._(
                    "Quotation %(name)s expired on %(date)s: extend its expiration date or make a "
                    "new revision.",
                    name=self.name,
                    date=format_date(self.env, self.validity_date),
                )
            )
        return reasons

    def _cpq_check_allowed(self, action):
        """Raise a UserError naming every reason that blocks `action` on these quotations."""
        reasons = []
        for order in self:
            reasons += order._cpq_blocking_reasons(action)
        if reasons:
            raise UserError("\n".join(reasons))

    def action_quotation_send(self):
        self._cpq_after_change()
        self.filtered(lambda order: order.state in ("draft", "sent"))._cpq_check_allowed("send")
        return super().action_quotation_send()

    def action_quotation_sent(self):
        self._cpq_check_allowed("send")
        return super().action_quotation_sent()

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        if self.env.context.get("mark_so_as_sent"):
            self.filtered(lambda order: order.state in ("draft", "sent"))._cpq_check_allowed("send")
        return super().message_post(**kwargs)

    def action_confirm(self):
        self._cpq_after_change()
        return super().action_confirm()

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if message:
            return message
        return "\n".join(self._cpq_blocking_reasons("confirm")) or False

    def _has_to_be_signed(self):
        return super()._has_to_be_signed() and not self._cpq_blocking_reasons("sign")

    def _has_to_be_paid(self):
        return super()._has_to_be_paid() and not self._cpq_blocking_reasons("pay")

    def _cpq_check_printable(self):
        """The customer PDF of a quotation waiting for approval must not leave the company."""
        self.filtered(lambda order: order.state in ("draft", "sent"))._cpq_check_allowed("print")

    def action_cpq_view_price_build_up(self):
        self.ensure_one()
        view = self.env.ref("crm_b2b_cpq.sale_order_line_view_list_build_up")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price Build-up of %(name)s", name=self.name),
            "res_model": "sale.order.line",
            "views": [(view.id, "list")],
            "domain": [("order_id", "=", self.id), ("display_type", "=", False)],
            "target": "current",
        }

    # ------------------------------------------------------------------------------------------
    # Buying committee
    # ------------------------------------------------------------------------------------------

    def action_cpq_send_to_committee(self):
        """The quotation email, addressed to the customer and the opportunity's buying
        committee (members who receive quotations)."""
        self.ensure_one()
        if not self.cpq_committee_partner_ids:
            raise UserError(
                self.env._(
                    "Quotation %(name)s: its opportunity has no buying committee member who "
                    "receives quotations. Add them on the opportunity first.",
                    name=self.name,
                )
            )
        return self.with_context(cpq_send_to_committee=True).action_quotation_send()

    def _find_mail_template(self):
        if self.env.context.get("cpq_send_to_committee") and self.state != "sale":
            template = self.env.ref(
                "crm_b2b_cpq.mail_template_cpq_committee_quotation", raise_if_not_found=False
            )
            if template:
                return template
        return super()._find_mail_template()

    # ------------------------------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------------------------------

    def _cpq_expiry_domain(self):
        return [
            ("state", "in", ("draft", "sent")),
            ("validity_date", "<", fields.Date.today()),
            ("cpq_expired", "=", False),
        ]

    @api.model
    def _cron_cpq_mark_expired(self, batch_size=200):
        """Mark quotations past their validity date as expired and tell their salesperson.

        Bounded batches; rows locked with SKIP LOCKED so that two workers never take the same
        quotation; idempotent (only quotations not yet marked are taken). Same notion of
        expiry as stock's `is_expired`, which blocks signing and paying on the portal."""
        orders, _lost_race = claim(self, self._cpq_expiry_domain(), limit=batch_size)
        today = fields.Date.today()
        orders.sudo().write({"cpq_expired": True, "cpq_expired_on": today})
        for order in orders:
            order.with_context(lang=order.user_id.lang or self.env.lang)._cpq_notify_expired()
        remaining = self.search_count(self._cpq_expiry_domain())
        self.env["ir.cron"]._notify_progress(done=len(orders), remaining=remaining)

    def _cpq_notify_expired(self):
        self.ensure_one()
        body = self.env._(
            "Quotation %(name)s expired on %(date)s. Extend its expiration date or make a new "
            "revision to keep the deal going.",
            name=self.name,
            date=format_date(self.env, self.validity_date),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        if self.user_id:
            self.sudo().activity_schedule(
                "crm_b2b_cpq.mail_activity_type_cpq_expired",
                user_id=self.user_id.id,
                summary=self.env._("Quotation %(name)s expired", name=self.name),
                note=Markup("<p>%s</p>") % body,
            )
