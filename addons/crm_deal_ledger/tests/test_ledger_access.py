from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerAccess(DealLedgerCommon):
    """Salespeople see the ledger of the deals they can read, accountants of all deals, and
    nobody reads an invoice or a payment through the ledger that they could not read before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Nadia's deal: invoiced 1100, paid 600 by a payment she cannot read.
        cls.own_deal = cls._create_deal("Cold store retrofit", user=cls.salesman)
        cls.own_invoice = cls._post_invoices(cls._create_order(cls.own_deal, 1000.0), "2024-01-15")
        cls.own_payment = cls._pay(cls.own_invoice, 600.0, "2024-01-20")
        # Omar's deal: invoiced 550, paid in full.
        cls.other_deal = cls._create_deal("Fleet telematics", user=cls.other_salesman)
        cls.other_invoice = cls._post_invoices(
            cls._create_order(cls.other_deal, 500.0), "2024-01-16"
        )
        cls.other_payment = cls._pay(cls.other_invoice, 550.0, "2024-01-21")

    def _ledger_as(self, user):
        return self.env["crm.deal.ledger.line"].with_user(user)

    def test_salesman_reads_the_ledger_of_own_deal_without_reading_its_payments(self):
        deal = self.own_deal.with_user(self.salesman)
        self.assertEqual(
            deal.read(["ledger_invoiced", "ledger_paid", "ledger_outstanding"])[0],
            {
                "id": deal.id,
                "ledger_invoiced": 1100.0,
                "ledger_paid": 600.0,
                "ledger_outstanding": 500.0,
            },
        )
        # ... while the payment itself stays out of reach, as in stock Odoo.
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.own_payment.with_user(self.salesman).read(["amount"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.own_payment.move_id.with_user(self.salesman).read(["name"])

    def test_salesman_cannot_read_the_ledger_of_another_deal(self):
        other = self.other_deal.with_user(self.salesman)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            other.read(["ledger_paid"])
        # Even computed server-side, the figures of an unreadable deal stay empty.
        self.assertEqual(other.ledger_paid, 0.0)
        self.assertEqual(other.ledger_invoiced_company, 0.0)
        self.assertFalse(other.ledger_currency_id)

    def test_salesman_report_holds_own_deals_only(self):
        ledger = self._ledger_as(self.salesman)
        self.assertEqual(ledger.search([]).lead_id, self.own_deal)
        groups = ledger.read_group([], ["amount_invoiced:sum", "amount_paid:sum"], ["lead_id"])
        self.assertEqual(
            [(g["lead_id"][0], g["amount_invoiced"], g["amount_paid"]) for g in groups],
            [(self.own_deal.id, 1100.0, 600.0)],
        )
        other_entries = self.env["crm.deal.ledger.line"].search(
            [("lead_id", "=", self.other_deal.id)]
        )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            other_entries.with_user(self.salesman).read(["amount_paid"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            other_entries[0].with_user(self.salesman).action_open_document()

    def test_salesman_drill_down_uses_normal_access(self):
        entries = self._ledger_as(self.salesman).search([])
        invoice_entry = entries.filtered(lambda entry: entry.kind == "invoice")
        action = invoice_entry.action_open_document()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("account.move", self.own_invoice.id)
        )
        payment_entry = entries.filtered(lambda entry: entry.kind == "payment")
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            payment_entry.action_open_document()
        # The journal entry and payment columns are the accountants'.
        fields = self._ledger_as(self.salesman).fields_get(["move_id", "payment_id", "invoice_id"])
        self.assertEqual(list(fields), ["invoice_id"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            payment_entry.read(["payment_id"])

    def test_invoice_of_own_deal_billed_by_a_colleague_stays_closed(self):
        """The deal is Nadia's but the invoice is Omar's: she sees the figures of her deal, not
        the invoice, which the stock rules keep from her."""
        self.own_invoice.sudo().invoice_user_id = self.other_salesman
        entries = self._ledger_as(self.salesman).search([("kind", "=", "invoice")])
        self.assertEqual(entries.amount_invoiced, 1100.0)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            entries.action_open_document()

    def test_sales_manager_sees_all_deals(self):
        manager = new_test_user(
            self.env,
            login="ledger_sales_manager",
            groups="sales_team.group_sale_manager",
            company_id=self.company_data["company"].id,
            company_ids=[Command.set(self.company_data["company"].ids)],
        )
        leads = self._ledger_as(manager).search([]).lead_id
        self.assertEqual(leads & (self.own_deal + self.other_deal), self.own_deal + self.other_deal)
        self.assertEqual(self.other_deal.with_user(manager).ledger_paid, 550.0)

    def test_accountant_sees_every_deal_and_opens_payments(self):
        ledger = self._ledger_as(self.accountant)
        entries = ledger.search([("lead_id", "in", (self.own_deal + self.other_deal).ids)])
        self.assertEqual(entries.lead_id, self.own_deal + self.other_deal)
        self.assertEqual(sum(entries.mapped("amount_paid")), 1150.0)
        payment_entry = entries.filtered(
            lambda entry: entry.kind == "payment" and entry.lead_id == self.other_deal
        )
        self.assertEqual(payment_entry.payment_id, self.other_payment)
        action = payment_entry.action_open_document()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("account.payment", self.other_payment.id)
        )
        # The ledger grants no access to the opportunities themselves.
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.own_deal.with_user(self.accountant).read(["name"])

    def test_user_without_sales_or_accounting_rights_has_no_ledger(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self._ledger_as(self.employee).search([])

    def test_other_company_entries_stay_in_their_company(self):
        company_2 = self.env["res.company"].create({"name": "Ledger Sister Company"})
        deal = self.env["crm.lead"].create(
            {
                "name": "Sister company deal",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "company_id": company_2.id,
                "user_id": False,
            }
        )
        self.env["sale.order"].with_company(company_2).create(
            {
                "partner_id": self.customer.id,
                "opportunity_id": deal.id,
                "company_id": company_2.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.service.id, "price_unit": 80.0, "tax_id": False}
                    )
                ],
            }
        )
        self.assertFalse(
            self._ledger_as(self.accountant).search([("lead_id", "=", deal.id)]),
            "the accountant works in the first company only",
        )
        self.accountant.company_ids |= company_2
        entries = (
            self._ledger_as(self.accountant)
            .with_context(allowed_company_ids=[self.company_data["company"].id, company_2.id])
            .search([("lead_id", "=", deal.id)])
        )
        self.assertEqual(entries.mapped("amount_quoted"), [80.0])
