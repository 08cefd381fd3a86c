from collections import Counter

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, frozendict, ormcache

# The stored entries of every deal, refreshed deal by deal from the documents (see
# CrmDealLedgerLine._ledger_store_refresh): the report reads this table, not the documents.
LEDGER_STORE = "crm_deal_ledger_entry"

# Kinds of ledger entries, in the order a deal goes through them.
LEDGER_KINDS = [
    ("quote", "Quotation"),
    ("order", "Sales Order"),
    ("invoice", "Invoice"),
    ("credit_note", "Credit Note"),
    ("payment", "Payment"),
    ("exchange", "Exchange Difference"),
]

# Steps of the deal-to-cash chart: one measure (amount) split by step draws them all.
FLOW_STEPS = [
    ("quoted", "Quoted"),
    ("ordered", "Ordered"),
    ("invoiced", "Invoiced"),
    ("paid", "Paid"),
]

# The receivable and payable journal items of a deal's posted customer invoices and credit
# notes: the only journal items the ledger reads money from.
_DEAL_ITEM_CONDITION = """
    {move}.opportunity_id IS NOT NULL
    AND {move}.state = 'posted'
    AND {move}.move_type IN ('out_invoice', 'out_refund')
    AND {account}.account_type IN ('asset_receivable', 'liability_payable')
"""

# A journal entry written by the reconciliation to book an exchange difference.
_EXCHANGE_MOVE_CONDITION = """(
    EXISTS (SELECT 1 FROM account_partial_reconcile ex WHERE ex.exchange_move_id = {move}.id)
    OR EXISTS (SELECT 1 FROM account_full_reconcile fx WHERE fx.exchange_move_id = {move}.id)
)"""


