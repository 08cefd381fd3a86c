import math
import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import float_compare, formatLang

from odoo.addons.crm_partner_channel.models.crm_lead import channel_int

from .res_company import QUOTE_ISSUERS

# What a reseller's quote form may say of a line; anything else (a price, a tax, a cost...) is
# refused whole.
LINE_KEYS = {"product", "qty", "discount", "options", "remove"}
MAX_PORTAL_QTY = 1_000_000
_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
# Reseller's figures: vendor staff read them; the customer (a portal user following its order)
# never does. Resellers see them on their own portal page, rendered after the channel check.
RESELLER_GROUPS = "sales_team.group_sale_salesman"


def channel_float(value, error):
    """A non-negative number from a portal form, or a UserError saying `error`."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        or isinstance(value, str)
        and _NUMBER.match(value)
    ):
        number = float(value)
    elif value in (None, ""):
        number = 0.0
    else:
        raise UserError(error)
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise UserError(error)
    return number


class SaleOrder(models.Model):
    """Quotes a reseller prepares for its deals in the portal.

    The quote is a plain CPQ quotation of the vendor, linked to the opportunity: CPQ prices it
    (pricelist, tiers, contracts), checks its configuration, judges it against the discount
    policy and asks the vendor's approval. The reseller's company is stored on it; every portal
    action starts with `_channel_quote_check_access`, the one decision of which reseller user may
    work which quote (the deal's access decision of crm_partner_channel, on the quote's deal)."""

    _inherit = "sale.order"

    channel_partner_id = fields.Many2one(
        "res.partner",
        string="Reseller",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The partner company that prepared this quote in the portal.",
    )
    channel_user_id = fields.Many2one(
        "res.users", string="Reseller's Salesperson", readonly=True, copy=False
    )
    channel_issuer = fields.Selection(
        QUOTE_ISSUERS,
        string="Sent",
        readonly=True,
        copy=False,
        help="Whose name the customer receives the quote in (company setting when the reseller "
        "created it).",
    )
    channel_submitted = fields.Boolean(
        "Submitted by the Reseller",
        readonly=True,
        copy=False,
        help="The reseller asked to send it: it goes to the customer as soon as it may be sent "
        "(after the vendor's approval when one is needed).",
    )
    channel_reseller_discount = fields.Float(
        "Reseller Discount (%)",
        digits=(16, 2),
        compute="_compute_channel_reseller_amounts",
        groups=RESELLER_GROUPS,
    )
    channel_reseller_amount = fields.Monetary(
        "Reseller Price",
        compute="_compute_channel_reseller_amounts",
        groups=RESELLER_GROUPS,
        help="What the reseller pays the vendor for this quote (untaxed): the customer's price "
        "less the tier's reseller discount.",
    )
    channel_reseller_margin = fields.Monetary(
        "Reseller Margin",
        compute="_compute_channel_reseller_amounts",
        groups=RESELLER_GROUPS,
    )

    @api.depends("channel_partner_id.grade_id.channel_reseller_discount", "amount_untaxed")
    def _compute_channel_reseller_amounts(self):
        for order in self:
            percent = order.channel_partner_id.grade_id.channel_reseller_discount or 0.0
            if not order.channel_partner_id:
                percent = 0.0
            margin = order.currency_id.round(order.amount_untaxed * percent / 100.0)
            order.channel_reseller_discount = percent
            order.channel_reseller_margin = margin
            order.channel_reseller_amount = order.amount_untaxed - margin

    def _cpq_protected_fields(self):
        return super()._cpq_protected_fields() | {
            "channel_partner_id",
            "channel_user_id",
            "channel_submitted",
        }

    def _cpq_passive_fields(self):
        return super()._cpq_passive_fields() | {"channel_issuer", "channel_submitted"}

    # ------------------------------------------------------------------------------------------
    # Who may work a quote
    # ------------------------------------------------------------------------------------------

    def _channel_quote_check_access(self, edit=False):
        """The caller is a portal user who may work the quote's deal (crm_partner_channel's one
        decision: its company's accepted deal; a salesperson its own deals, a manager all of
        them) and the quote is its company's. With `edit`, the quote is also a current draft of
        an open deal. Raises AccessError (or UserError for the step) otherwise. Returns the
        quote in sudo mode, for the caller's narrow use."""
        self.ensure_one()
        user = self.env.user
        if not user.share or self.env.su:
            raise AccessError(self.env._("Only the partner's portal users work quotes here."))
        order = self.sudo()
        if not order.exists() or (
            order.channel_partner_id != user.commercial_partner_id or not order.opportunity_id
        ):
            raise AccessError(self.env._("This quote is not one of your company's."))
        lead = order.opportunity_id.sudo(False)
        lead._channel_check_partner_access()
        if edit:
            lead._channel_check_open_deals()
            if order.state != "draft" or order.superseded_by_id:
                raise UserError(
                    self.env._(
                        "Quote %(name)s was sent or closed: it cannot be changed any more.",
                        name=order.name,
                    )
                )
        return order

    # ------------------------------------------------------------------------------------------
    # Editing in the portal
    # ------------------------------------------------------------------------------------------

    def _channel_catalogue(self):
        """Products the reseller may quote on this quote (sudo: names and options only are
        shown)."""
        self.ensure_one()
        templates = self.env["product.template"].sudo()
        return (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    (
                        "product_tmpl_id",
                        "in",
                        templates._search(templates._channel_catalogue_domain(self.company_id)),
                    ),
                    ("type", "!=", "combo"),
                ],
                order="default_code, name, id",
            )
        )

    def _channel_product_options(self, product):
        """{attribute line: its options} a reseller picks from for `product`: the attributes
        that do not make variants (variants are products of their own in the catalogue)."""
        return {
            ptal: ptal.product_template_value_ids.filtered("ptav_active")
            for ptal in product.sudo().product_tmpl_id.valid_product_template_attribute_line_ids
            if ptal.attribute_id.create_variant == "no_variant"
        }

    def _channel_quote_save(self, lines):
        """Apply a reseller's quote form: `lines` is {line id or "new", "new1"...: {key: raw
        value}} with keys among LINE_KEYS (options: a list of option ids); "new" keys add lines.
        Every value is checked before anything is written; prices are never taken from the
        form: CPQ computes them. Returns the quote."""
        order = self._channel_quote_check_access(edit=True)
        _ = self.env._
        if not isinstance(lines, dict):
            raise UserError(_("The quote form is not readable; reload the page."))
        commands = []
        max_discount = order.channel_partner_id.grade_id.channel_quote_max_discount or 0.0
        catalogue = None
        for key, values in lines.items():
            values = dict(values or {})
            unknown = sorted(set(values) - LINE_KEYS)
            if unknown:
                raise UserError(
                    _(
                        "The quote form cannot set %(fields)s: prices, taxes and costs come from "
                        "the vendor's pricing. Nothing was changed.",
                        fields=", ".join(unknown),
                    )
                )
            if str(key).startswith("new"):
                if not values.get("product"):
                    continue
                if catalogue is None:
                    catalogue = order._channel_catalogue()
                product = catalogue.browse(channel_int(values["product"]))
                if product not in catalogue:
                    raise UserError(
                        _(
                            "This product is not in the catalogue open to partners. Nothing was "
                            "changed."
                        )
                    )
                line = self.env["sale.order.line"]
            else:
                line = order.order_line.browse(channel_int(key))
                if line not in order.order_line or line.display_type:
                    raise UserError(
                        _(
                            "A line of the form is not in quote %(name)s. Nothing was changed.",
                            name=order.name,
                        )
                    )
                if values.get("remove"):
                    commands.append(Command.unlink(line.id))
                    continue
                product = line.product_id
            qty = channel_float(
                values.get("qty", 1 if not line else line.product_uom_qty),
                _("A quantity must be a positive number, e.g. 3."),
            )
            if not 0 < qty < MAX_PORTAL_QTY:
                raise UserError(_("A quantity must be a positive number, e.g. 3."))
            discount = channel_float(
                values.get("discount", line.discount if line else 0.0),
                _("A discount must be a percentage, e.g. 5."),
            )
            if float_compare(discount, max_discount, 2) > 0:
                raise UserError(
                    _(
                        "A discount above %(max)s%% is not allowed for your tier. Nothing was "
                        "changed.",
                        max=format(max_discount, "g"),
                    )
                )
            options = order._channel_check_options(product, values.get("options"))
            line_values = {"product_uom_qty": qty, "discount": discount}
            if options is not None:
                line_values["product_no_variant_attribute_value_ids"] = [Command.set(options.ids)]
            if line:
                commands.append(Command.update(line.id, line_values))
            else:
                commands.append(Command.create({"product_id": product.id, **line_values}))
        if commands:
            # Checked above: the caller works this quote. The lines are written in sudo mode
            # (resellers have no access to orders); CPQ prices, configures and judges them.
            order.write({"order_line": commands})
            order.env.flush_all()
        return order

    def _channel_check_options(self, product, option_ids):
        """The options chosen for a line of `product`, checked (None: not given)."""
        if option_ids is None:
            return None
        if not isinstance(option_ids, list | tuple):
            option_ids = [option_ids]
        ids = [channel_int(value) for value in option_ids if value not in ("", None)]
        allowed = self._channel_product_options(product)
        chosen = self.env["product.template.attribute.value"].sudo().browse(ids)
        every = self.env["product.template.attribute.value"].sudo().union(*allowed.values())
        if len(set(ids)) != len(ids) or not chosen <= every:
            raise UserError(
                self.env._(
                    "An option does not belong to %(product)s. Nothing was changed.",
                    product=product.display_name,
                )
            )
        for ptal, values in allowed.items():
            if ptal.attribute_id.display_type != "multi" and len(chosen & values) > 1:
                raise UserError(
                    self.env._(
                        "Choose one %(attribute)s for %(product)s.",
                        attribute=ptal.attribute_id.name,
                        product=product.display_name,
                    )
                )
        return chosen

    # ------------------------------------------------------------------------------------------
    # Submitting and sending
    # ------------------------------------------------------------------------------------------

    def action_channel_quote_submit(self):
        """The reseller submits its quote: refused with the reasons while it breaks a
        configuration rule (or has no line); sent to the customer at once when CPQ allows it,
        else as soon as the vendor approves it (CPQ's approval, unchanged)."""
        order = self._channel_quote_check_access(edit=True)
        _ = self.env._
        if not order.order_line.filtered(lambda line: not line.display_type):
            raise UserError(_("Add a product to the quote before submitting it."))
        issues = order._cpq_configuration_issues()
        if issues:
            raise UserError(_("Fix the configuration first:\n%(issues)s", issues="\n".join(issues)))
        if order.approval_state == "rejected":
            raise UserError(
                _(
                    "The vendor rejected this quote (%(reason)s). Change it to ask again.",
                    reason=order.approval_rejection_reason,
                )
            )
        order.write({"channel_submitted": True})
        if order.approval_state == "to_approve":
            order.message_post(
                body=_(
                    "Submitted by %(user)s; waiting for the vendor's approval.",
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return "to_approve"
        blocking = order._cpq_blocking_reasons("send")
        if blocking:
            raise UserError("\n".join(order._channel_reseller_reasons(blocking)))
        order._channel_quote_send()
        return "sent"

    def _channel_quote_send(self):
        """Email the quote to the customer, in the vendor's or the reseller's name, and mark it
        sent (CPQ's invariant refuses it when not allowed). Called after the checks."""
        template = self.env.ref("crm_partner_channel_b2b_cpq.mail_template_channel_quote")
        for order in self.sudo():
            order.action_quotation_sent()
            order.message_post_with_source(
                template,
                email_layout_xmlid="mail.mail_notification_light",
                subtype_xmlid="mail.mt_comment",
            )

    def _channel_quote_sender(self):
        """Who the customer receives the quote from."""
        self.ensure_one()
        if self.channel_issuer == "reseller" and self.channel_partner_id:
            return self.channel_user_id.partner_id.sudo() or self.channel_partner_id.sudo()
        return self.user_id.partner_id.sudo() or self.company_id.partner_id.sudo()

    def action_cpq_approve(self):
        res = super().action_cpq_approve()
        # A reseller's submitted quote leaves as soon as the vendor approves it.
        for order in self.filtered(lambda order: order.channel_submitted):
            if order.state == "draft" and not order._cpq_blocking_reasons("send"):
                order._channel_quote_send()
        return res

    def cpq_reject(self, reason):
        res = super().cpq_reject(reason)
        self.filtered("channel_submitted").sudo().write({"channel_submitted": False})
        return res

    def _channel_reseller_reasons(self, reasons):
        """CPQ's reasons as the reseller may read them: the vendor's cost and margin never reach
        it. A reason of the margin rule (it names the quote's margin) and the notes on lines
        without cost are replaced by one sentence saying the vendor's own rules apply."""
        self.ensure_one()
        order = self.sudo()
        hidden = set(order._cpq_margin_notes())
        margin = order._cpq_margin_percent()
        marker = formatLang(self.env, margin, digits=2) if margin is not None else None
        kept = [
            reason
            for reason in reasons
            if reason not in hidden and not (marker and marker in reason)
        ]
        if len(kept) < len(reasons):
            kept.append(self.env._("The vendor's own pricing rules also ask for an approval."))
        return kept

    def _channel_quote_status_label(self):
        self.ensure_one()
        return dict(self._fields["cpq_status"]._description_selection(self.env)).get(
            self.cpq_status, ""
        )

    def _channel_quote_status_note(self):
        """What the reseller reads of the quote's progress: the status, and why."""
        self.ensure_one()
        order = self.sudo()
        if order.approval_state == "to_approve":
            reasons = order._channel_reseller_reasons(order._cpq_policy_evaluation()["reasons"])
            return self.env._("Waiting for the vendor's approval: %(why)s", why=" ".join(reasons))
        if order.approval_state == "rejected":
            return self.env._(
                "Rejected by the vendor: %(reason)s", reason=order.approval_rejection_reason
            )
        if order.approval_state == "approved" and order.state == "draft":
            return self.env._("Approved by the vendor.")
        return False

    @api.model
    def _channel_portal_quotes(self):
        """The quotes of the caller's company the caller may see (through its deals)."""
        user = self.env.user
        if not user.share:
            raise AccessError(self.env._("This page is for partners."))
        leads = self.env["crm.lead"].search(
            [
                ("partner_assigned_id", "child_of", user.commercial_partner_id.id),
                ("channel_state", "=", "accepted"),
            ]
        )
        return self.sudo().search(
            [
                ("channel_partner_id", "=", user.commercial_partner_id.id),
                ("opportunity_id", "in", leads.ids),
            ],
            order="id desc",
            limit=200,
        )
