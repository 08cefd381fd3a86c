from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

OPEN_QUOTATION_STATES = ("draft", "sent")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    deal_quoted_amount = fields.Monetary(
        string="Current Quotations Total",
        compute="_compute_deal_quoted_amount",
        currency_field="deal_currency_id",
        help="Untaxed total of the current quotations of the deal (draft or sent; versions "
        "superseded by a revision are cancelled and left out), in the deal currency. A "
        "quotation in another currency is converted at its date.",
    )
    deal_quote_count = fields.Integer(
        string="Current Quotation Count", compute="_compute_deal_quoted_amount"
    )
    deal_quoted_differs = fields.Boolean(
        string="Quotes Differ from Deal Amount",
        compute="_compute_deal_quoted_amount",
        help="The current quotations add up to another amount than the expected revenue.",
    )

    # ------------------------------------------------------------------------------------------
    # The deal ledger follows the deal currency
    # ------------------------------------------------------------------------------------------

    def _get_deal_currency(self):
        """The deal currency of each opportunity; the ledger's own rule (the currency of its
        orders when they share one) only for opportunities without one. No query beyond
        reading ``deal_currency_id`` for all of them at once."""
        currencies = {}
        undecided = self.browse()
        for lead in self:
            if lead.deal_currency_id:
                currencies[lead.id] = lead.deal_currency_id
            else:
                undecided |= lead
        if undecided:
            currencies.update(super(CrmLead, undecided)._get_deal_currency())
        return currencies

    # ------------------------------------------------------------------------------------------
    # Deal amount and quotations
    # ------------------------------------------------------------------------------------------

    @api.depends_context("uid")
    @api.depends(
        "order_ids.state",
        "order_ids.amount_untaxed",
        "order_ids.currency_id",
        "order_ids.date_order",
        "deal_currency_id",
        "deal_amount",
    )
    def _compute_deal_quoted_amount(self):
        self.update(
            {"deal_quoted_amount": 0.0, "deal_quote_count": 0, "deal_quoted_differs": False}
        )
        # Like the deal ledger: totals are read in sudo mode (a salesperson may not read every
        # quotation of the deal), so only for deals this user can read.
        origins = self.browse({lead._origin.id for lead in self if lead._origin.id})
        readable = origins._filtered_access("read")
        if not readable:
            return
        groups = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("opportunity_id", "in", readable.ids),
                    ("state", "in", OPEN_QUOTATION_STATES),
                ],
                ["opportunity_id", "currency_id", "company_id", "date_order:day"],
                ["amount_untaxed:sum", "__count"],
            )
        )
        quotes = defaultdict(list)
        for lead, currency, company, day, amount, count in groups:
            quotes[lead.id].append((currency, company, day, amount, count))
        for lead in self:
            rows = quotes.get(lead._origin.id)
            if not rows or lead._origin not in readable:
                continue
            deal_currency = lead.deal_currency_id or lead.company_currency
            total = 0.0
            for currency, company, day, amount, _count in rows:
                if currency != deal_currency:
                    amount = currency._convert(
                        amount, deal_currency, company, day or fields.Date.context_today(self)
                    )
                total += amount
            total = deal_currency.round(total)
            lead.deal_quoted_amount = total
            lead.deal_quote_count = sum(row[4] for row in rows)
            lead.deal_quoted_differs = bool(deal_currency.compare_amounts(total, lead.deal_amount))

    def action_set_deal_amount_from_quotes(self):
        """The salesperson takes the current quotations' total as the expected revenue."""
        for lead in self:
            if not lead.deal_quote_count:
                raise UserError(
                    self.env._(
                        "Opportunity %(name)s has no current quotation to take the amount from.",
                        name=lead.name,
                    )
                )
        for lead in self:
            lead.deal_amount = lead.deal_quoted_amount
            lead._track_set_log_message(
                self.env._("Expected revenue set to the total of the current quotations.")
            )
        return True

    def _update_revenues_from_so(self, order):
        """Stock raises the expected revenue to a confirmed order's untaxed amount when the
        order is in the company currency. Orders in the deal currency now compare with the deal
        amount, in that currency; other orders keep stock's rule."""
        in_deal_currency = self.filtered(
            lambda lead: lead.deal_currency_id and order.currency_id == lead.deal_currency_id
        )
        for lead in in_deal_currency:
            currency = lead.deal_currency_id
            if currency.compare_amounts(lead.deal_amount or 0.0, order.amount_untaxed) < 0:
                lead.deal_amount = order.amount_untaxed
                lead._track_set_log_message(
                    self.env._(
                        "Expected revenue has been updated based on the linked Sales Orders."
                    )
                )
        return super(CrmLead, self - in_deal_currency)._update_revenues_from_so(order)

    # ------------------------------------------------------------------------------------------
    # Install: deals quoted before quotes followed the deal currency
    # ------------------------------------------------------------------------------------------

    @api.model
    def _deal_currency_align_with_orders(self):
        """Before this bridge, quotations ignored the deal currency. A deal whose quotations
        and orders (cancelled ones aside) all share one currency other than its deal currency
        takes their currency: its amount is converted at the rate of its valuation date, and
        its confirmed orders raise it as they would have (see `_update_revenues_from_so`).
        Deals whose documents mix currencies keep theirs. Returns the deals aligned."""
        groups = (
            self.env["sale.order"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [("opportunity_id", "!=", False), ("state", "!=", "cancel")],
                ["opportunity_id", "currency_id"],
            )
        )
        currencies = defaultdict(set)
        for lead, currency in groups:
            currencies[lead].add(currency)
        aligned = self.browse()
        today = fields.Date.context_today(self)
        for lead, lead_currencies in currencies.items():
            currency = next(iter(lead_currencies))
            if len(lead_currencies) > 1 or lead.deal_currency_id == currency:
                continue
            lead = lead.sudo().with_context(active_test=False)
            amount = lead.deal_amount
            if amount and lead.deal_currency_id:
                amount = lead.deal_currency_id._convert(
                    amount,
                    currency,
                    lead.company_id or self.env.company,
                    lead.deal_valuation_date or today,
                )
            lead.write({"deal_currency_id": currency.id, "deal_amount": amount})
            lead._track_set_log_message(
                self.env._(
                    "Deal currency aligned with the currency of its quotations and orders, now "
                    "that quotations follow the deal currency."
                )
            )
            for order in lead.order_ids.filtered(lambda order: order.state == "sale"):
                lead._update_revenues_from_so(order)
            aligned |= lead
        return aligned
