"""The report reads stored entries (crm_deal_ledger_entry), refreshed deal by deal when a
document or the deal changes (crm.lead.ledger_entry_count depends on every field the ledger
reads). Each path that changes what the ledger reads is walked here, and after each step the
store must equal the live ledger query (assertStoreFresh), row for row."""

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_deal_ledger.report.crm_deal_ledger_line import LEDGER_STORE

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerStore(DealLedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won_stage = cls.env["crm.stage"].create({"name": "Signed", "is_won": True})

    def _stored(self, deal, column="amount_invoiced"):
        """Sum of a stored column over the deal's entries, read from the store itself."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(%s), 0) FROM %s WHERE lead_id = %s",
                SQL.identifier(column),
                SQL.identifier(LEDGER_STORE),
                deal.id,
            )
        )
        return float(self.env.cr.fetchone()[0])

    def _report_invoiced(self, deal, user=None):
        groups = (
            self.env["crm.deal.ledger.line"]
            .with_user(user or self.accountant)
            .read_group([("lead_id", "=", deal.id)], ["amount_invoiced:sum"], [])
        )
        return groups[0]["amount_invoiced"] or 0.0

    def test_order_lifecycle(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0, confirm=False)
        self.assertLedger(deal, quoted=1100.0, ordered=0.0)
        self.assertEqual(self._stored(deal, "amount_quoted"), 1100.0)
        # a line added through the order's one2many
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.service.id,
                            "price_unit": 100.0,
                            "tax_id": [Command.set(self.tax_10.ids)],
                        }
                    )
                ]
            }
        )
        self.assertLedger(deal, quoted=1210.0)
        order.action_confirm()
        self.assertLedger(deal, quoted=0.0, ordered=1210.0, to_invoice=1210.0)
        self.assertEqual(self._stored(deal, "deal_to_invoice"), 1210.0)  # its one entry
        order._action_cancel()
        self.assertLedger(deal, ordered=0.0, to_invoice=0.0, quoted=0.0)
        self.assertEqual(self._stored(deal, "amount_ordered"), 0.0)
        self.assertEqual(deal.ledger_entry_count, 0)
        quote = self._create_order(deal, 500.0, confirm=False)
        self.assertLedger(deal, quoted=550.0)
        self.assertEqual(deal.ledger_entry_count, 1)
        quote.unlink()
        self.assertLedger(deal, quoted=0.0)
        self.assertEqual(deal.ledger_entry_count, 0)

    def test_order_and_invoice_move_to_another_deal(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        order = self._create_order(deal_a, 1000.0)
        invoice = self._post_invoices(order, "2024-01-15")
        self._pay(invoice, 500.0, "2024-02-10")
        self.assertLedger(deal_a, invoiced=1100.0, paid=500.0)
        self.assertEqual(self._report_invoiced(deal_a), 1100.0)
        # the accountant gives the invoice to deal B (its Other Info tab)
        invoice.with_user(self.accountant).opportunity_id = deal_b
        self.assertLedger(deal_a, invoiced=0.0, paid=0.0, ordered=1100.0)
        self.assertLedger(deal_b, invoiced=1100.0, paid=500.0, outstanding=600.0)
        self.assertEqual(self._report_invoiced(deal_a), 0.0)
        self.assertEqual(self._report_invoiced(deal_b), 1100.0)
        # the order follows
        order.opportunity_id = deal_b
        self.assertLedger(deal_a, ordered=0.0)
        self.assertLedger(deal_b, ordered=1100.0, to_invoice=0.0)

    def test_invoice_posted_reset_cancelled_reposted(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0)
        invoice = order._create_invoices()
        self.assertLedger(deal, invoiced=0.0)
        invoice.write({"invoice_date": "2024-01-15", "date": "2024-01-15"})
        invoice.action_post()
        self.assertLedger(deal, invoiced=1100.0, to_invoice=0.0)
        self.assertEqual(self._report_invoiced(deal), 1100.0)
        invoice.button_draft()
        self.assertLedger(deal, invoiced=0.0, to_invoice=1100.0)
        self.assertEqual(self._report_invoiced(deal), 0.0)
        # a draft's lines changed through the invoice's one2many, then posted again
        line = invoice.invoice_line_ids[0]
        invoice.write({"invoice_line_ids": [Command.update(line.id, {"price_unit": 900.0})]})
        invoice.action_post()
        self.assertLedger(deal, invoiced=990.0, to_invoice=110.0)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertLedger(deal, invoiced=0.0)
        invoice.button_draft()
        invoice.action_post()
        self.assertLedger(deal, invoiced=990.0)

    def test_payment_reconciled_unreconciled_cancelled(self):
        deal = self._create_deal()
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        payment = self._pay(invoice, 600.0, "2024-02-10")
        self.assertLedger(deal, paid=600.0, outstanding=500.0)
        self.assertEqual(self._stored(deal, "amount_paid"), 600.0)
        self.assertEqual(self._stored(deal, "deal_outstanding"), 500.0 * 3)  # order, invoice, pay
        # unreconciled from the invoice (the widget's "unreconcile")
        partial = self._receivable_items(invoice).matched_credit_ids
        invoice.js_remove_outstanding_partial(partial.id)
        self.assertLedger(deal, paid=0.0, outstanding=1100.0)
        # reconciled again by hand
        payment_items = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.receivable
        )
        (self._receivable_items(invoice) + payment_items).reconcile()
        self.assertLedger(deal, paid=600.0, outstanding=500.0)
        # the payment reset to draft, then cancelled
        payment.action_draft()
        self.assertLedger(deal, paid=0.0, outstanding=1100.0)
        payment.action_cancel()
        self.assertLedger(deal, paid=0.0)
        # paid in full by a new payment
        self._pay(invoice, 1100.0, "2024-03-10")
        self.assertLedger(deal, paid=1100.0, outstanding=0.0)
        self.assertReconcilesWithAccounting(deal)

    def test_credit_notes_applied_or_of_another_deal(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        invoice_a = self._post_invoices(self._create_order(deal_a, 1000.0), "2024-01-15")
        invoice_b = self._post_invoices(self._create_order(deal_b, 500.0), "2024-01-15")
        self._credit_note(invoice_a, 100.0, "2024-01-18")  # applied to its invoice
        self.assertLedger(deal_a, invoiced=990.0, paid=0.0, outstanding=990.0)
        credit_b = self._credit_note(invoice_b, 200.0, "2024-01-20", apply=False)
        self.assertLedger(deal_b, invoiced=330.0, paid=0.0)
        (self._receivable_items(invoice_a) + self._receivable_items(credit_b)).reconcile()
        self.assertLedger(deal_a, paid=220.0)
        self.assertLedger(deal_b, paid=-220.0)
        # the credit note moved to deal A: it is no payment of A any more
        credit_b.opportunity_id = deal_a
        self.assertLedger(deal_a, invoiced=770.0, paid=0.0, outstanding=770.0)
        self.assertLedger(deal_b, invoiced=550.0, paid=0.0)

    def test_foreign_currency_exchange_difference(self):
        deal = self._create_deal()
        invoice = self._post_invoices(
            self._create_order(deal, 1000.0, currency=self.eur), "2024-01-15"
        )
        payment = self._pay(invoice, 1100.0, "2024-02-15")  # 1100 EUR at 2.5 instead of 2
        self.assertLedger(deal, paid=1100.0, exchange_difference=550.0, outstanding=0.0)
        self.assertGreater(self._stored(deal, "amount_exchange_difference"), 0.0)
        payment.action_draft()  # the exchange difference entry is reversed
        self.assertLedger(deal, paid=0.0, exchange_difference=0.0, outstanding=1100.0)
        self.assertReconcilesWithAccounting(deal)

    def test_deal_fields_shown_by_the_report(self):
        deal = self._create_deal()
        self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        report = self.env["crm.deal.ledger.line"].with_user(self.accountant)
        won = [("lead_id", "=", deal.id), ("is_won", "=", True)]
        self.assertFalse(report.search(won))
        deal.stage_id = self.won_stage
        self.assertStoreFresh()
        self.assertTrue(report.search(won))
        # the stage itself stops being a won stage
        self.won_stage.is_won = False
        self.assertStoreFresh()
        self.assertFalse(report.search(won))
        self.won_stage.is_won = True
        deal.write({"user_id": self.other_salesman.id, "name": "Renamed deal", "partner_id": False})
        self.assertStoreFresh()
        entries = report.search([("lead_id", "=", deal.id)])
        self.assertEqual(entries.user_id, self.other_salesman)
        self.assertEqual(set(entries.mapped("lead_name")), {"Renamed deal"})
        # salespeople see the deals they follow, by the stored salesperson
        as_nadia = self.env["crm.deal.ledger.line"].with_user(self.salesman)
        self.assertFalse(as_nadia.search([("lead_id", "=", deal.id)]))
        deal.user_id = self.salesman
        self.assertTrue(as_nadia.search([("lead_id", "=", deal.id)]))

    def test_merge_and_delete_deals(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        self._post_invoices(self._create_order(deal_a, 1000.0), "2024-01-15")
        self._post_invoices(self._create_order(deal_b, 500.0), "2024-01-15")
        kept = (deal_a + deal_b)._merge_opportunity(auto_unlink=True)
        self.assertLedger(kept, invoiced=1650.0)
        self.assertEqual(kept.ledger_entry_count, 4)
        kept.unlink()
        self.assertStoreFresh()
        self.assertEqual(self._stored(kept), 0.0)

    def test_refresh_queries_do_not_grow_with_deals(self):
        def won_in_queries(count):
            deals = self.env["crm.lead"]
            for index in range(count):
                deal = self._create_deal(f"Deal {index}")
                self._create_order(deal, 100.0 + index)
                deals |= deal
            self.env.flush_all()
            queries = self.env.cr.sql_log_count
            deals.write({"stage_id": self.won_stage.id})
            self.env.flush_all()
            self.assertStoreFresh()
            self.assertEqual(
                self._stored(deals[-1], "amount_ordered"), round((99.0 + count) * 1.1, 2)
            )
            return self.env.cr.sql_log_count - queries

        won_in_queries(1)  # warm-up: caches of the registry (rules, stages)
        self.assertEqual(won_in_queries(2), won_in_queries(8))

    def test_rebuild_repairs_sql_changes(self):
        """Documents changed in SQL behind the ORM's back are not followed (nothing marks
        their deal): the rebuild (run on each update of the addon) puts the store right."""
        deal = self._create_deal()
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET opportunity_id = NULL WHERE id = %s", [invoice.id]
        )
        self.env.invalidate_all()
        with self.assertRaises(AssertionError):
            self.assertStoreFresh()
        self.env["crm.deal.ledger.line"]._ledger_store_rebuild()
        self.assertStoreFresh()
        self.assertEqual(self._stored(deal), 0.0)

    def test_accountant_rules_shortcut_keeps_document_rules(self):
        """An accountant reads every entry of the companies they work in without the
        documents being searched; a record rule on invoices that restricts them more is
        still obeyed by the report."""
        deal = self._create_deal()
        self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        Ledger = self.env["crm.deal.ledger.line"].with_user(self.accountant)
        self.assertTrue(Ledger._ledger_rules_follow_company("account.move"))
        self.assertFalse(
            Ledger.with_user(self.salesman)._ledger_rules_follow_company("account.move")
        )
        self.assertEqual(self._report_invoiced(deal), 1100.0)
        # a rule of the billing group alone widens nothing here (its own rule reads all)
        self.env["ir.rule"].create(
            {
                "name": "Billing: credit notes (test)",
                "model_id": self.env.ref("account.model_account_move").id,
                "groups": [Command.link(self.env.ref("account.group_account_invoice").id)],
                "domain_force": "[('move_type', '=', 'out_refund')]",
            }
        )
        self.assertTrue(Ledger._ledger_rules_follow_company("account.move"))
        self.assertEqual(self._report_invoiced(deal), 1100.0)
        # a global rule that hides invoices from everyone hides them on the report
        self.env["ir.rule"].create(
            {
                "name": "No customer invoices (test)",
                "model_id": self.env.ref("account.model_account_move").id,
                "domain_force": "[('move_type', '!=', 'out_invoice')]",
            }
        )
        self.assertFalse(Ledger._ledger_rules_follow_company("account.move"))
        self.assertEqual(self._report_invoiced(deal), 0.0)
