"""Deal ledger benchmarks: the ledger of one deal with many documents, and the accountants'
report over thousands of won deals, against stock Odoo doing the same reading work."""

from odoo import Command, fields
from odoo.tools import SQL

from tests.benchmarks.harness import benchmark

LEDGER_FIELDS = [
    "ledger_quoted",
    "ledger_ordered",
    "ledger_invoiced",
    "ledger_paid",
    "ledger_outstanding",
    "ledger_quoted_company",
    "ledger_ordered_company",
    "ledger_invoiced_company",
    "ledger_paid_company",
    "ledger_exchange_difference",
    "ledger_outstanding_company",
]


def _company_setup(env):
    """A 10% tax, a service invoiced on order, a customer, a won stage and a bank journal."""
    company = env.company
    tax = env["account.tax"].create(
        {"name": "Bench tax 10%", "amount": 10.0, "type_tax_use": "sale", "company_id": company.id}
    )
    product = env["product.product"].create(
        {
            "name": "Bench implementation services",
            "type": "service",
            "invoice_policy": "order",
            "list_price": 1000.0,
            "taxes_id": [Command.set(tax.ids)],
        }
    )
    customer = env["res.partner"].create({"name": "Bench Logistics Ltd"})
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1) or env[
        "crm.stage"
    ].create({"name": "Bench Won", "is_won": True})
    bank = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    return tax, product, customer, won_stage, bank


def _order(env, lead, product, tax, price):
    order = env["sale.order"].create(
        {
            "partner_id": lead.partner_id.id,
            "opportunity_id": lead.id,
            "user_id": lead.user_id.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "price_unit": price,
                        "tax_id": [Command.set(tax.ids)],
                    }
                )
            ],
        }
    )
    order.action_confirm()
    return order


def _invoice_and_pay(env, order, bank, amount, date):
    invoice = order._create_invoices()
    invoice.invoice_date = date
    invoice.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({"payment_date": date, "amount": amount, "journal_id": bank.id})._create_payments()
    return invoice


