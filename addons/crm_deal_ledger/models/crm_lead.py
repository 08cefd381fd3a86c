from collections import defaultdict

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

# Ledger figures shown on the opportunity, each in the deal currency and in company currency.
LEDGER_FIGURES = ("quoted", "ordered", "to_invoice", "invoiced", "paid", "outstanding")

# Which entry kinds move each figure, read from the amount in the document's currency.
_KIND_FIGURE = {
    "quote": "quoted",
    "order": "ordered",
    "invoice": "invoiced",
    "credit_note": "invoiced",
    "payment": "paid",
    "exchange": "paid",
}

# Fields a billing user may filter opportunities on when picking one for an invoice.
_BILLING_PICK_FIELDS = ("id", "type", "company_id", "name", "display_name", "active")

# Where the ledger reads each model from, seen from the deal: the paths by which a change of a
# document marks its deal's stored entries for refresh (see _ledger_store_depends).
_STORE_PATHS = {
    "sale.order": ["order_ids"],
    "account.move": [
        "ledger_move_ids",
        # the counterpart of a reconciliation: is it a document of the same deal?
        "ledger_move_ids.line_ids.matched_debit_ids.debit_move_id.move_id",
        "ledger_move_ids.line_ids.matched_credit_ids.credit_move_id.move_id",
    ],
    "account.move.line": [
        "ledger_move_ids.line_ids",
        "ledger_move_ids.line_ids.matched_debit_ids.debit_move_id",
        "ledger_move_ids.line_ids.matched_credit_ids.credit_move_id",
    ],
    "account.partial.reconcile": [
        "ledger_move_ids.line_ids.matched_debit_ids",
        "ledger_move_ids.line_ids.matched_credit_ids",
    ],
    "account.full.reconcile": ["ledger_move_ids.line_ids.full_reconcile_id"],
    "account.account": ["ledger_move_ids.line_ids.account_id"],
    "res.company": ["order_ids.company_id", "ledger_move_ids.company_id"],
    # what the report shows of the deal itself is stored with its entries too
    "crm.lead": [""],
    "crm.stage": ["stage_id"],
}

