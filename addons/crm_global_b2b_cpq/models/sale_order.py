from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# Fields that record a sales manager's acceptance of a quotation in another currency than its
# deal's; written only by `action_accept_deal_currency_exception`, in sudo mode.
ACCEPTANCE_FIELDS = (
    "deal_currency_accepted_id",
    "deal_currency_accepted_for_id",
    "deal_currency_accepted_by_id",
    "deal_currency_accepted_on",
    "deal_currency_accepted_reason",
)


class SaleOrder(models.Model):
    """Quotations of an opportunity are in the deal's currency.

    A quotation created with an opportunity (sale_crm's "New Quotation", the backend, RPC)
    gets a pricelist in the deal currency: the customer's own when it is in that currency,
    else the company's first one (by sequence) for the customer's country group or for
    everyone. When the company has none, the customer's usual pricelist is kept and the
    quotation says so: it cannot be sent, signed, paid or confirmed in a currency other than
    the deal's until the pricelist is fixed, the deal currency is changed, or a sales manager
    accepts the other currency for it (recorded with who, when and why).
    """

    _inherit = "sale.order"

    deal_currency_id = fields.Many2one(
        related="opportunity_id.deal_currency_id",
        string="Deal Currency",
        help="Currency the opportunity of this quotation is negotiated in.",
    )
    deal_currency_pricelist_id = fields.Many2one(
        "product.pricelist",
        compute="_compute_deal_currency_pricelist_id",
        string="Pricelist in the Deal Currency",
        help="The pricelist a new quotation of this opportunity gets: the customer's own when "
        "it is in the deal currency, else the company's first one in that currency.",
    )
    deal_currency_mismatch = fields.Boolean(
        compute="_compute_deal_currency_mismatch",
        string="Not in the Deal Currency",
        help="This open quotation is in another currency than its opportunity.",
    )
    deal_currency_accepted = fields.Boolean(
        compute="_compute_deal_currency_mismatch",
        string="Other Currency Accepted",
        help="A sales manager accepted this quotation's currency for the deal.",
    )
    deal_currency_message = fields.Text(
        compute="_compute_deal_currency_mismatch",
        string="Currency Warning",
    )
    deal_currency_accepted_id = fields.Many2one(
        "res.currency",
        string="Currency Accepted",
        copy=False,
        readonly=True,
        help="Quotation currency a sales manager accepted instead of the deal currency.",
    )
    deal_currency_accepted_for_id = fields.Many2one(
        "res.currency",
        string="Accepted Instead Of",
        copy=False,
        readonly=True,
        help="Deal currency at the time of the acceptance: a change of the deal currency asks "
        "again.",
    )
    deal_currency_accepted_by_id = fields.Many2one(
        "res.users", string="Currency Accepted By", copy=False, readonly=True
    )
    deal_currency_accepted_on = fields.Datetime(
        string="Currency Accepted On", copy=False, readonly=True
    )
    deal_currency_accepted_reason = fields.Text(
        string="Currency Accepted Because", copy=False, readonly=True
    )

    # ------------------------------------------------------------------------------------------
    # Pricelist in the deal currency
    # ------------------------------------------------------------------------------------------

    def _compute_pricelist_id(self):
        # Same orders as stock (draft ones with a customer); only those of an opportunity with
        # a deal currency get the pricelist of that currency, when there is one.
        deal_orders = self.filtered(
            lambda order: (
                order.state == "draft"
                and order.partner_id
                and order.opportunity_id.deal_currency_id
            )
        )
        res = super()._compute_pricelist_id()
        pricelists = deal_orders._deal_currency_pricelists()
        for order in deal_orders:
            if pricelists[order]:
                order.pricelist_id = pricelists[order]
        return res

    def _deal_currency_pricelists(self):
        """``{order: pricelist}``: the pricelist each order gets in its deal currency, empty
        when its company has none (or the order has no deal currency or customer).

        The customer's own pricelist (stock's choice) when it is in the deal currency; else the
        company's active pricelists in that currency (own or shared), first those of a country
        group of the customer's country, then those without country group, each by sequence.
        Pricelists reserved to other country groups are not for this customer. One search per
        currency and company.
        """
        Pricelist = self.env["product.pricelist"]
        candidates_by_key = {}
        result = {}
        for order in self:
            currency = order.opportunity_id.deal_currency_id
            partner = order.partner_id
            if not currency or not partner:
                result[order] = Pricelist
                continue
            company = order.company_id or self.env.company
            own = partner.with_company(company).property_product_pricelist
            if own.currency_id == currency:
                result[order] = own
                continue
            key = (currency.id, company.id)
            if key not in candidates_by_key:
                candidates_by_key[key] = Pricelist.with_company(company).search(
                    [("currency_id", "=", currency.id), ("company_id", "in", [company.id, False])],
                    order="sequence, id",
                )
            candidates = candidates_by_key[key]
            country = partner.country_id
            for_country = candidates.filtered(
                lambda pricelist, country=country: (
                    country and country in pricelist.country_group_ids.country_ids
                )
            )
            result[order] = (
                for_country[:1] or candidates.filtered(lambda p: not p.country_group_ids)[:1]
            ).with_env(self.env)
        return result

    @api.depends("opportunity_id.deal_currency_id", "partner_id", "company_id")
    def _compute_deal_currency_pricelist_id(self):
        pricelists = self._deal_currency_pricelists()
        for order in self:
            order.deal_currency_pricelist_id = pricelists[order]

    # ------------------------------------------------------------------------------------------
    # Quotations in another currency than the deal's
    # ------------------------------------------------------------------------------------------

    @api.depends_context("lang")
    @api.depends(
        "state",
        "currency_id",
        "opportunity_id.deal_currency_id",
        "deal_currency_accepted_id",
        "deal_currency_accepted_for_id",
        "partner_id",
        "company_id",
    )
    def _compute_deal_currency_mismatch(self):
        mismatched = self.filtered(lambda order: order._deal_currency_differs())
        unaccepted = mismatched.filtered(lambda order: not order._deal_currency_acceptance_holds())
        pricelists = unaccepted._deal_currency_pricelists()
        for order in self:
            order.deal_currency_mismatch = order in mismatched
            order.deal_currency_accepted = order in mismatched - unaccepted
            if order in unaccepted:
                order.deal_currency_message = order._deal_currency_mismatch_explanation(
                    pricelists[order]
                )
            elif order in mismatched:
                order.deal_currency_message = self.env._(
                    "Quoted in %(currency)s instead of the deal currency %(deal_currency)s: "
                    "accepted by %(user)s.",
                    currency=order.currency_id.name,
                    deal_currency=order.opportunity_id.deal_currency_id.name,
                    user=order.deal_currency_accepted_by_id.name,
                )
            else:
                order.deal_currency_message = False

    def _deal_currency_differs(self):
        """This open quotation is in another currency than its opportunity's deal currency."""
        self.ensure_one()
        deal_currency = self.opportunity_id.deal_currency_id
        return bool(
            self.state in ("draft", "sent")
            and deal_currency
            and self.currency_id
            and self.currency_id != deal_currency
        )

    def _deal_currency_acceptance_holds(self):
        """A manager's acceptance covers this quotation's currency for this deal currency."""
        self.ensure_one()
        return bool(
            self.deal_currency_accepted_id
            and self.deal_currency_accepted_id == self.currency_id
            and self.deal_currency_accepted_for_id == self.opportunity_id.deal_currency_id
        )

    def _deal_currency_blocks(self):
        """The quotation may not reach the customer: not in its deal's currency, not accepted."""
        self.ensure_one()
        return self._deal_currency_differs() and not self._deal_currency_acceptance_holds()

    def _deal_currency_mismatch_explanation(self, pricelist=None):
        """What is wrong and what to do, for the salesperson. `pricelist`: the one of the deal
        currency, when the caller already looked it up."""
        self.ensure_one()
        _ = self.env._
        deal_currency = self.opportunity_id.deal_currency_id
        if self.id and self.name and self.name != "/":
            quotation = _("Quotation %(name)s", name=self.name)
        else:
            quotation = _("This quotation")
        problem = _(
            "%(quotation)s is in %(currency)s but its opportunity “%(deal)s” is negotiated in "
            "%(deal_currency)s.",
            quotation=quotation,
            currency=self.currency_id.name,
            deal=self.opportunity_id.name,
            deal_currency=deal_currency.name,
        )
        if pricelist is None:
            pricelist = self._deal_currency_pricelists()[self]
        if pricelist:
            remedy = _(
                "Switch to the pricelist “%(pricelist)s” (Use Deal Currency updates the "
                "prices), or change the currency of the opportunity. Only a sales manager can "
                "accept quoting this deal in %(currency)s.",
                pricelist=pricelist.display_name,
                currency=self.currency_id.name,
            )
        else:
            remedy = _(
                "%(company)s has no pricelist in %(deal_currency)s: ask a sales manager to "
                "create one (Sales > Products > Pricelists), or change the currency of the "
                "opportunity. Only a sales manager can accept quoting this deal in "
                "%(currency)s.",
                company=(self.company_id or self.env.company).name,
                deal_currency=deal_currency.name,
                currency=self.currency_id.name,
            )
        return f"{problem} {remedy}"

    def _cpq_blocking_reasons(self, action):
        reasons = super()._cpq_blocking_reasons(action)
        # The customer PDF stays printable for internal review; what reaches the customer as
        # an offer (email, signature, payment, confirmation) is in the deal currency.
        if action != "print" and self._deal_currency_blocks():
            reasons.append(self._deal_currency_mismatch_explanation())
        return reasons

    @api.depends(
        "currency_id",
        "opportunity_id.deal_currency_id",
        "deal_currency_accepted_id",
        "deal_currency_accepted_for_id",
    )
    def _compute_cpq_blocking_message(self):
        return super()._compute_cpq_blocking_message()

    def _cpq_protected_fields(self):
        return super()._cpq_protected_fields() | set(ACCEPTANCE_FIELDS)

    # ------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------

    def action_use_deal_currency_pricelist(self):
        """Put the quotation on the pricelist of its deal currency and reprice its lines."""
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Quotation %(name)s is no longer a quotation: its pricelist cannot change.",
                        name=order.name,
                    )
                )
            if not order.opportunity_id.deal_currency_id:
                raise UserError(
                    self.env._(
                        "Quotation %(name)s has no opportunity with a deal currency.",
                        name=order.name,
                    )
                )
            if not order.deal_currency_pricelist_id:
                raise UserError(order._deal_currency_mismatch_explanation())
        for order in self:
            if order.pricelist_id != order.deal_currency_pricelist_id:
                order.pricelist_id = order.deal_currency_pricelist_id
                order.action_update_prices()
        return True

    def action_accept_deal_currency_exception(self):
        """A sales manager accepts that these quotations stay in their currency, other than
        their deal's (e.g. the customer pays in the company currency). The acceptance holds
        while neither currency changes."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(
                self.env._(
                    "Only a sales manager can accept a quotation in another currency than its "
                    "deal's. Switch it to the deal currency, or ask a sales manager."
                )
            )
        for order in self:
            if not order.deal_currency_mismatch:
                raise UserError(
                    self.env._(
                        "Quotation %(name)s is in the currency of its deal: there is nothing to "
                        "accept.",
                        name=order.name,
                    )
                )
        self.check_access("write")
        for order in self.filtered(lambda order: not order._deal_currency_acceptance_holds()):
            reason = order._deal_currency_mismatch_explanation()
            order.sudo().write(
                {
                    "deal_currency_accepted_id": order.currency_id.id,
                    "deal_currency_accepted_for_id": order.opportunity_id.deal_currency_id.id,
                    "deal_currency_accepted_by_id": self.env.user.id,
                    "deal_currency_accepted_on": fields.Datetime.now(),
                    "deal_currency_accepted_reason": reason,
                }
            )
            order.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._(
                        "%(user)s accepted this quotation in %(currency)s for a deal negotiated "
                        "in %(deal_currency)s.",
                        user=self.env.user.name,
                        currency=order.currency_id.name,
                        deal_currency=order.opportunity_id.deal_currency_id.name,
                    ),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_cpq_new_revision(self):
        # A new version of an accepted quotation keeps its currency and so its acceptance (a
        # plain copy starts without, like CPQ approvals).
        res = super().action_cpq_new_revision()
        revision = self.superseded_by_id
        if revision and self.deal_currency_accepted_id:
            revision.sudo().write(
                {
                    fname: self._fields[fname].convert_to_write(self[fname], self)
                    for fname in ACCEPTANCE_FIELDS
                }
            )
        return res
