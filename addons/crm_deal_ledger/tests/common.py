from odoo import Command, fields
from odoo.tests import new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.crm_deal_ledger.report.crm_deal_ledger_line import LEDGER_STORE

RECEIVABLE_TYPES = ("asset_receivable", "liability_payable")


class DealLedgerCommon(AccountTestInvoicingCommon):
    """A company in USD with its chart of accounts (Odoo's own accounting test set-up), EUR at
    dated rates, a 10% sales tax, a service sold on order, and helpers walking a deal from
    quotation to payment through the stock flows (sale.order, sale.advance.payment.inv,
    account.move reversal, account.payment.register)."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        return cls._create_company(
            name="Ledger Test Company",
            currency_id=cls.env.ref("base.USD").id,
            **kwargs,
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("sales_team.group_sale_manager")
        cls.usd = cls.company_data["currency"]
        # Rates are EUR per USD: 1 EUR = 2 USD in January, 2.5 in February, 1.25 in March.
        cls.eur = cls.setup_other_currency(
            "EUR",
            rates=[("2024-01-01", 0.5), ("2024-02-01", 0.4), ("2024-03-01", 0.8)],
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.tax_10 = cls.env["account.tax"].create(
            {
                "name": "Sales tax 10%",
                "amount": 10.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company_data["company"].id,
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Implementation services",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1000.0,
                "taxes_id": [Command.set(cls.tax_10.ids)],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.pricelist_usd = cls.env["product.pricelist"].create(
            {"name": "Ledger USD", "currency_id": cls.usd.id}
        )
        cls.pricelist_eur = cls.env["product.pricelist"].create(
            {"name": "Ledger EUR", "currency_id": cls.eur.id}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Brightwater Logistics", "email": "ap@brightwater.example.com"}
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Enterprise Sales", "company_id": cls.company_data["company"].id}
        )
        cls.salesman = cls._ledger_user(
            "ledger_salesman", "Nadia Salesman", "sales_team.group_sale_salesman"
        )
        cls.other_salesman = cls._ledger_user(
            "ledger_other_salesman", "Omar Salesman", "sales_team.group_sale_salesman"
        )
        cls.accountant = cls._ledger_user(
            "ledger_accountant", "Aylin Accountant", "account.group_account_invoice"
        )
        cls.employee = cls._ledger_user("ledger_employee", "Elias Employee", "base.group_user")

    @classmethod
    def _ledger_user(cls, login, name, groups):
        """A user of `groups` working in the test company only (without `name`, named after
        its login and groups)."""
        company = cls.company_data["company"]
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    # ---------------------------------------------------------------------------------------
    # A deal's path
    # ---------------------------------------------------------------------------------------
    @classmethod
    def _create_deal(cls, name="Warehouse automation", user=None, partner=None):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": (partner or cls.customer).id,
                "user_id": (user or cls.salesman).id,
                "team_id": cls.team.id,
            }
        )

    @classmethod
    def _create_order(cls, deal, price, currency=None, date="2024-01-10", confirm=True):
        """An order of one service line at `price` (+10% tax) for `deal`, dated `date`."""
        if "deal_currency_id" in deal._fields:
            # With crm_global a deal carries its own currency, which the bridge
            # crm_global_b2b_cpq makes the currency of its quotations and of its ledger. These
            # deals have none: the ledger's own rule (the currency of the orders) is tested here.
            deal.deal_currency_id = False
        pricelist = cls.pricelist_eur if currency == cls.eur else cls.pricelist_usd
        order = cls.env["sale.order"].create(
            {
                "partner_id": deal.partner_id.id,
                "opportunity_id": deal.id,
                "pricelist_id": pricelist.id,
                "user_id": deal.user_id.id,
                "team_id": deal.team_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.service.id,
                            "product_uom_qty": 1.0,
                            "price_unit": price,
                            "tax_id": [Command.set(cls.tax_10.ids)],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        # Confirmation stamps today's date: put the order back at its own date.
        order.date_order = fields.Datetime.to_datetime(date)
        return order

    @classmethod
    def _post_invoices(cls, orders, date, final=True):
        invoices = orders._create_invoices(final=final)
        invoices.write({"invoice_date": date, "date": date})
        invoices.action_post()
        return invoices

    @classmethod
    def _down_payment(cls, order, percentage, date):
        wizard = (
            cls.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": percentage})
        )
        invoice = wizard._create_invoices(order)
        invoice.write({"invoice_date": date, "date": date})
        invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, moves, amount, date, currency=None):
        """Register a payment of `amount` on `moves` (outbound for credit notes)."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(
                {
                    "payment_date": date,
                    "amount": amount,
                    "currency_id": (currency or moves.currency_id).id,
                    "journal_id": cls.bank_journal.id,
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def _credit_note(cls, invoice, price, date, apply=True):
        """A credit note of one service line at `price` (+10% tax) reversing part of `invoice`,
        made with the stock reversal: posting applies it to the invoice (stock behaviour);
        without `apply` it is left as an open credit for the customer."""
        credit_note = invoice._reverse_moves([{"invoice_date": date, "date": date}])
        if not apply:
            credit_note.reversed_entry_id = False
        product_lines = credit_note.invoice_line_ids.filtered(
            lambda line: line.product_id == cls.service and line.price_unit > 0
        )
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.unlink(line.id)
                    for line in credit_note.invoice_line_ids - product_lines[0]
                ]
                + [Command.update(product_lines[0].id, {"price_unit": price, "quantity": 1})]
            }
        )
        credit_note.action_post()
        return credit_note

    @classmethod
    def _receivable_items(cls, moves):
        return moves.line_ids.filtered(lambda line: line.account_type in RECEIVABLE_TYPES)

    # ---------------------------------------------------------------------------------------
    # What accounting says: the posted journal items of the deal
    # ---------------------------------------------------------------------------------------
    def _deal_items(self, deal):
        return self.env["account.move.line"].search(
            [
                ("move_id.opportunity_id", "=", deal.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ("account_id.account_type", "in", RECEIVABLE_TYPES),
            ]
        )

    def assertStoreFresh(self):
        """The report's stored entries are, row for row and to the last digit, what the
        documents say now (the ledger query run live), for every deal. Only a flush runs in
        between, as before any read of the report: a path that changes a document or a deal
        without marking the deal for refresh leaves a stale row, and fails here."""
        self.env.flush_all()
        Ledger = self.env["crm.deal.ledger.line"]
        columns = SQL(", ").join(SQL.identifier(name) for name in Ledger._ledger_store_columns())
        self.env.cr.execute(
            SQL("SELECT %s FROM %s ORDER BY id", columns, SQL.identifier(LEDGER_STORE))
        )
        stored = self.env.cr.fetchall()
        self.env.cr.execute(
            SQL("SELECT %s FROM (%s) live ORDER BY id", columns, Ledger._ledger_store_query())
        )
        live = self.env.cr.fetchall()
        self.assertEqual(stored, live, "the stored ledger entries are those of the documents")

    def assertLedger(self, deal, **expected):
        """Compare the deal's ledger figures with `expected` (field name without `ledger_`),
        and check that the report's stored entries follow the documents."""
        self.assertStoreFresh()
        deal.invalidate_recordset()
        currency = deal.company_currency
        for figure, amount in expected.items():
            value = deal[f"ledger_{figure}"]
            self.assertAlmostEqual(
                value, amount, places=2, msg=f"{figure} is {value}, expected {amount}"
            )
        return currency

    def assertReconcilesWithAccounting(self, deal):
        """Invoiced and paid are the sums of the deal's posted journal items and of their
        reconciliations, to the cent, computed here from account.move.line and
        account.partial.reconcile without the ledger's SQL."""
        self.assertStoreFresh()
        deal.invalidate_recordset()
        items = self._deal_items(deal)
        currency = deal.company_currency
        exchange_moves = (
            self.env["account.partial.reconcile"].search([("exchange_move_id", "!=", False)])
        ).exchange_move_id | (
            self.env["account.full.reconcile"].search([("exchange_move_id", "!=", False)])
        ).exchange_move_id
        paid = exchange = 0.0
        for item in items:
            sign = 1 if item.balance > 0 else -1
            for partial in item.matched_debit_ids | item.matched_credit_ids:
                other = (
                    partial.debit_move_id
                    if partial.credit_move_id == item
                    else partial.credit_move_id
                )
                if other in items:
                    continue  # a credit note applied to the deal's invoice: not a payment
                if other.move_id in exchange_moves:
                    exchange += other.balance
                    continue
                paid += sign * partial.amount
                # Exchange entry completing the payment's value at the payment's rate.
                for line in partial.exchange_move_id.line_ids:
                    if line in (
                        other.matched_debit_ids.debit_move_id
                        | other.matched_credit_ids.credit_move_id
                    ):
                        paid += line.balance
                        exchange += line.balance
        self.assertEqual(
            currency.compare_amounts(deal.ledger_invoiced_company, sum(items.mapped("balance"))),
            0,
            "invoiced is the sum of the deal's posted receivable items",
        )
        self.assertEqual(currency.compare_amounts(deal.ledger_paid_company, paid), 0, "paid")
        self.assertEqual(
            currency.compare_amounts(deal.ledger_exchange_difference, exchange), 0, "exchange"
        )
        self.assertEqual(
            currency.compare_amounts(
                deal.ledger_outstanding_company, sum(items.mapped("amount_residual"))
            ),
            0,
            "outstanding is the open residual of the deal's receivable items",
        )
