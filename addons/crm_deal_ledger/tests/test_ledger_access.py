from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
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
        """The deal is Nadia's but the invoice is Omar's: the stock rules keep the invoice from
        her, and so does the report (its number, its amount and its payments); the deal's own
        figures stay on her opportunity."""
        self.own_invoice.sudo().invoice_user_id = self.other_salesman
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.own_invoice.with_user(self.salesman).read(["name"])
        ledger = self._ledger_as(self.salesman)
        self.assertFalse(ledger.search([("invoice_id", "!=", False)]))
        self.assertEqual(ledger.search([]).mapped("kind"), ["order"])
        groups = ledger.read_group([], ["amount_invoiced:sum", "amount_paid:sum"], [])
        self.assertEqual((groups[0]["amount_invoiced"], groups[0]["amount_paid"]), (0.0, 0.0))
        self.assertFalse(ledger.search([("invoice_id.name", "=", self.own_invoice.name)]))
        entries = self.env["crm.deal.ledger.line"].search(
            [("invoice_id", "=", self.own_invoice.id)]
        )
        self.assertEqual(len(entries), 2, "the invoice and its payment")
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            entries.with_user(self.salesman).read(["amount_invoiced"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            entries[0].with_user(self.salesman).action_open_document()
        # The accountant still reads it all.
        self.assertEqual(
            self._ledger_as(self.accountant).search([("invoice_id", "=", self.own_invoice.id)]),
            entries,
        )
        # Her opportunity keeps the deal's figures (no document in them).
        self.assertLedger(self.own_deal.with_user(self.salesman), invoiced=1100.0, paid=600.0)

    def test_quotation_of_a_colleague_on_own_deal_stays_closed(self):
        """The report obeys the rules of sale.order too: a colleague's quotation on her deal."""
        quote = self._create_order(self.own_deal, 300.0, confirm=False)
        quote.user_id = self.other_salesman
        ledger = self._ledger_as(self.salesman)
        self.assertFalse(ledger.search([("order_id", "=", quote.id)]))
        quote.user_id = self.salesman
        self.assertTrue(ledger.search([("order_id", "=", quote.id)]))

    def test_billing_user_searches_invoices_by_opportunity_and_picks_one(self):
        moves = self.env["account.move"].with_user(self.accountant)
        self.assertEqual(
            moves.search([("opportunity_name", "ilike", "cold store")]), self.own_invoice
        )
        search_arch = moves.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="opportunity_name"', search_arch)
        # Picking: the opportunities of her company, by name, filtered as the field filters.
        leads = self.env["crm.lead"].with_user(self.accountant)
        company = self.company_data["company"]
        field_domain = [
            ("type", "=", "opportunity"),
            "|",
            ("company_id", "=", False),
            ("company_id", "=", company.id),
        ]
        self.assertEqual(
            leads.name_search("Fleet telematics", field_domain),
            [(self.other_deal.id, "Fleet telematics")],
        )
        # ... and nothing else of a lead: no other field to filter on, no record to read.
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            leads.name_search("Fleet", [("email_from", "ilike", "@")])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            leads.search([("name", "ilike", "Fleet")])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.other_deal.with_user(self.accountant).read(["name"])
        # On the invoice form.
        invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[300.0])
        with Form(invoice.with_user(self.accountant)) as form:
            form.opportunity_id = self.other_deal
        self.assertEqual(invoice.opportunity_id, self.other_deal)
        form_arch = invoice.with_user(self.accountant).get_views([(False, "form")])["views"]
        self.assertIn("no_open", form_arch["form"]["arch"])

    def _euro_company(self):
        company_2 = self.env["res.company"].create(
            {"name": "Ledger Euro Company", "currency_id": self.eur.id}
        )
        # The same rates as the first company: 1 EUR = 1.25 USD since March 2024.
        self.env["res.currency.rate"].create(
            [
                {
                    "name": "2024-03-01",
                    "rate": rate,
                    "currency_id": currency.id,
                    "company_id": company_2.id,
                }
                for currency, rate in ((self.eur, 0.8), (self.usd, 1.0))
            ]
        )
        return company_2

    def _quotation_in(self, company, deal):
        """A quotation of `deal` in `company`, in its currency: one untaxed service at 80."""
        return (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": self.customer.id,
                    "opportunity_id": deal.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.service.id, "price_unit": 80.0, "tax_id": False}
                        )
                    ],
                }
            )
        )

    def test_deal_without_company_sums_only_the_readers_companies(self):
        company_2 = self._euro_company()
        deal = self._create_deal("Shared deal", user=self.salesman)
        deal.write({"company_id": False, "team_id": False})
        self._create_order(deal, 100.0, confirm=False)
        self._quotation_in(company_2, deal)
        # Nadia works in the first company only: the euro quotation is not hers to sum.
        self.assertLedger(deal.with_user(self.salesman), quoted_company=110.0)
        self.assertEqual(deal.with_user(self.salesman).ledger_currency_id, self.usd)
        # Who works in both companies sums both (80 EUR = 100 USD at today's rate).
        self.env.user.company_ids |= company_2
        both = deal.with_context(
            allowed_company_ids=[self.company_data["company"].id, company_2.id]
        )
        self.assertLedger(both, quoted_company=210.0)

    def test_report_totals_across_companies_in_one_currency(self):
        company = self.company_data["company"]
        company_2 = self._euro_company()
        deal = self.env["crm.lead"].create(
            {"name": "Euro deal", "type": "opportunity", "company_id": company_2.id}
        )
        self._quotation_in(company_2, deal)
        self.accountant.company_ids |= company_2
        deals = [deal.id, self.own_deal.id]
        # Active in the USD company: 80 EUR at today's rate (1 EUR = 1.25 USD) + 1100 USD.
        report = self._ledger_as(self.accountant).with_context(
            allowed_company_ids=[company.id, company_2.id]
        )
        total = report.read_group(
            [("lead_id", "in", deals)], ["amount_quoted:sum", "amount_ordered:sum"], []
        )[0]
        self.assertEqual((total["amount_quoted"], total["amount_ordered"]), (100.0, 1100.0))
        self.assertEqual(report.search([], limit=1).report_currency_id, self.usd)
        # Active in the EUR company: everything in euros.
        report = report.with_context(allowed_company_ids=[company_2.id, company.id])
        total = report.read_group(
            [("lead_id", "in", deals)], ["amount_quoted:sum", "amount_ordered:sum"], []
        )[0]
        self.assertEqual((total["amount_quoted"], total["amount_ordered"]), (80.0, 880.0))

    def test_sales_manager_sees_all_deals(self):
        manager = self._ledger_user("ledger_sales_manager", None, "sales_team.group_sale_manager")
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
        self._quotation_in(company_2, deal)
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


@tagged("post_install", "-at_install")
class TestLedgerMerge(DealLedgerCommon):
    """Merging opportunities keeps every invoice on the deal kept, those attached by hand too."""

    def test_merge_keeps_invoices_attached_by_hand(self):
        deal_a = self._create_deal("Cold store retrofit")
        deal_b = self._create_deal("Cold store retrofit, second contact")
        invoice_a = self._post_invoices(self._create_order(deal_a, 1000.0), "2024-01-15")
        invoice_b = self._post_invoices(self._create_order(deal_b, 200.0), "2024-01-16")
        # An invoice made without order, attached to the deal by an accountant.
        manual = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[500.0], invoice_date="2024-01-17"
        )
        manual.opportunity_id = deal_b
        manual.action_post()
        # Nadia merges her two opportunities; she may not write invoices.
        kept = (deal_a + deal_b).with_user(self.salesman)._merge_opportunity()
        self.assertTrue(kept.exists())
        merged_away = (deal_a + deal_b) - kept
        self.assertFalse(merged_away.exists())
        self.assertEqual((invoice_a + invoice_b + manual).opportunity_id, kept)
        self.assertLedger(kept, invoiced=1100.0 + 220.0 + manual.amount_total)