# Company-currency columns of crm.deal.ledger.line summed into the company figures.
_COMPANY_COLUMNS = {
    "quoted": "amount_quoted",
    "ordered": "amount_ordered",
    "to_invoice": "amount_to_invoice",
    "invoiced": "amount_invoiced",
    "rate_difference": "amount_rate_difference",
    "paid": "amount_paid",
    "exchange_difference": "amount_exchange_difference",
}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    ledger_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_ledger",
        help="Currency the deal is followed in: the currency of its quotations and orders "
        "when they share one, else the company currency.",
    )
    ledger_quoted = fields.Monetary(
        string="Quoted",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Total, tax included, of the current versions of the deal's quotations (draft "
        "or sent).",
    )
    ledger_ordered = fields.Monetary(
        string="Ordered",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Total, tax included, of the deal's confirmed sales orders.",
    )
    ledger_to_invoice = fields.Monetary(
        string="To Invoice",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Ordered minus invoiced, in each document's currency, converted at the rate of "
        "the deal's orders.",
    )
    ledger_invoiced = fields.Monetary(
        string="Invoiced",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Posted invoices minus posted credit notes of the deal, tax included.",
    )
    ledger_paid = fields.Monetary(
        string="Paid",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Payments of any kind reconciled with the deal's invoices (bank statements, "
        "registered payments, credits from other documents), minus refunds.",
    )
    ledger_outstanding = fields.Monetary(
        string="Outstanding",
        compute="_compute_ledger",
        currency_field="ledger_currency_id",
        help="Invoiced minus paid: what the customer still owes on this deal.",
    )
    ledger_quoted_company = fields.Monetary(
        string="Quoted (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
    )
    ledger_ordered_company = fields.Monetary(
        string="Ordered (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
    )
    ledger_to_invoice_company = fields.Monetary(
        string="To Invoice (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="What is left to invoice of the orders, at the orders' rate: ordered minus "
        "invoiced plus the rate difference. An order invoiced in full leaves nothing, "
        "whatever the rate at the invoice date.",
    )
    ledger_rate_difference = fields.Monetary(
        string="Rate Difference on Invoicing",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="Invoices at the rate of their own date minus the same invoices at the rate of "
        "the deal's orders: the exchange rate moved between order and invoice. It is not "
        "over-invoicing.",
    )
    ledger_invoiced_company = fields.Monetary(
        string="Invoiced (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="At the rate of each invoice's and credit note's own date, as posted.",
    )
    ledger_paid_company = fields.Monetary(
        string="Paid (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="At the rate of each payment's own date.",
    )
    ledger_exchange_difference = fields.Monetary(
        string="Realised Exchange Difference",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="Exchange gain (positive) or loss (negative) realised when the deal's invoices "
        "were paid at another rate than the one they were invoiced at.",
    )
    ledger_outstanding_company = fields.Monetary(
        string="Outstanding (Company Currency)",
        compute="_compute_ledger",
        currency_field="company_currency",
        help="Invoiced minus paid plus exchange difference: the open balance of the deal's "
        "receivable journal items.",
    )

    ledger_move_ids = fields.One2many(
        "account.move",
        "opportunity_id",
        string="Invoices and Credit Notes",
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    ledger_entry_count = fields.Integer(
        string="Ledger Entries",
        compute="_compute_ledger_entry_count",
        store=True,
        compute_sudo=True,
        help="Entries of the deal in the Deal Ledger report. Computing it refreshes the "
        "deal's stored entries: it depends on every field of the documents the ledger reads.",
    )

    def _ledger_store_depends(self):
        """The fields of the documents the ledger reads (crm.deal.ledger.line._depends,
        bridges' columns included), as paths from the deal, and the deal's own fields the
        report shows (salesperson, team, stage...)."""
        report_depends = self.env["crm.deal.ledger.line"]._depends
        return [
            f"{path}.{field_name}" if path else field_name
            for model_name, field_names in report_depends.items()
            for path in _STORE_PATHS.get(model_name, [])
            for field_name in field_names
            if field_name != "ledger_entry_count"
        ]

    @api.depends(lambda self: self._ledger_store_depends())
    def _compute_ledger_entry_count(self):
        """Refresh the stored ledger entries of the deals whose documents changed."""
        counts = self.env["crm.deal.ledger.line"]._ledger_store_refresh(self.ids)
        for lead in self:
            lead.ledger_entry_count = counts.get(lead.id, 0)

    def _get_deal_currency(self):
        """The currency each deal is followed in, as ``{lead id: res.currency record}``.

        Hook for bridges that know better (e.g. a deal currency field): override it, call
        ``super()`` for the leads you do not decide. Batched: one query for all of ``self``.
        Default: the currency of the deal's quotations and orders (cancelled ones left out)
        when they all share one, else the company currency of the deal.
        """
        currencies = {lead.id: lead.company_currency for lead in self}
        lead_ids = [lead_id for lead_id in self.ids if isinstance(lead_id, int)]
        if not lead_ids:
            return currencies
        # sudo: the currency of orders is no secret once the deal itself is readable.
        groups = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("opportunity_id", "in", lead_ids),
                    ("state", "!=", "cancel"),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["opportunity_id", "currency_id"],
            )
        )
        order_currencies = defaultdict(list)
        for lead, currency in groups:
            order_currencies[lead.id].append(currency)
        for lead_id, lead_currencies in order_currencies.items():
            if len(lead_currencies) == 1:
                currencies[lead_id] = lead_currencies[0].with_env(self.env)
        return currencies

    @api.depends_context("uid", "company", "allowed_company_ids")
    def _compute_ledger(self):
        self.ledger_currency_id = False
        for figure in LEDGER_FIGURES:
            self[f"ledger_{figure}"] = 0.0
            self[f"ledger_{figure}_company"] = 0.0
        self.ledger_exchange_difference = 0.0
        self.ledger_rate_difference = 0.0
        # Figures are read with sudo (a salesperson may not read every payment of the deal),
        # so only for deals this user can read.
        leads = self.filtered(lambda lead: isinstance(lead.id, int))._filtered_access("read")
        if not leads:
            return
        deal_currencies = leads._get_deal_currency()
        entries = self._ledger_entries_by_lead(leads)
        for lead in leads:
            company_currency = lead.company_currency
            deal_currency = deal_currencies[lead.id]
            company_figures, deal_figures = lead._ledger_sum(
                entries.get(lead.id, []), company_currency, deal_currency
            )
            lead.ledger_currency_id = deal_currency
            for figure in LEDGER_FIGURES:
                lead[f"ledger_{figure}_company"] = company_figures[figure]
                lead[f"ledger_{figure}"] = deal_figures[figure]
            lead.ledger_exchange_difference = company_figures["exchange_difference"]
            lead.ledger_rate_difference = company_figures["rate_difference"]

    @api.model
    def _ledger_entries_by_lead(self, leads):
        """Ledger entries of `leads` summed by kind, company, document currency and date: one
        query whatever the number of documents. Amounts in each entry's company currency.

        Only entries of the companies the user works in (``env.companies``): a deal without
        company does not sum the documents of a company the reader cannot open."""
        Ledger = self.env["crm.deal.ledger.line"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT lead_id, kind, company_id, currency_id, rate_date,
                       SUM(amount_currency), %s
                  FROM (%s) ledger
                 WHERE lead_id IN %s AND company_id IN %s
              GROUP BY lead_id, kind, company_id, currency_id, rate_date
                """,
                SQL(", ").join(
                    SQL("SUM(%s)", SQL.identifier(column)) for column in _COMPANY_COLUMNS.values()
                ),
                Ledger._ledger_query(leads.ids),
                tuple(leads.ids),
                tuple(self.env.companies.ids),
            )
        )
        Company, Currency = self.env["res.company"], self.env["res.currency"]
        entries = defaultdict(list)
        for lead_id, kind, company_id, currency_id, day, amount, *amounts in self.env.cr.fetchall():
            entries[lead_id].append(
                {
                    "kind": kind,
                    "company": Company.browse(company_id),
                    "currency": Currency.browse(currency_id),
                    "rate_date": day,
                    "amount_currency": amount or 0.0,
                    **{
                        figure: float(value or 0.0)
                        for figure, value in zip(_COMPANY_COLUMNS, amounts, strict=True)
                    },
                }
            )
        return entries

    def _ledger_sum(self, entries, company_currency, deal_currency):
        """Company and deal currency figures of one deal from its grouped ledger entries.

        Company currency: amounts as posted, at each document's own date; what is left to
        invoice at the rate of the deal's orders (see crm.deal.ledger.line). Deal currency: the
        company figures when the deal is in company currency; otherwise each document's own
        currency amount, converted at the document's date (order date, invoice date) when the
        document is not in the deal currency, so an invoice paid in full shows nothing
        outstanding in either currency. What is left to invoice in another currency than the
        deal's is converted once, at the date of the last order in that currency, so that
        orders invoiced in full leave nothing.
        """
        self.ensure_one()
        company_figures = dict.fromkeys((*_COMPANY_COLUMNS, "outstanding"), 0.0)
        deal_figures = dict.fromkeys(LEDGER_FIGURES, 0.0)
        # Left to invoice in another currency than the deal's, per (company, document
        # currency): [amount in that company's currency at the orders' rate, conversion date].
        to_invoice_elsewhere = {}
        for entry in entries:
            entry_company_currency = entry["company"].currency_id
            for figure in _COMPANY_COLUMNS:
                amount = entry[figure]
                if entry_company_currency != company_currency:
                    amount = entry_company_currency._convert(
                        amount, company_currency, entry["company"], entry["rate_date"]
                    )
                company_figures[figure] += amount
            if deal_currency != company_currency:
                amount = entry["amount_currency"]
                if entry["currency"] != deal_currency:
                    amount = entry["currency"]._convert(
                        amount, deal_currency, entry["company"], entry["rate_date"]
                    )
                    if entry["kind"] in ("order", "invoice", "credit_note"):
                        remaining = to_invoice_elsewhere.setdefault(
                            (entry["company"], entry["currency"]),
                            {"amount": 0.0, "order_dates": [], "dates": []},
                        )
                        remaining["amount"] += entry["to_invoice"]
                        remaining["dates"].append(entry["rate_date"])
                        if entry["kind"] == "order":
                            remaining["order_dates"].append(entry["rate_date"])
                elif entry["kind"] == "order":
                    deal_figures["to_invoice"] += amount
                elif entry["kind"] in ("invoice", "credit_note"):
                    deal_figures["to_invoice"] -= amount
                deal_figures[_KIND_FIGURE[entry["kind"]]] += amount
        for (company, _currency), remaining in to_invoice_elsewhere.items():
            dates = [day for day in remaining["order_dates"] or remaining["dates"] if day]
            deal_figures["to_invoice"] += company.currency_id._convert(
                remaining["amount"],
                deal_currency,
                company,
                max(dates) if dates else fields.Date.context_today(self),
            )
        company_figures["outstanding"] = (
            company_figures["invoiced"]
            - company_figures["paid"]
            + company_figures["exchange_difference"]
        )
        if deal_currency == company_currency:
            deal_figures = {figure: company_figures[figure] for figure in LEDGER_FIGURES}
        else:
            deal_figures["outstanding"] = deal_figures["invoiced"] - deal_figures["paid"]
        company_figures = {
            figure: company_currency.round(amount) for figure, amount in company_figures.items()
        }
        deal_figures = {
            figure: deal_currency.round(amount) for figure, amount in deal_figures.items()
        }
        return company_figures, deal_figures

    # ------------------------------------------------------------------------------------------
    # Merge: the invoices follow the deal they belong to
    # ------------------------------------------------------------------------------------------

    def _merge_dependences(self, opportunities):
        res = super()._merge_dependences(opportunities)
        self._merge_dependences_invoices(opportunities)
        return res

    def _merge_dependences_invoices(self, opportunities):
        """Invoices and credit notes of the merged opportunities move to the one kept, those
        attached by hand included (those made from orders follow their orders anyway).

        sudo: the user merging may not read every invoice of the deals they may merge; only
        the opportunity of the documents changes, as the merge would have lost it."""
        self.ensure_one()
        moves = (
            self.env["account.move"].sudo().search([("opportunity_id", "in", opportunities.ids)])
        )
        if moves:
            moves.write({"opportunity_id": self.id})

    # ------------------------------------------------------------------------------------------
    # Billing users pick the opportunity of an invoice
    # ------------------------------------------------------------------------------------------

    @api.model
    @api.readonly
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """Billing users who may not read the CRM still pick the opportunity of an invoice:
        they get the names of the opportunities of their companies (the names they already
        read on invoices), filtered only on what an invoice's opportunity field filters on,
        so that no other field of a lead can be probed."""
        if self._ledger_billing_picks(args):
            domain = expression.AND(
                [
                    args or [],
                    [("type", "=", "opportunity")],
                    [("company_id", "in", [*self.env.companies.ids, False])],
                ]
            )
            return self.sudo().name_search(name, domain, operator, limit)
        return super().name_search(name, args, operator, limit)

    @api.model
    def _ledger_billing_picks(self, args):
        if self.env.su or not self.env.user.has_group("account.group_account_invoice"):
            return False
        if self.env["ir.model.access"].check("crm.lead", "read", raise_exception=False):
            return False  # CRM users search as usual, under their own rules
        return all(
            leaf[0] in _BILLING_PICK_FIELDS
            for leaf in args or []
            if expression.is_leaf(leaf) and not expression.is_operator(leaf)
        )

    def action_view_deal_ledger(self):
        """The deal's ledger entries, to drill down to its orders, invoices and payments."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_deal_ledger.crm_deal_ledger_line_action"
        )
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {}  # every entry of the deal, won or not
        action["views"] = [
            (self.env.ref("crm_deal_ledger.crm_deal_ledger_line_view_list").id, "list"),
            (self.env.ref("crm_deal_ledger.crm_deal_ledger_line_view_pivot").id, "pivot"),
        ]
        action["display_name"] = self.env._("Ledger of %s", self.name)
        return action