@benchmark(
    "ledger: one deal's figures",
    sizes=(10, 50),
    baseline="stock: sale_crm totals + invoices' residuals and payments",
)
class DealLedgerFigures:
    """One deal with `size` documents: per group of five, an order, its invoice, a partial
    payment, a credit note applied by reversal, and an open quotation."""

    def setup(self, env, size):
        tax, product, customer, _won, bank = _company_setup(env)
        user = env["res.users"].create(
            {
                "name": "Bench Salesperson",
                "login": "bench_ledger_salesperson",
                "groups_id": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        lead = env["crm.lead"].create(
            {
                "name": "Bench deal",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": user.id,
            }
        )
        for index in range(size // 5):
            order = _order(env, lead, product, tax, 1000.0 + index)
            invoice = _invoice_and_pay(env, order, bank, 500.0, fields.Date.today())
            credit_note = invoice._reverse_moves([{"invoice_date": fields.Date.today()}])
            credit_note.invoice_line_ids.price_unit = 10.0
            credit_note.action_post()
            quote = order.copy()
            quote.opportunity_id = lead
        return {"lead": lead, "user": user}

    def run(self, env, data):
        data["lead"].with_user(data["user"]).read(LEDGER_FIELDS)

    def baseline(self, env, data):
        lead = data["lead"]
        lead.read(["sale_amount_total", "quotation_count", "sale_order_count"])
        invoices = lead.order_ids.invoice_ids
        invoices.read(["amount_total_signed", "amount_residual_signed", "payment_state"])
        for invoice in invoices:
            invoice._get_reconciled_payments()

    def check(self, results):
        small, large = results
        problems = []
        if large.ours.queries != small.ours.queries:
            problems.append(
                f"ledger queries grow with documents: {small.ours.queries} -> {large.ours.queries}"
            )
        if large.ours.queries > 15:
            problems.append(f"ledger of one deal takes {large.ours.queries} queries (budget 15)")
        if large.ours.seconds > 0.5:
            problems.append(f"ledger of one deal takes {large.ours.seconds:.2f} s (budget 0.5 s)")
        return problems


class _ClonedDeals:
    """`size` won deals, each with a confirmed order, a posted invoice and a partial payment,
    cloned in SQL from one deal made through the ORM (the ORM would take an hour for 10,000).
    Deals spread over 12 months and 8 salespeople."""

    def setup(self, env, size):
        tax, product, customer, won_stage, bank = _company_setup(env)
        users = env["res.users"].create(
            [
                {
                    "name": f"Bench Salesperson {index}",
                    "login": f"bench_ledger_report_{index}",
                    "groups_id": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
                }
                for index in range(8)
            ]
        )
        accountant = env["res.users"].create(
            {
                "name": "Bench Accountant",
                "login": "bench_ledger_accountant",
                "groups_id": [Command.link(env.ref("account.group_account_invoice").id)],
            }
        )
        lead = env["crm.lead"].create(
            {
                "name": "Bench won deal",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": users[0].id,
                "stage_id": won_stage.id,
            }
        )
        order = _order(env, lead, product, tax, 1000.0)
        invoice = _invoice_and_pay(env, order, bank, 600.0, "2024-01-15")
        payment_move = invoice._get_reconciled_payments().move_id
        env.flush_all()
        lead_ids = _clone_deal(env.cr, lead, order, invoice, payment_move, users, size - 1)
        # The copies are made in SQL, behind the ORM: store their ledger entries as the ORM
        # does for a deal whose documents change (crm.lead.ledger_entry_count), not timed.
        env["crm.deal.ledger.line"]._ledger_store_refresh(lead_ids)
        # A live database has planner statistics (autovacuum): give the copies theirs.
        for table in _CLONED_TABLES:
            env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        env.invalidate_all()
        return {"accountant": accountant, "invoices": invoice}

    def run(self, env, data):
        report = env["crm.deal.ledger.line"].with_user(data["accountant"])
        report.read_group(
            [("is_won", "=", True)],
            ["amount_invoiced:sum", "amount_paid:sum", "amount_outstanding:sum"],
            ["date:month", "user_id"],
            lazy=False,
        )
        report.read_group(
            [("is_won", "=", True), ("deal_outstanding", ">", 0)],
            ["amount_to_invoice:sum", "amount_outstanding:sum"],
            ["team_id"],
        )

    def baseline(self, env, data):
        # Stock's nearest report: invoice analysis per month and salesperson (no payments).
        env["account.invoice.report"].with_user(data["accountant"]).read_group(
            [("move_type", "in", ("out_invoice", "out_refund"))],
            ["price_total:sum", "price_subtotal:sum"],
            ["invoice_date:month", "invoice_user_id"],
            lazy=False,
        )

    def check(self, results):
        small, large = results
        problems = []
        if large.ours.queries != small.ours.queries:
            problems.append(
                f"report queries grow with deals: {small.ours.queries} -> {large.ours.queries}"
            )
        if large.ours.seconds > 3.0:
            problems.append(f"report over {large.size} deals takes {large.ours.seconds:.2f} s")
        return problems


benchmark(
    "ledger: accountants' report over won deals",
    sizes=(1000, 10000),
    baseline="stock: account.invoice.report per month and salesperson",
    repeat=2,
)(_ClonedDeals)


_CLONED_TABLES = (
    "crm_lead",
    "sale_order",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "crm_deal_ledger_entry",
)


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND column_name != 'id'",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def _reserve_ids(cr, table, count):
    """Reserve `count` consecutive ids of `table`; returns the id before the first."""
    sequence = f"{table}_id_seq"
    cr.execute(SQL("SELECT setval(%s, nextval(%s) + %s)", sequence, sequence, count))
    return cr.fetchone()[0] - count


def _clone(cr, table, template_where, count, overrides, id_base=None):
    """Copy the rows of `table` matching `template_where` `count` times; `overrides` maps a
    column to an SQL expression over the template row `t` and the copy number `g` (1..count)."""
    columns = _columns(cr, table)
    select = [
        SQL("(%s)", overrides[column]) if column in overrides else SQL.identifier("t", column)
        for column in columns
    ]
    insert_columns = [SQL.identifier(column) for column in columns]
    if id_base is not None:
        insert_columns.append(SQL.identifier("id"))
        select.append(SQL("%s + g", id_base))
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) g WHERE %s",
            SQL.identifier(table),
            SQL(", ").join(insert_columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            count,
            template_where,
        )
    )


def _clone_deal(cr, lead, order, invoice, payment_move, users, count):
    """`count` copies of the deal with its order, invoice, payment entry and reconciliation;
    returns the ids of the copied deals."""
    if count <= 0:
        return []
    lead_base = _reserve_ids(cr, "crm_lead", count)
    order_base = _reserve_ids(cr, "sale_order", count)
    invoice_base = _reserve_ids(cr, "account_move", count)
    payment_base = _reserve_ids(cr, "account_move", count)
    user_ids = SQL("(%s::int[])[1 + mod(g, %s)]", users.ids, len(users))
    month = SQL("(t.date + make_interval(months => mod(g, 12)))::date")
    _clone(
        cr,
        "crm_lead",
        SQL("t.id = %s", lead.id),
        count,
        {"name": SQL("t.name || ' ' || g"), "user_id": user_ids},
        lead_base,
    )
    _clone(
        cr,
        "sale_order",
        SQL("t.id = %s", order.id),
        count,
        {
            "name": SQL("t.name || '-' || g"),
            "opportunity_id": SQL("%s + g", lead_base),
            "amount_total": SQL("t.amount_total + mod(g, 100)"),
        },
        order_base,
    )
    for template, base in ((invoice, invoice_base), (payment_move, payment_base)):
        _clone(
            cr,
            "account_move",
            SQL("t.id = %s", template.id),
            count,
            {
                "name": SQL("t.name || '-' || g"),
                "opportunity_id": SQL(
                    "CASE WHEN t.opportunity_id IS NULL THEN NULL ELSE %s + g END", lead_base
                ),
                "date": month,
                "invoice_date": SQL(
                    "CASE WHEN t.invoice_date IS NULL THEN NULL ELSE %s END", month
                ),
            },
            base,
        )
        _clone(
            cr,
            "account_move_line",
            SQL("t.move_id = %s", template.id),
            count,
            {
                "move_id": SQL("%s + g", base),
                "date": month,
                "full_reconcile_id": SQL("NULL"),
                "matching_number": SQL("NULL"),
            },
        )
    receivable = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
    partial = receivable.matched_credit_ids
    cr.execute(
        SQL(
            """
            INSERT INTO account_partial_reconcile (
                debit_move_id, credit_move_id, amount, debit_amount_currency,
                credit_amount_currency, debit_currency_id, credit_currency_id, company_id,
                max_date, create_uid, create_date, write_uid, write_date)
            SELECT debit.id, credit.id, p.amount, p.debit_amount_currency,
                   p.credit_amount_currency, p.debit_currency_id, p.credit_currency_id,
                   p.company_id, p.max_date, p.create_uid, p.create_date, p.write_uid,
                   p.write_date
              FROM account_partial_reconcile p, generate_series(1, %(count)s) g
              JOIN account_move_line debit
                ON debit.move_id = %(invoice_base)s + g AND debit.account_id = %(account)s
              JOIN account_move_line credit
                ON credit.move_id = %(payment_base)s + g AND credit.account_id = %(account)s
             WHERE p.id = %(partial)s
            """,
            count=count,
            invoice_base=invoice_base,
            payment_base=payment_base,
            account=receivable.account_id.id,
            partial=partial.id,
        )
    )
    return list(range(lead_base + 1, lead_base + count + 1))
