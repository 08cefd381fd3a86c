from odoo import Command
from odoo.tests import tagged

from odoo.addons.crm_deal_ledger.tests.common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerCpq(DealLedgerCommon):
    """The ledger counts the current version of a revised quotation and shows its version and
    approval; accountants find the quotations awaiting approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._ledger_user("ledger_cpq_manager", None, "sales_team.group_sale_manager")
        cls.env["cpq.discount.policy"].create(
            {
                "name": "Enterprise policy",
                "team_id": cls.team.id,
                "company_id": cls.company_data["company"].id,
                "max_discount": 10.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(cls.manager.ids)],
            }
        )

    def test_current_version_and_its_approval_on_the_ledger(self):
        deal = self._create_deal()
        quote = self._create_order(deal, 1000.0, confirm=False)
        quote.action_quotation_sent()
        quote.action_cpq_new_revision()
        revision = quote.superseded_by_id
        self.assertEqual(quote.state, "cancel")
        ledger = self.env["crm.deal.ledger.line"].with_user(self.accountant)
        entries = ledger.search([("lead_id", "=", deal.id)])
        self.assertEqual(entries.order_id, revision, "the superseded version is left out")
        self.assertEqual((entries.revision_number, entries.approval_state), (1, "not_required"))
        self.assertLedger(deal, quoted=1100.0)

        revision.order_line.discount = 15.0
        self.assertEqual(revision.approval_state, "to_approve")
        to_approve = ledger.search(
            [
                ("lead_id", "=", deal.id),
                ("kind", "=", "quote"),
                ("approval_state", "=", "to_approve"),
            ]
        )
        self.assertEqual(to_approve.order_id, revision)
        self.assertLedger(deal, quoted=935.0)
        # Invoices and payments carry no approval.
        order = self._create_order(deal, 1000.0)  # at list price: no approval needed
        self._post_invoices(order, "2024-01-15")
        invoice_entry = ledger.search([("lead_id", "=", deal.id), ("kind", "=", "invoice")])
        self.assertFalse(invoice_entry.approval_state)
        self.assertEqual(
            ledger.search([("lead_id", "=", deal.id), ("kind", "=", "order")]).approval_state,
            "not_required",
        )

    def test_views_show_version_and_approval(self):
        views = (
            self.env["crm.deal.ledger.line"]
            .with_user(self.accountant)
            .get_views([(False, "list"), (False, "search")])["views"]
        )
        self.assertIn('name="approval_state"', views["list"]["arch"])
        self.assertIn('name="to_approve"', views["search"]["arch"])

    def test_tier_totals_agree_on_the_ledger_across_partial_invoices(self):
        # 100 units at 10.00 and the 101st at 9.00 are 1,009.00 (+10% tax): the unit price shows
        # 9.99, the two invoices made by stock's wizard (40 units, then 61) add up to the order.
        licence = self.env["product.product"].create(
            {
                "name": "Fleet licences",
                "type": "service",
                "invoice_policy": "delivery",
                "list_price": 10.0,
                "taxes_id": [Command.set(self.tax_10.ids)],
                "property_account_income_id": self.company_data["default_account_revenue"].id,
            }
        )
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist_usd.id,
                "applied_on": "0_product_variant",
                "product_id": licence.id,
                "product_tmpl_id": licence.product_tmpl_id.id,
                "compute_price": "fixed",
                "fixed_price": 10.0,
                "cpq_tier_mode": "graduated",
                "cpq_tier_ids": [
                    Command.create(
                        {"min_quantity": 101, "compute_price": "fixed", "fixed_price": 9.0}
                    )
                ],
            }
        )
        deal = self._create_deal()
        if "deal_currency_id" in deal._fields:
            deal.deal_currency_id = False
        order = self.env["sale.order"].create(
            {
                "partner_id": deal.partner_id.id,
                "opportunity_id": deal.id,
                "pricelist_id": self.pricelist_usd.id,
                "user_id": deal.user_id.id,
                "team_id": deal.team_id.id,
                "order_line": [Command.create({"product_id": licence.id, "product_uom_qty": 101})],
            }
        )
        order.action_confirm()
        self.assertEqual(order.order_line.price_unit, 9.99)
        self.assertEqual((order.amount_untaxed, order.amount_total), (1009.0, 1109.9))
        for delivered in (40, 101):
            order.order_line.qty_delivered = delivered
            self.env["sale.advance.payment.inv"].with_context(
                active_model="sale.order", active_ids=order.ids
            ).create({"advance_payment_method": "delivered"}).create_invoices()
            invoice = order.invoice_ids.filtered(lambda move: move.state == "draft")
            invoice.write({"invoice_date": "2024-01-15", "date": "2024-01-15"})
            invoice.action_post()
        self.assertEqual(order.invoice_ids.sorted("id").mapped("amount_untaxed"), [399.6, 609.4])
        self.assertLedger(deal, ordered=1109.9, invoiced=1109.9, to_invoice=0.0)
        self.assertReconcilesWithAccounting(deal)
