from odoo.tests import HttpCase, tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerTour(DealLedgerCommon, HttpCase):
    """In the browser: a salesperson reads her deal's ledger and drills down to its entries."""

    def test_salesperson_reads_the_ledger_in_the_browser(self):
        self.salesman.password = "ledger_salesman"
        deal = self._create_deal("Cold store retrofit", user=self.salesman)
        invoice = self._post_invoices(self._create_order(deal, 1000.0), "2024-01-15")
        self._pay(invoice, 600.0, "2024-01-20")
        self.start_tour(
            f"/odoo/crm.lead/{deal.id}", "crm_deal_ledger_tour", login="ledger_salesman"
        )
