from odoo import Command
from odoo.tests import Form, tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestInvoiceOpportunity(DealLedgerCommon):
    """Invoices and credit notes carry their opportunity: set from the orders, stored,
    searchable and groupable, kept by reversals, never guessed for mixed invoices."""

    def test_invoice_from_order_carries_the_opportunity(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0)
        invoice = self._post_invoices(order, "2024-01-15")
        self.assertEqual(invoice.opportunity_id, deal)
        self.assertEqual(
            self.env["account.move"].search([("opportunity_id", "=", deal.id)]), invoice
        )
        self.assertEqual(
            self.env["account.move"].search([("opportunity_id.name", "=", deal.name)]), invoice
        )

    def test_down_payment_and_final_invoice_carry_the_opportunity(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0)
        down_payment = self._down_payment(order, 30, "2024-01-12")
        final = self._post_invoices(order, "2024-01-20")
        self.assertEqual(down_payment.opportunity_id, deal)
        self.assertEqual(final.opportunity_id, deal)
        self.assertTrue(final.invoice_line_ids.filtered("is_downpayment"))

    def test_orders_of_two_deals_invoiced_together_make_two_invoices(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        order_a = self._create_order(deal_a, 1000.0)
        order_b = self._create_order(deal_b, 400.0)
        order_a_bis = self._create_order(deal_a, 200.0)
        invoices = (order_a + order_b + order_a_bis)._create_invoices()
        self.assertEqual(len(invoices), 2, "one invoice per deal, not one per customer")
        self.assertEqual(invoices.opportunity_id, deal_a + deal_b)
        invoice_a = invoices.filtered(lambda move: move.opportunity_id == deal_a)
        self.assertEqual(invoice_a.line_ids.sale_line_ids.order_id, order_a + order_a_bis)
        # Orders without opportunity still group as stock Odoo does.
        order_c = self._create_order(deal_a, 100.0)
        order_d = self._create_order(deal_a, 100.0)
        (order_c + order_d).opportunity_id = False
        self.assertEqual(len((order_c + order_d)._create_invoices()), 1)

    def test_invoice_mixing_deals_is_not_guessed_but_a_choice_is_kept(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        order_a = self._create_order(deal_a, 1000.0)
        order_b = self._create_order(deal_b, 400.0)
        invoice = order_a._create_invoices()
        self.assertEqual(invoice.opportunity_id, deal_a)
        # An accountant adds the other deal's order line to the same invoice by hand.
        invoice.write(
            {
                "invoice_line_ids": [
                    Command.create(order_b.order_line._prepare_invoice_line(quantity=1.0))
                ]
            }
        )
        self.assertFalse(invoice.opportunity_id, "mixed deals: left empty, not guessed")
        invoice.opportunity_id = deal_b
        invoice.action_post()
        self.assertEqual(invoice.opportunity_id, deal_b, "the accountant's choice is kept")
        self.assertEqual(invoice.line_ids.sale_line_ids.order_id, order_a + order_b)

    def test_credit_note_keeps_the_opportunity(self):
        deal = self._create_deal()
        order = self._create_order(deal, 1000.0)
        invoice = self._post_invoices(order, "2024-01-15")
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "date": "2024-01-20"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.opportunity_id, deal)

    def test_manual_invoice_opportunity_survives_reversal(self):
        deal = self._create_deal()
        invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[500.0])
        self.assertFalse(invoice.opportunity_id, "no order, no opportunity")
        invoice.opportunity_id = deal
        invoice.action_post()
        credit_note = invoice._reverse_moves([{"invoice_date": "2019-01-02"}])
        self.assertEqual(credit_note.opportunity_id, deal)

    def test_opportunity_follows_the_order(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics")
        order = self._create_order(deal_a, 1000.0)
        invoice = self._post_invoices(order, "2024-01-15")
        order.opportunity_id = deal_b
        self.assertEqual(invoice.opportunity_id, deal_b)

    def test_vendor_bills_have_no_opportunity(self):
        deal = self._create_deal()
        bill = self.init_invoice("in_invoice", amounts=[300.0])
        bill.line_ids.sale_line_ids = self._create_order(deal, 300.0).order_line
        self.assertFalse(bill.opportunity_id)

    def test_invoices_grouped_by_opportunity_salesperson_and_team(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Fleet telematics", user=self.other_salesman)
        self._post_invoices(self._create_order(deal_a, 1000.0), "2024-01-15")
        self._post_invoices(self._create_order(deal_a, 500.0), "2024-01-16")
        self._post_invoices(self._create_order(deal_b, 200.0), "2024-01-17")
        # As an accountant who cannot read opportunities at all.
        moves = self.env["account.move"].with_user(self.accountant)
        groups = moves.read_group(
            [("opportunity_id", "in", (deal_a + deal_b).ids)],
            ["amount_total:sum"],
            ["opportunity_id"],
        )
        totals = {group["opportunity_id"]: group["amount_total"] for group in groups}
        self.assertEqual(
            totals,
            {(deal_a.id, deal_a.name): 1650.0, (deal_b.id, deal_b.name): 220.0},
        )
        by_user = moves.read_group(
            [("opportunity_id", "in", (deal_a + deal_b).ids)],
            ["amount_total:sum"],
            ["invoice_user_id", "team_id"],
            lazy=False,
        )
        self.assertEqual(
            {(g["invoice_user_id"][0], g["team_id"][0], g["amount_total"]) for g in by_user},
            {
                (self.salesman.id, self.team.id, 1650.0),
                (self.other_salesman.id, self.team.id, 220.0),
            },
        )

    def test_invoice_views_show_the_opportunity(self):
        deal = self._create_deal()
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        with Form(invoice) as form:
            self.assertEqual(form.opportunity_id, deal)
        search_arch = self.env["account.move"].get_views([(False, "search")])["views"]["search"][
            "arch"
        ]
        self.assertIn('name="group_by_opportunity"', search_arch)