class CrmDealLedgerLine(models.Model):
    """One money event of a deal, in company currency at the event's own date.

    Quotations (current versions: draft or sent) and confirmed orders at their order date;
    the receivable/payable journal items of posted invoices and credit notes (invoiced); each
    partial reconciliation of those items with anything that is not a document of the same
    deal and not an exchange difference entry (paid: payments, bank statement lines,
    misc. entries), valued at the payment's own rate; and the exchange difference entries that
    settled those reconciliations. Summed per deal:
    ``outstanding = invoiced - paid + exchange difference`` equals the open residual of the
    deal's receivable items, to the cent.
    """

    _name = "crm.deal.ledger.line"
    _description = "Deal Ledger Entry"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"
    _depends = frozendict(
        {
            "sale.order": [
                "opportunity_id",
                "state",
                "date_order",
                "company_id",
                "currency_id",
                "currency_rate",
                "amount_total",
            ],
            "account.move": [
                "opportunity_id",
                "state",
                "move_type",
                "date",
                "invoice_date",
                "company_id",
            ],
            "account.move.line": [
                "move_id",
                "account_id",
                "date",
                "company_id",
                "currency_id",
                "balance",
                "amount_currency",
                "payment_id",
            ],
            "account.partial.reconcile": [
                "debit_move_id",
                "credit_move_id",
                "amount",
                "debit_amount_currency",
                "credit_amount_currency",
                "exchange_move_id",
            ],
            "account.full.reconcile": ["exchange_move_id"],
            "account.account": ["account_type"],
            "res.company": ["currency_id"],
            # ledger_entry_count: flushing it refreshes the stored entries of the deals whose
            # documents changed, before the report reads them.
            "crm.lead": [
                "name",
                "user_id",
                "team_id",
                "partner_id",
                "stage_id",
                "company_id",
                "ledger_entry_count",
            ],
            "crm.stage": ["is_won"],
        }
    )

    kind = fields.Selection(LEDGER_KINDS, readonly=True)
    date = fields.Date(
        readonly=True,
        help="Date of the event: order date, accounting date of the invoice or credit note, "
        "date of the payment or of the exchange difference entry.",
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    lead_name = fields.Char(
        string="Opportunity Name",
        readonly=True,
        help="Kept apart so that accountants without access to the CRM can export it.",
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    is_won = fields.Boolean(string="Won Deal", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one(
        "res.currency", string="Company Currency", related="company_id.currency_id"
    )
    report_currency_id = fields.Many2one(
        "res.currency",
        string="Currency",
        compute="_compute_report_currency_id",
        help="Amounts are in the currency of the current company; those of companies in "
        "another currency are converted at today's rate, as in the sales analysis.",
    )
    order_id = fields.Many2one("sale.order", string="Quotation / Order", readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
        help="Invoice or credit note, payment entry or exchange difference entry.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        string="Invoice / Credit Note",
        readonly=True,
        help="The deal's invoice or credit note this entry invoices, pays or adjusts.",
    )
    payment_id = fields.Many2one(
        "account.payment",
        readonly=True,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    currency_id = fields.Many2one(
        "res.currency",
        string="Document Currency",
        readonly=True,
        help="Currency of the deal's order, invoice or credit note this entry moves.",
    )
    rate_date = fields.Date(
        string="Document Date",
        readonly=True,
        help="Order date or invoice date: the date at which the document's own currency "
        "is converted to the deal currency.",
    )
    amount_currency = fields.Monetary(
        string="Amount in Document Currency",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    amount_quoted = fields.Monetary(
        string="Quoted", currency_field="report_currency_id", readonly=True
    )
    amount_ordered = fields.Monetary(
        string="Ordered", currency_field="report_currency_id", readonly=True
    )
    amount_to_invoice = fields.Monetary(
        string="To Invoice",
        currency_field="report_currency_id",
        readonly=True,
        help="Ordered minus invoiced, both at the rate of the deal's orders: an order "
        "invoiced in full leaves nothing to invoice whatever the rate at the invoice date.",
    )
    amount_rate_difference = fields.Monetary(
        string="Rate Difference",
        currency_field="report_currency_id",
        readonly=True,
        help="Invoices and credit notes at their own date's rate minus the same amounts at "
        "the rate of the deal's orders: what the exchange rate moved between ordering and "
        "invoicing. Not over-invoicing: to invoice = ordered - invoiced + rate difference.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        currency_field="report_currency_id",
        readonly=True,
        help="Posted invoices minus credit notes, tax included, at each document's date.",
    )
    amount_paid = fields.Monetary(
        string="Paid",
        currency_field="report_currency_id",
        readonly=True,
        help="Payments of any kind reconciled with the deal's invoices, minus refunds, at "
        "each payment's date.",
    )
    amount_exchange_difference = fields.Monetary(
        string="Exchange Difference",
        currency_field="report_currency_id",
        readonly=True,
        help="Realised exchange gain (positive) or loss (negative) on the deal's payments.",
    )
    amount_outstanding = fields.Monetary(
        string="Outstanding",
        currency_field="report_currency_id",
        readonly=True,
        help="Invoiced minus paid plus exchange difference: what the customer still owes.",
    )
    flow_step = fields.Selection(
        FLOW_STEPS,
        string="Step",
        readonly=True,
        help="Where the money of the deal is: quoted, ordered, invoiced (credit notes "
        "negative) or paid. Exchange difference entries are no step.",
    )
    amount = fields.Monetary(
        currency_field="report_currency_id",
        readonly=True,
        help="The entry's amount at its step: quoted, ordered, invoiced or paid.",
    )
    deal_to_order = fields.Monetary(
        string="Deal Still Quoted",
        currency_field="report_currency_id",
        readonly=True,
        aggregator=None,
        help="The deal's open quotations, not yet ordered.",
    )
    deal_to_invoice = fields.Monetary(
        string="Deal Still To Invoice",
        currency_field="report_currency_id",
        readonly=True,
        aggregator=None,
    )
    deal_outstanding = fields.Monetary(
        string="Deal Still Outstanding",
        currency_field="report_currency_id",
        readonly=True,
        aggregator=None,
    )

    document_readable = fields.Boolean(
        compute="_compute_document_readable",
        search="_search_document_readable",
        help="The user may read the order or the invoice this entry comes from: the report "
        "obeys the record rules of sale.order and account.move (see the global record rule).",
    )

    def _compute_document_readable(self):
        readable = self.search([("id", "in", self.ids), ("document_readable", "=", True)])
        for entry in self:
            entry.document_readable = entry in readable

    @api.model
    def _search_document_readable(self, operator, value):
        """Entries whose order and invoice the *user* may read, under the documents' own
        access rights and record rules (record rules are evaluated in sudo mode: the
        documents are searched as the user, in the same companies)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on %s.", "document_readable"))
        if (operator == "=") != value:
            raise UserError(_("Only readable entries can be searched for."))
        as_user = self.env(su=False)
        domain = []
        for fname, model in (("order_id", "sale.order"), ("invoice_id", "account.move")):
            if as_user["ir.model.access"].check(model, "read", raise_exception=False):
                if self._ledger_rules_follow_company(model):
                    continue  # an entry's company is its document's: the company rule holds
                readable = as_user[model]._search([])
                domain.append(["|", (fname, "=", False), (fname, "in", readable)])
            else:
                domain.append([(fname, "=", False)])
        return expression.AND(domain)

    @api.model
    def _ledger_rules_follow_company(self, model_name):
        """Whether the user's record rules on `model_name` let them read every document of the
        companies they work in (e.g. an accountant: only the multi-company rule). Then the
        report's own multi-company rule on the entry (whose company is its document's) says
        the same and the documents need not be searched. Evaluated on the rules' domain as
        the user: only leaves on company_id are understood, anything else answers False."""
        domain = self.env(su=False)["ir.rule"]._compute_domain(model_name, "read")
        companies = set(self.env.companies.ids)

        def holds(position):
            """Value of the sub-domain at `position` for a document of any of `companies`,
            and the position after it; None when it depends on more than the company."""
            token = domain[position]
            if token in ("&", "|"):
                left, position = holds(position + 1)
                right, position = holds(position)
                if left is None or right is None:
                    return None, position
                return (left and right) if token == "&" else (left or right), position
            if not (isinstance(token, (list, tuple)) and len(token) == 3):
                return None, position + 1
            field_name, operator, value = token
            if field_name != "company_id":
                return None, position + 1
            if operator == "in" and isinstance(value, (list, tuple)):
                return companies <= set(value), position + 1
            if operator == "=" and value is False:
                return False, position + 1
            return None, position + 1

        position, result = 0, True
        while position < len(domain):  # leaves side by side are ANDed
            value, position = holds(position)
            if value is None:
                return False
            result = result and value
        return result

    @api.depends_context("company")
    def _compute_report_currency_id(self):
        self.report_currency_id = self.env.company.currency_id

    @property
    def _table_query(self):
        """The stored entries (see `_ledger_store_refresh`), their amounts converted to the
        currency of the current company at today's rate, as stock reports do (sale.report):
        totals across companies in different currencies add up in one currency."""
        currency_table = self.env["res.currency"]._get_simple_currency_table(self.env.companies)
        columns = [
            SQL(
                "ledger.%s * account_currency_table.rate AS %s",
                SQL.identifier(name),
                SQL.identifier(name),
            )
            if name in self._ledger_money_columns()
            else SQL("ledger.%s", SQL.identifier(name))
            for name, field in self._fields.items()
            if field.store and field.column_type
        ]
        return SQL(
            """
            SELECT %s
              FROM %s ledger
              JOIN %s ON account_currency_table.company_id = ledger.company_id
            """,
            SQL(", ").join(columns),
            SQL.identifier(LEDGER_STORE),
            currency_table,
        )

    def init(self):
        """Build the store from the documents: on install and update of this addon and of
        every addon extending the ledger (a bridge adds columns to the entries)."""
        self._ledger_store_rebuild()

    @api.model
    def _ledger_store_rebuild(self):
        """Drop and create the store with the columns of `_ledger_query`, then fill it with
        the entries of every deal. Also the repair after documents were changed in SQL behind
        the ORM's back (nothing marks their deals to refresh then)."""
        cr = self.env.cr
        store = SQL.identifier(LEDGER_STORE)
        self._ledger_store_flush()
        cr.execute(SQL("DROP TABLE IF EXISTS %s", store))
        cr.execute(SQL("CREATE TABLE %s AS (%s) WITH NO DATA", store, self._ledger_store_query()))
        cr.execute(
            SQL(
                """
                ALTER TABLE %(store)s ADD PRIMARY KEY (id);
                ALTER TABLE %(store)s ADD FOREIGN KEY (lead_id)
                      REFERENCES crm_lead (id) ON DELETE CASCADE;
                CREATE INDEX ON %(store)s (lead_id);
                """,
                store=store,
            )
        )
        self.env.registry.clear_cache()  # the store's columns
        self._ledger_store_refresh()

    @ormcache()
    def _ledger_store_columns(self):
        """Names of the columns of `_ledger_store_query`, in order."""
        self.env.cr.execute(SQL("SELECT * FROM (%s) ledger LIMIT 0", self._ledger_store_query([])))
        return tuple(column.name for column in self.env.cr.description)

    @api.model
    def _ledger_store_flush(self):
        """Write to the database what the ledger reads of the documents and the deals (not
        the deals' ledger_entry_count: computing it is what refreshes the store)."""
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(
                [name for name in field_names if name != "ledger_entry_count"]
            )

    @api.model
    def _ledger_store_refresh(self, lead_ids=None):
        """Replace the stored entries of the deals `lead_ids` (all deals when None) by what the
        documents say now: one DELETE and one INSERT whatever the number of deals. Called by
        crm.lead when the documents of a deal change (see crm.lead.ledger_entry_count), so
        the store follows every path that changes them through the ORM. Returns the number
        of entries stored per deal."""
        if lead_ids is not None:
            lead_ids = [lead_id for lead_id in lead_ids if isinstance(lead_id, int)]
            if not lead_ids:
                return {}
        self._ledger_store_flush()
        cr = self.env.cr
        store = SQL.identifier(LEDGER_STORE)
        columns = SQL(", ").join(SQL.identifier(name) for name in self._ledger_store_columns())
        if lead_ids is None:
            cr.execute(SQL("DELETE FROM %s", store))
        else:
            # Two transactions refreshing the same deal at once would each miss the other's
            # documents (and rows): writing the deals' rows makes the second one fail with a
            # serialization error, and Odoo retries it (it then sees the first one's work).
            cr.execute(
                SQL(
                    "UPDATE crm_lead SET ledger_entry_count = ledger_entry_count"
                    " WHERE id = ANY(%s)",
                    lead_ids,
                )
            )
            cr.execute(SQL("DELETE FROM %s WHERE lead_id = ANY(%s)", store, lead_ids))
        # An entry that moved from another deal (an order given to another opportunity) is
        # replaced here even if that deal is refreshed later in the same flush.
        cr.execute(
            SQL(
                """
                INSERT INTO %(store)s (%(columns)s)
                SELECT %(columns)s FROM (%(query)s) ledger
                    ON CONFLICT (id) DO UPDATE SET (%(columns)s) = ROW(%(excluded)s)
             RETURNING lead_id
                """,
                store=store,
                columns=columns,
                query=self._ledger_store_query(lead_ids),
                excluded=SQL(", ").join(
                    SQL("EXCLUDED.%s", SQL.identifier(name))
                    for name in self._ledger_store_columns()
                ),
            )
        )
        return Counter(lead_id for (lead_id,) in cr.fetchall())

    @api.model
    def _ledger_money_columns(self):
        """Columns in the company currency of each entry, converted for the report."""
        return [
            name
            for name, field in self._fields.items()
            if field.type == "monetary" and field.currency_field == "report_currency_id"
        ]

    @api.model
    def _ledger_store_query(self, lead_ids=None):
        """The rows of the store: `_ledger_query` with what the report shows of the deal."""
        return SQL(
            """
            SELECT ledger.*,
                   lead.name AS lead_name,
                   lead.partner_id,
                   lead.user_id,
                   lead.team_id,
                   lead.stage_id,
                   COALESCE(stage.is_won, FALSE) AS is_won
              FROM (%s) ledger
              JOIN crm_lead lead ON lead.id = ledger.lead_id
         LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
            """,
            self._ledger_query(lead_ids),
        )

    @api.model
    def _ledger_query(self, lead_ids=None):
        """Every entry, its amounts in the currency of its own company, computed from the
        documents (the truth the store is refreshed from); only the entries of the deals
        `lead_ids` when given (the deal-wide columns need every entry of a deal: they are
        computed per deal, so filtering by deal changes nothing of a deal's rows)."""
        # Layers, inside out: the entries of every kind (flow); the rate of the deal's orders
        # in each document currency (valued); what is left to invoice at that rate, and the
        # rate difference of the invoices against it (entry); deal-wide sums (outer).
        return SQL(
            """
            SELECT entry.*,
                   SUM(entry.amount_quoted) OVER deal AS deal_to_order,
                   ROUND(SUM(entry.amount_to_invoice) OVER deal / entry.company_rounding)
                       * entry.company_rounding AS deal_to_invoice,
                   SUM(entry.amount_outstanding) OVER deal AS deal_outstanding,
                   CASE entry.kind
                       WHEN 'quote' THEN 'quoted'
                       WHEN 'order' THEN 'ordered'
                       WHEN 'invoice' THEN 'invoiced'
                       WHEN 'credit_note' THEN 'invoiced'
                       WHEN 'payment' THEN 'paid'
                   END AS flow_step,
                   entry.amount_quoted + entry.amount_ordered + entry.amount_invoiced
                       + entry.amount_paid AS amount
              FROM (
                    SELECT valued.*,
                           CASE
                               WHEN valued.kind = 'order' THEN valued.amount_ordered
                               WHEN valued.kind IN ('invoice', 'credit_note') THEN
                                   -COALESCE(
                                       valued.amount_currency * valued.order_rate,
                                       valued.amount_invoiced
                                   )
                               ELSE 0
                           END AS amount_to_invoice,
                           CASE
                               WHEN valued.kind IN ('invoice', 'credit_note') THEN
                                   valued.amount_invoiced - COALESCE(
                                       valued.amount_currency * valued.order_rate,
                                       valued.amount_invoiced
                                   )
                               ELSE 0
                           END AS amount_rate_difference
                      FROM (
                            SELECT flow.*,
                                   flow.amount_invoiced - flow.amount_paid
                                       + flow.amount_exchange_difference AS amount_outstanding,
                                   company_currency.rounding AS company_rounding,
                                   -- Company currency per unit of document currency of the
                                   -- deal's confirmed orders in that currency (their mean
                                   -- rate): invoices are compared with the orders at it.
                                   SUM(flow.amount_ordered) OVER orders_in_currency
                                       / NULLIF(SUM(CASE WHEN flow.kind = 'order'
                                                         THEN flow.amount_currency
                                                         ELSE 0 END) OVER orders_in_currency,
                                                0)
                                       AS order_rate
                              FROM (%s) flow
                              JOIN res_company company ON company.id = flow.company_id
                              JOIN res_currency company_currency
                                ON company_currency.id = company.currency_id
                             WHERE %s
                            WINDOW orders_in_currency AS (
                                   PARTITION BY flow.lead_id, flow.company_id, flow.currency_id
                            )
                           ) valued
                   ) entry
            WINDOW deal AS (PARTITION BY entry.lead_id, entry.company_id)
            """,
            SQL(" UNION ALL ".join(f"({branch})" for branch in self._ledger_branches())),
            SQL("flow.lead_id = ANY(%s)", list(lead_ids)) if lead_ids is not None else SQL("TRUE"),
        )

    @api.model
    def _ledger_extra_columns(self):
        """Hook for bridges: columns of quotations and orders added to the ledger, as
        ``{column: (SQL type, expression on the order "so")}``; NULL on other entries. Declare
        a field of the same name on the model."""
        return {}

    @api.model
    def _ledger_branches(self):
        """SQL of each kind of entry, all with the same columns (see _ledger_columns). A row's id
        is its source's id times 8 plus its kind, as bigint (int4 overflows past 268 million)."""
        deal_item = _DEAL_ITEM_CONDITION.format(move="lm", account="la")
        counterpart_is_exchange = _EXCHANGE_MOVE_CONDITION.format(move="cm")
        extra = self._ledger_extra_columns()
        order_extra = "".join(f", {sql} AS {name}" for name, (_t, sql) in extra.items())
        other_extra = "".join(
            f", NULL::{sql_type} AS {name}" for name, (sql_type, _e) in extra.items()
        )
        orders = f"""
            SELECT so.id::bigint * 8 + CASE WHEN so.state = 'sale' THEN 2 ELSE 1 END AS id,
                   CASE WHEN so.state = 'sale' THEN 'order' ELSE 'quote' END AS kind,
                   so.opportunity_id AS lead_id,
                   so.date_order::date AS date,
                   so.company_id AS company_id,
                   so.id AS order_id,
                   NULL::integer AS move_id,
                   NULL::integer AS invoice_id,
                   NULL::integer AS payment_id,
                   so.currency_id AS currency_id,
                   so.date_order::date AS rate_date,
                   so.amount_total AS amount_currency,
                   CASE WHEN so.state = 'sale' THEN 0 ELSE company_total.amount END
                       AS amount_quoted,
                   CASE WHEN so.state = 'sale' THEN company_total.amount ELSE 0 END
                       AS amount_ordered,
                   0::numeric AS amount_invoiced,
                   0::numeric AS amount_paid,
                   0::numeric AS amount_exchange_difference
                   {order_extra}
              FROM sale_order so
              JOIN res_company company ON company.id = so.company_id
              JOIN res_currency cc ON cc.id = company.currency_id
              CROSS JOIN LATERAL (
                   SELECT ROUND(
                       so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1)
                       / cc.rounding
                   ) * cc.rounding AS amount
              ) company_total
             WHERE so.opportunity_id IS NOT NULL
               AND so.state IN ('draft', 'sent', 'sale')
        """
        invoices = f"""
            SELECT l.id::bigint * 8 + 3 AS id,
                   CASE WHEN lm.move_type = 'out_refund' THEN 'credit_note' ELSE 'invoice' END
                       AS kind,
                   lm.opportunity_id AS lead_id,
                   l.date AS date,
                   l.company_id AS company_id,
                   NULL::integer AS order_id,
                   l.move_id AS move_id,
                   l.move_id AS invoice_id,
                   NULL::integer AS payment_id,
                   l.currency_id AS currency_id,
                   COALESCE(lm.invoice_date, lm.date) AS rate_date,
                   l.amount_currency AS amount_currency,
                   0::numeric AS amount_quoted,
                   0::numeric AS amount_ordered,
                   l.balance AS amount_invoiced,
                   0::numeric AS amount_paid,
                   0::numeric AS amount_exchange_difference
                   {other_extra}
              FROM account_move_line l
              JOIN account_move lm ON lm.id = l.move_id
              JOIN account_account la ON la.id = l.account_id
             WHERE {deal_item}
        """
        # Reconciliations of the deal's items, read from each item (index on either side of
        # the partials, so that refreshing one deal reads its own items only): "side" says
        # which side of the partial is the deal's item (sign +1 for a debit item settled by
        # a credit, -1 the reverse; and the id code); the other side is the counterpart. A
        # counterpart on an exchange difference entry makes an exchange entry; any other is a
        # payment, completed by the exchange difference entries made for this partial on the
        # payment's side (the payment's value in company currency at the payment's own rate).
        reconciliations = f"""
            SELECT p.id::bigint * 8 + side.code
                       + CASE WHEN counterpart.is_exchange THEN 2 ELSE 0 END AS id,
                   CASE WHEN counterpart.is_exchange THEN 'exchange' ELSE 'payment' END AS kind,
                   lm.opportunity_id AS lead_id,
                   c.date AS date,
                   l.company_id AS company_id,
                   NULL::integer AS order_id,
                   c.move_id AS move_id,
                   l.move_id AS invoice_id,
                   CASE WHEN counterpart.is_exchange THEN NULL ELSE c.payment_id END
                       AS payment_id,
                   l.currency_id AS currency_id,
                   COALESCE(lm.invoice_date, lm.date) AS rate_date,
                   side.amount_currency AS amount_currency,
                   0::numeric AS amount_quoted,
                   0::numeric AS amount_ordered,
                   0::numeric AS amount_invoiced,
                   CASE WHEN counterpart.is_exchange THEN 0
                        ELSE side.sign * p.amount + COALESCE(payment_exchange.amount, 0)
                   END AS amount_paid,
                   CASE WHEN counterpart.is_exchange THEN -(side.sign * p.amount)
                        ELSE COALESCE(payment_exchange.amount, 0)
                   END AS amount_exchange_difference
                   {other_extra}
              FROM account_move_line l
              JOIN account_move lm ON lm.id = l.move_id
              JOIN account_account la ON la.id = l.account_id
             CROSS JOIN LATERAL (
                   SELECT sp.id, sp.amount, sp.exchange_move_id, sp.credit_move_id,
                          1, 4, sp.debit_amount_currency
                     FROM account_partial_reconcile sp
                    WHERE sp.debit_move_id = l.id
                    UNION ALL
                   SELECT sp.id, sp.amount, sp.exchange_move_id, sp.debit_move_id,
                          -1, 5, -sp.credit_amount_currency
                     FROM account_partial_reconcile sp
                    WHERE sp.credit_move_id = l.id
             ) p(id, amount, exchange_move_id, other_item_id, sign, code, amount_currency)
             CROSS JOIN LATERAL (SELECT p.sign, p.code, p.amount_currency) side
              JOIN account_move_line c ON c.id = p.other_item_id
              JOIN account_move cm ON cm.id = c.move_id
             CROSS JOIN LATERAL (SELECT {counterpart_is_exchange} AS is_exchange) counterpart
              LEFT JOIN LATERAL (
                   SELECT SUM(CASE WHEN px.debit_move_id = x.id THEN px.amount
                                   ELSE -px.amount END) AS amount
                     FROM account_move_line x
                     JOIN account_partial_reconcile px
                       ON (px.debit_move_id = x.id AND px.credit_move_id = c.id)
                       OR (px.credit_move_id = x.id AND px.debit_move_id = c.id)
                    WHERE p.exchange_move_id IS NOT NULL
                      AND x.move_id = p.exchange_move_id
              ) payment_exchange ON NOT counterpart.is_exchange
             WHERE {deal_item}
               AND (counterpart.is_exchange OR NOT (
                   cm.opportunity_id IS NOT DISTINCT FROM lm.opportunity_id
                   AND cm.move_type IN ('out_invoice', 'out_refund')
               ))
        """
        branches = [orders, invoices, reconciliations]
        return branches

    def action_open_document(self):
        """Open the entry's document with the user's own access rights (no sudo): a salesperson
        who cannot read a payment cannot open it from the ledger either."""
        self.ensure_one()
        self.check_access("read")
        # The fields are read as superuser only to know which document it is: opening it
        # goes through the user's own access rights and record rules below.
        entry = self.sudo()
        document = entry.payment_id or entry.move_id or entry.order_id
        if not document:
            raise UserError(_("This ledger entry has no document to open."))
        document = document.with_env(self.env)
        document.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
            "target": "current",
        }
