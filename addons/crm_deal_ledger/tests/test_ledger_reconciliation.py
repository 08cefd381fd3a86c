from odoo import Command
from odoo.tests import tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerReconciliation(DealLedgerCommon):
    """The ledger of a deal equals what its posted journal items say, to the cent."""

    def test_empty_deal(self):
        deal = self._create_deal()
        self.assertLedger(
            deal,
            quoted=0,
            ordered=0,
            invoiced=0,
            paid=0,
            outstanding=0,
            exchange_difference=0,
        )
        self.assertEqual(deal.ledger_currency_id, self.usd)
        self.assertReconcilesWithAccounting(deal)

    def test_quoted_counts_current_versions_only(self):
        deal = self._create_deal()
        self._create_order(deal, 1000.0, confirm=False)  # draft: 1100 with tax
        sent = self._create_order(deal, 2000.0, confirm=False)
        sent.action_quotation_sent()
        superseded = self._create_order(deal, 5000.0, confirm=False)
        superseded.action_cancel()  # CPQ moves an old version to cancel
        self.assertLedger(deal, quoted=3300.0, quoted_company=3300.0, ordered=0.0)
        sent.action_confirm()
        self.assertLedger(deal, quoted=1100.0, ordered=2200.0, to_invoice=2200.0)

    def test_several_orders_down_payment_credit_note_and_partial_payments(self):
        deal = self._create_deal()
        order_1 = self._create_order(deal, 1000.0)  # 1100 tax included
        order_2 = self._create_order(deal, 500.0)  # 550
        self._create_order(deal, 200.0, confirm=False)  # a quote still open: 220
        self.assertLedger(deal, quoted=220.0, ordered=1650.0, to_invoice=1650.0, invoiced=0.0)

        down_payment = self._down_payment(order_1, 30, "2024-01-12")
        self.assertEqual(down_payment.amount_total, 330.0)
        self._pay(down_payment, 330.0, "2024-01-13")
        self.assertLedger(deal, invoiced=330.0, paid=330.0, outstanding=0.0, to_invoice=1320.0)

        final = self._post_invoices(order_1 + order_2, "2024-01-20")
        self.assertEqual(len(final), 1)
        self.assertEqual(final.amount_total, 1320.0, "1100 - 330 down payment + 550")
        self.assertLedger(deal, invoiced=1650.0, paid=330.0, outstanding=1320.0, to_invoice=0)

        # A credit note of 110 applied to the invoice: less invoiced, not a payment.
        credit_note = self._credit_note(final, 100.0, "2024-01-25")
        self.assertEqual(credit_note.opportunity_id, deal)
        self.assertEqual(final.amount_residual, 1210.0)
        self.assertLedger(deal, invoiced=1540.0, paid=330.0, outstanding=1210.0, to_invoice=110)

        self._pay(final, 1000.0, "2024-01-28")
        self._pay(final, 10.0, "2024-01-29")
        self.assertEqual(final.payment_state, "partial")
        self.assertLedger(
            deal,
            quoted=220.0,
            ordered=1650.0,
            to_invoice=110.0,
            invoiced=1540.0,
            paid=1340.0,
            outstanding=200.0,
            exchange_difference=0.0,
            invoiced_company=1540.0,
            paid_company=1340.0,
            outstanding_company=200.0,
        )
        self.assertReconcilesWithAccounting(deal)

    def test_refund_paid_back(self):
        deal = self._create_deal()
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        self._pay(invoice, 1100.0, "2024-01-16")
        credit_note = self._credit_note(invoice, 100.0, "2024-01-20", apply=False)
        # An open credit: the company owes the customer 110.
        self.assertLedger(deal, invoiced=990.0, paid=1100.0, outstanding=-110.0)
        self.assertReconcilesWithAccounting(deal)
        refund = self._pay(credit_note, 110.0, "2024-01-22")
        self.assertEqual(refund.payment_type, "outbound")
        self.assertLedger(deal, invoiced=990.0, paid=990.0, outstanding=0.0)
        self.assertReconcilesWithAccounting(deal)

    def test_any_reconciliation_is_a_payment(self):
        """Not only payments: a journal entry settling the receivable (netting, bank
        statement booked by hand) pays the deal too."""
        deal = self._create_deal()
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        netting = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2024-01-31",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.receivable.id,
                            "partner_id": self.customer.id,
                            "credit": 600.0,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.bank_journal.default_account_id.id,
                            "partner_id": self.customer.id,
                            "debit": 600.0,
                        }
                    ),
                ],
            }
        )
        netting.action_post()
        (self._receivable_items(invoice) + self._receivable_items(netting)).reconcile()
        self.assertLedger(deal, invoiced=1100.0, paid=600.0, outstanding=500.0)
        self.assertReconcilesWithAccounting(deal)

    def test_credit_note_of_another_deal_pays_this_one(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        invoice_a = self._post_invoices(self._create_order(deal_a, 1000.0), "2024-01-15")
        invoice_b = self._post_invoices(self._create_order(deal_b, 500.0), "2024-01-15")
        credit_b = self._credit_note(invoice_b, 200.0, "2024-01-20", apply=False)
        # The customer's credit on deal B is used to settle deal A's invoice.
        (self._receivable_items(invoice_a) + self._receivable_items(credit_b)).reconcile()
        self.assertLedger(deal_a, invoiced=1100.0, paid=220.0, outstanding=880.0)
        self.assertLedger(deal_b, invoiced=330.0, paid=-220.0, outstanding=550.0)
        self.assertReconcilesWithAccounting(deal_a)
        self.assertReconcilesWithAccounting(deal_b)

    def test_one_payment_for_two_deals_is_split_by_reconciliation(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        order_a = self._create_order(deal_a, 1000.0, currency=self.eur)
        order_b = self._create_order(deal_b, 500.0, currency=self.eur)
        invoices = self._post_invoices(order_a + order_b, "2024-01-15")
        self.assertEqual(len(invoices), 2)
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "payment_date": "2024-02-15",
                    "journal_id": self.bank_journal.id,
                    "group_payment": True,
                }
            )
        )
        payment = wizard._create_payments()
        self.assertEqual(len(payment), 1, "one bank transfer for both deals")
        self.assertEqual(payment.amount_company_currency_signed, 4125.0)  # 1650 EUR x 2.5
        self.assertLedger(
            deal_a, paid=1100.0, paid_company=2750.0, exchange_difference=550.0, outstanding=0
        )
        self.assertLedger(
            deal_b, paid=550.0, paid_company=1375.0, exchange_difference=275.0, outstanding=0
        )
        self.assertReconcilesWithAccounting(deal_a)
        self.assertReconcilesWithAccounting(deal_b)

    def test_draft_and_cancelled_invoices_do_not_count(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0)
        invoice = order._create_invoices()
        self.assertLedger(deal, invoiced=0.0)
        invoice.invoice_date = "2024-01-15"
        invoice.action_post()
        self.assertLedger(deal, invoiced=1100.0)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertLedger(deal, invoiced=0.0, outstanding=0.0, to_invoice=1100.0)

    # ---------------------------------------------------------------------------------------
    # Currencies: company USD, deals in EUR (1 EUR = 2 USD in January, 2.5 in February,
    # 1.25 in March)
    # ---------------------------------------------------------------------------------------
    def test_foreign_deal_paid_later_at_a_better_rate(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0, currency=self.eur, date="2024-01-10")
        self.assertEqual(deal.ledger_currency_id, self.eur)
        self.assertLedger(deal, ordered=1100.0, ordered_company=2200.0)
        invoice = self._post_invoices(order, "2024-01-15")
        payment = self._pay(invoice, 1100.0, "2024-02-15")
        self.assertEqual(payment.amount_company_currency_signed, 2750.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertLedger(
            deal,
            ordered=1100.0,
            invoiced=1100.0,
            paid=1100.0,
            outstanding=0.0,
            ordered_company=2200.0,
            invoiced_company=2200.0,
            paid_company=2750.0,
            exchange_difference=550.0,
            outstanding_company=0.0,
        )
        gain = (
            self.env["account.partial.reconcile"]
            .search([("debit_move_id.move_id", "=", invoice.id)])
            .exchange_move_id
        )
        self.assertEqual(gain.line_ids.filtered(lambda line: line.credit).credit, 550.0)
        self.assertReconcilesWithAccounting(deal)

    def test_foreign_deal_partial_payment(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0, currency=self.eur, date="2024-01-10")
        invoice = self._post_invoices(order, "2024-01-15")
        self._pay(invoice, 550.0, "2024-02-15")  # half, worth 1375 USD in February
        self.assertLedger(
            deal,
            invoiced=1100.0,
            paid=550.0,
            outstanding=550.0,
            invoiced_company=2200.0,
            paid_company=1375.0,
            exchange_difference=275.0,
            outstanding_company=1100.0,
        )
        self.assertEqual(invoice.amount_residual, 550.0)
        self.assertReconcilesWithAccounting(deal)

    def test_foreign_invoice_paid_in_company_currency_at_a_loss(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0, currency=self.eur, date="2024-02-05")
        invoice = self._post_invoices(order, "2024-02-10")  # 1100 EUR = 2750 USD
        # Paid in March in USD, when 1100 EUR are worth 1375 USD.
        payment = self._pay(invoice, 1375.0, "2024-03-10", currency=self.usd)
        self.assertEqual(payment.currency_id, self.usd)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertLedger(
            deal,
            invoiced=1100.0,
            paid=1100.0,
            outstanding=0.0,
            invoiced_company=2750.0,
            paid_company=1375.0,
            exchange_difference=-1375.0,
            outstanding_company=0.0,
        )
        self.assertReconcilesWithAccounting(deal)

    def test_foreign_credit_note_refunded_later(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0, currency=self.eur, date="2024-01-10")
        invoice = self._post_invoices(order, "2024-01-15")  # 1100 EUR = 2200 USD
        self._pay(invoice, 1100.0, "2024-01-16")  # same rate: 2200 USD
        credit_note = self._credit_note(invoice, 100.0, "2024-01-20", apply=False)  # 220 USD
        self._pay(credit_note, 110.0, "2024-03-05")  # 110 EUR refunded = 137.50 USD
        self.assertLedger(
            deal,
            invoiced=990.0,
            paid=990.0,
            outstanding=0.0,
            invoiced_company=1980.0,
            paid_company=2062.5,
            exchange_difference=82.5,
            outstanding_company=0.0,
        )
        self.assertReconcilesWithAccounting(deal)

    def test_document_outside_the_deal_currency_is_converted_at_its_date(self):
        deal = self._create_deal()
        self._create_order(deal, 1000.0, currency=self.eur, date="2024-01-10")
        # A USD invoice the accountant attached to the EUR deal by hand.
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            invoice_date="2024-02-10",
            amounts=[500.0],
            taxes=self.tax_10,
            currency=self.usd,
        )
        invoice.opportunity_id = deal
        invoice.action_post()
        self._pay(invoice, 550.0, "2024-03-10")
        self.assertEqual(deal.ledger_currency_id, self.eur)
        # 550 USD in February = 220 EUR, for invoiced and paid alike: nothing outstanding.
        self.assertLedger(
            deal,
            invoiced=220.0,
            paid=220.0,
            outstanding=0.0,
            invoiced_company=550.0,
            paid_company=550.0,
        )
        self.assertReconcilesWithAccounting(deal)

    def test_deal_currency_hook(self):
        eur_deal = self._create_deal("Cold store retrofit")
        mixed_deal = self._create_deal("Fleet telematics")
        empty_deal = self._create_deal("Yard cameras")
        self._create_order(eur_deal, 100.0, currency=self.eur)
        cancelled = self._create_order(eur_deal, 100.0, confirm=False)
        cancelled.action_cancel()
        self._create_order(mixed_deal, 100.0, currency=self.eur)
        self._create_order(mixed_deal, 100.0)
        deals = eur_deal + mixed_deal + empty_deal
        self.assertEqual(
            deals._get_deal_currency(),
            {eur_deal.id: self.eur, mixed_deal.id: self.usd, empty_deal.id: self.usd},
        )
        self.assertEqual(deals.mapped("ledger_currency_id"), self.eur + self.usd)
        self.assertEqual(
            (mixed_deal.ledger_ordered, mixed_deal.ledger_ordered_company),
            (330.0, 330.0),
            "mixed currencies: the deal is followed in company currency",
        )

    def test_ledger_of_many_deals_is_read_in_constant_queries(self):
        deals = self.env["crm.lead"]
        for index in range(6):
            deal = self._create_deal(f"Deal {index}")
            invoice = self._post_invoices(self._create_order(deal, 100.0), "2024-01-15")
            self._pay(invoice, 50.0, "2024-01-20")
            deals |= deal
        deals.mapped("ledger_paid")  # warm the caches (rules, currencies) once
        # Same query budget for 2 and 6 deals: no query per deal or per document.
        for size in (2, 6):
            self.env.invalidate_all()
            with self.assertQueryCount(6):
                paid = self.env["crm.lead"].browse(deals[:size].ids).mapped("ledger_paid")
            self.assertEqual(paid, [50.0] * size)
