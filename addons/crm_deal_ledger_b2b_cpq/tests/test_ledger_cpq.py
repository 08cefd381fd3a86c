from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_deal_ledger.tests.common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerCpq(DealLedgerCommon):
    """The ledger counts the current version of a revised quotation and shows its version and
    approval; accountants find the quotations awaiting approval."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="ledger_cpq_manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_data["company"].id,
            company_ids=[Command.set(cls.company_data["company"].ids)],
        )
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
