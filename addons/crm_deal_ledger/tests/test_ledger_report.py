from datetime import date

from odoo.tests import Form, tagged

from .common import DealLedgerCommon


@tagged("post_install", "-at_install")
class TestLedgerReport(DealLedgerCommon):
    """The accountants' report: won deals and what is left to order, invoice and collect;
    invoiced and paid per month, team and salesperson in company currency; drill-down."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.won_stage = cls.env["crm.stage"].create({"name": "Signed", "is_won": True})
        cls.other_team = cls.env["crm.team"].create(
            {"name": "Mid-Market", "company_id": cls.company_data["company"].id}
        )
        # Nadia: a won deal invoiced in January, half paid in February.
        cls.deal_a = cls._won_deal("Cold store retrofit", cls.salesman)
        cls.invoice_a = cls._post_invoices(cls._create_order(cls.deal_a, 1000.0), "2024-01-15")
        cls._pay(cls.invoice_a, 550.0, "2024-02-10")
        # Omar (other team): a won EUR deal invoiced and paid in February, an open quote left.
        cls.deal_b = cls._won_deal("Fleet telematics", cls.other_salesman, cls.other_team)
        invoice_b = cls._post_invoices(
            cls._create_order(cls.deal_b, 100.0, currency=cls.eur, date="2024-02-02"),
            "2024-02-05",
        )
        cls._pay(invoice_b, 110.0, "2024-02-20")  # 110 EUR = 275 USD
        cls._create_order(cls.deal_b, 40.0, currency=cls.eur, confirm=False, date="2024-02-03")
        # A deal still in the pipeline, ordered but not won.
        cls.deal_open = cls._create_deal("Yard cameras")
        cls._create_order(cls.deal_open, 300.0)

    @classmethod
    def _won_deal(cls, name, user, team=None):
        deal = cls._create_deal(name, user=user)
        deal.write({"stage_id": cls.won_stage.id, "team_id": (team or cls.team).id})
        return deal

    def _report(self, user=None):
        return self.env["crm.deal.ledger.line"].with_user(user or self.accountant)

    def _deals(self):
        return (self.deal_a + self.deal_b + self.deal_open).ids

    def test_won_deals_and_what_is_left_to_order_invoice_and_collect(self):
        report = self._report()
        won = [("is_won", "=", True), ("lead_id", "in", self._deals())]
        groups = report.read_group(
            won,
            ["amount_quoted:sum", "amount_to_invoice:sum", "amount_outstanding:sum"],
            ["lead_id"],
        )
        self.assertEqual(
            {
                g["lead_id"][0]: (
                    g["amount_quoted"],
                    g["amount_to_invoice"],
                    g["amount_outstanding"],
                )
                for g in groups
            },
            {
                self.deal_a.id: (0.0, 0.0, 550.0),
                # 44 EUR quote in February = 110 USD; fully paid.
                self.deal_b.id: (110.0, 0.0, 0.0),
            },
        )
        # Deal-wide filters: only deals with something left.
        self.assertEqual(report.search(won + [("deal_outstanding", ">", 0)]).lead_id, self.deal_a)
        self.assertEqual(report.search(won + [("deal_to_order", ">", 0)]).lead_id, self.deal_b)
        self.assertEqual(
            report.search([("lead_id", "in", self._deals()), ("deal_to_invoice", ">", 0)]).lead_id,
            self.deal_open,
            "ordered, not invoiced, not won",
        )

    def test_report_sums_match_the_opportunity_ledger(self):
        for deal in self.deal_a + self.deal_b + self.deal_open:
            entries = self._report().search([("lead_id", "=", deal.id)])
            for column, figure in (
                ("amount_quoted", "quoted_company"),
                ("amount_ordered", "ordered_company"),
                ("amount_invoiced", "invoiced_company"),
                ("amount_paid", "paid_company"),
                ("amount_exchange_difference", "exchange_difference"),
                ("amount_outstanding", "outstanding_company"),
            ):
                self.assertAlmostEqual(
                    sum(entries.mapped(column)), deal[f"ledger_{figure}"], places=2, msg=column
                )

    def test_invoiced_and_paid_per_month_team_and_salesperson(self):
        groups = self._report().read_group(
            [("lead_id", "in", self._deals()), ("is_won", "=", True)],
            ["amount_invoiced:sum", "amount_paid:sum", "amount_exchange_difference:sum"],
            ["date:month", "team_id", "user_id"],
            lazy=False,
        )
        figures = {
            (g["date:month"], g["team_id"][1], g["user_id"][1]): (
                g["amount_invoiced"],
                g["amount_paid"],
                g["amount_exchange_difference"],
            )
            for g in groups
            if g["amount_invoiced"] or g["amount_paid"]
        }
        self.assertEqual(
            figures,
            {
                ("January 2024", "Enterprise Sales", "Nadia Salesman"): (1100.0, 0.0, 0.0),
                ("February 2024", "Enterprise Sales", "Nadia Salesman"): (0.0, 550.0, 0.0),
                # 110 EUR invoiced at 2.5 = 275, paid at the same rate.
                ("February 2024", "Mid-Market", "Omar Salesman"): (275.0, 275.0, 0.0),
            },
        )

    def test_report_query_count_does_not_grow_with_deals(self):
        report = self._report()

        def run_report():
            report.invalidate_model()
            report.read_group(
                [("is_won", "=", True)],
                ["amount_invoiced:sum", "amount_paid:sum", "amount_outstanding:sum"],
                ["date:month", "user_id"],
                lazy=False,
            )
            report.read_group(
                [("is_won", "=", True), ("deal_outstanding", ">", 0)],
                ["amount_to_invoice:sum", "amount_outstanding:sum"],
                ["lead_id"],
            )

        run_report()  # warm the caches
        with self.assertQueryCount(6):
            run_report()
        for index in range(8):
            deal = self._won_deal(f"Follow-up {index}", self.salesman)
            invoice = self._post_invoices(self._create_order(deal, 100.0 + index), "2024-03-05")
            self._pay(invoice, 50.0, "2024-03-20")
        self.env.flush_all()
        with self.assertQueryCount(6):
            run_report()

    def test_drill_down_from_opportunity_and_report(self):
        action = self.deal_a.action_view_deal_ledger()
        self.assertEqual(action["res_model"], "crm.deal.ledger.line")
        entries = self._report().search(action["domain"])
        self.assertEqual(
            sorted(entries.mapped("kind")), ["invoice", "order", "payment"], entries.read(["kind"])
        )
        documents = {
            entry.kind: (action["res_model"], action["res_id"])
            for entry in entries
            for action in [entry.action_open_document()]
        }
        self.assertEqual(documents["invoice"], ("account.move", self.invoice_a.id))
        self.assertEqual(documents["order"][0], "sale.order")
        self.assertEqual(documents["payment"][0], "account.payment")

    def test_views_and_export(self):
        report = self._report()
        views = report.get_views([(False, "pivot"), (False, "graph"), (False, "list")])
        self.assertEqual(set(views["views"]), {"pivot", "graph", "list"})
        entries = report.search([("lead_id", "=", self.deal_a.id)], order="id")
        # Exporting is a right of its own in Odoo 18; an accountant who has it exports the list.
        self.accountant.groups_id |= self.env.ref("base.group_allow_export")
        # The opportunity's name, not the opportunity: the accountant cannot read the CRM.
        exported = entries.export_data(
            ["lead_name", "kind", "date", "amount_invoiced", "amount_paid"]
        )
        self.assertEqual(
            sorted(exported["datas"], key=lambda row: row[1]),
            [
                ["Cold store retrofit", "Invoice", date(2024, 1, 15), 1100.0, 0.0],
                ["Cold store retrofit", "Payment", date(2024, 2, 10), 0.0, 550.0],
                ["Cold store retrofit", "Sales Order", date(2024, 1, 10), 0.0, 0.0],
            ],
        )
        self.assertTrue(
            self.env.ref("crm_deal_ledger.crm_deal_ledger_line_menu_account").action,
        )

    def test_opportunity_form_shows_the_ledger(self):
        with Form(self.deal_b) as form:
            self.assertEqual(form.ledger_currency_id, self.eur)
            self.assertEqual(form.ledger_ordered, 110.0)
            self.assertEqual(form.ledger_quoted, 44.0)
            self.assertEqual(form.ledger_paid_company, 275.0)
