from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_b2b_cpq.tests.common import CpqCommon

from .common import GlobalCpqCommon


@tagged("post_install", "-at_install")
class TestQuoteInDealCurrency(GlobalCpqCommon):
    """A quotation started from an opportunity is priced in the deal currency."""

    def test_new_quotation_button_uses_the_deal_currency(self):
        deal = self._deal(self.jpy, self.customer_jp, 9_000_000)
        form = self._new_quotation_form(deal)
        self.assertEqual(form.opportunity_id, deal)
        self.assertEqual(form.pricelist_id, self.pricelist_jpy)
        self.assertEqual(form.currency_id, self.jpy)
        self.assertFalse(form.deal_currency_message)
        with form.order_line.new() as line:
            line.product_id = self.gateway
            line.product_uom_qty = 3
        quote = form.save()
        self.assertEqual(quote.currency_id, self.jpy)
        # 450 USD at 150 JPY: the list price converted into yen, no decimals.
        self.assertEqual(quote.order_line.price_unit, 67500)
        self.assertEqual(quote.amount_untaxed, 202500)
        self.assertFalse(quote.deal_currency_mismatch)
        self.assertFalse(quote.cpq_blocking_message)

    def test_quotation_created_by_rpc_with_an_opportunity(self):
        deal = self._deal(self.kwd, self.customer_kw)
        quote = self._quote(deal, [(self.licence, 10)])
        self.assertEqual(quote.pricelist_id, self.pricelist_kwd)
        self.assertEqual(quote.currency_id, self.kwd)
        # Without an opportunity, stock's choice (the customer's pricelist) is untouched.
        plain = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.customer_kw.id})
        )
        self.assertEqual(plain.currency_id, self.usd)
        # A pricelist given explicitly is kept, and the difference is flagged, not hidden.
        explicit = self._quote(deal, [(self.licence, 10)], pricelist_id=self.pricelist_usd.id)
        self.assertEqual(explicit.pricelist_id, self.pricelist_usd)
        self.assertTrue(explicit.deal_currency_mismatch)

    def test_customer_pricelist_in_the_deal_currency_comes_first(self):
        negotiated = self._pricelist("Kansai negotiated", self.jpy, sequence=99)
        self.customer_jp.with_company(self.company).property_product_pricelist = negotiated
        deal = self._deal(self.jpy, self.customer_jp)
        self.assertEqual(self._quote(deal, []).pricelist_id, negotiated)
        # The customer's own pricelist in another currency does not fit a yen deal.
        self.customer_jp.with_company(self.company).property_product_pricelist = self.pricelist_usd
        self.assertEqual(self._quote(deal, []).pricelist_id, self.pricelist_jpy)
        # ... and is what a dollar deal of the same customer gets.
        usd_deal = self._deal(self.usd, self.customer_jp)
        self.assertEqual(self._quote(usd_deal, []).pricelist_id, self.pricelist_usd)

    def test_company_pricelist_chosen_deterministically(self):
        first = self._pricelist("Japan Key Accounts", self.jpy, sequence=5)
        self._pricelist("Japan Spot", self.jpy, sequence=5)  # same sequence, later id
        japan = self.env["res.country.group"].create(
            {"name": "Japan", "country_ids": [Command.set(self.env.ref("base.jp").ids)]}
        )
        korea = self.env["res.country.group"].create(
            {"name": "Korea", "country_ids": [Command.set(self.env.ref("base.kr").ids)]}
        )
        for_japan = self._pricelist(
            "Japan Distributors", self.jpy, sequence=50, country_group_ids=japan.ids
        )
        for_korea = self._pricelist("Korea", self.jpy, sequence=1, country_group_ids=korea.ids)
        other_company = self.env["res.company"].create(
            {"name": "Pacific Rim Europe BV", "currency_id": self.eur.id}
        )
        self.env["product.pricelist"].create(
            {
                "name": "Other company",
                "currency_id": self.jpy.id,
                "sequence": 0,
                "company_id": other_company.id,
            }
        )
        archived = self._pricelist("Old yen list", self.jpy, sequence=0)
        archived.action_archive()

        # The customer's country group first, whatever the sequence.
        deal_jp = self._deal(self.jpy, self.customer_jp)
        self.assertEqual(self._quote(deal_jp, []).pricelist_id, for_japan)
        # Otherwise the lowest sequence (then the oldest) among pricelists for everyone: never
        # one reserved to another country group, another company's or an archived one.
        deal_de = self._deal(self.jpy, self.customer_de)
        for _attempt in range(2):
            quote = self._quote(deal_de, [])
            self.assertEqual(quote.pricelist_id, first)
            self.assertNotEqual(quote.pricelist_id, for_korea)
        self.assertEqual(quote.deal_currency_pricelist_id, first)

    def test_no_pricelist_in_the_deal_currency_warns_and_blocks(self):
        deal = self._deal(self.eur, self.customer_de, 40_000)
        form = self._new_quotation_form(deal)
        # No euro pricelist: the customer's usual (dollar) pricelist, and a clear warning.
        self.assertEqual(form.currency_id, self.usd)
        self.assertIn("has no pricelist in EUR", form.deal_currency_message)
        self.assertIn("Pacific Rim Telematics Inc", form.deal_currency_message)
        with form.order_line.new() as line:
            line.product_id = self.support
        quote = form.save()
        self.assertTrue(quote.deal_currency_mismatch)
        self.assertFalse(quote.deal_currency_accepted)
        self.assertIn(f"Quotation {quote.name} is in USD", quote.cpq_blocking_message)
        self.assertIn("negotiated in EUR", quote.cpq_blocking_message)

        quote = quote.with_user(self.salesman)
        with self.assertRaisesRegex(UserError, "has no pricelist in EUR"):
            quote.action_quotation_send()
        with self.assertRaisesRegex(UserError, "has no pricelist in EUR"):
            quote.action_quotation_sent()
        with self.assertRaisesRegex(UserError, "has no pricelist in EUR"):
            quote.action_confirm()
        self.assertEqual(quote.state, "draft")
        # Nor paid, whatever the route that opens a payment transaction.
        with self.assertRaisesRegex(ValidationError, "has no pricelist in EUR"):
            CpqCommon._payment_transaction.__func__(type(self), quote)
        # The PDF stays printable for an internal review.
        quote._cpq_check_printable()
        with self.assertRaisesRegex(UserError, "has no pricelist in EUR"):
            quote.action_use_deal_currency_pricelist()
        self.assertEqual(quote.pricelist_id, self.pricelist_usd)

        # A euro pricelist is created: the quotation offers to switch to it.
        eur_list = self._pricelist("Europe", self.eur)
        quote.invalidate_recordset()
        self.assertEqual(quote.deal_currency_pricelist_id, eur_list)
        self.assertIn("Switch to the pricelist “Europe (EUR)”", quote.deal_currency_message)

    def test_use_deal_currency_reprices_the_lines(self):
        deal = self._deal(self.jpy, self.customer_jp)
        quote = self._quote(
            deal, [(self.gateway, 2), (self.licence, 10)], pricelist_id=self.pricelist_usd.id
        )
        self.assertEqual(quote.amount_untaxed, 1380.0)
        quote.with_user(self.salesman).action_use_deal_currency_pricelist()
        self.assertEqual(quote.pricelist_id, self.pricelist_jpy)
        self.assertEqual(quote.currency_id, self.jpy)
        self.assertEqual(quote.order_line.mapped("price_unit"), [67500, 7200])
        self.assertEqual(quote.amount_untaxed, 207000)
        self.assertFalse(quote.deal_currency_mismatch)
        self.assertIn("recomputed", quote.message_ids[0].body)
        quote.with_user(self.salesman).action_quotation_sent()
        self.assertEqual(quote.state, "sent")

    def test_changing_the_opportunity_never_re_denominates_prices(self):
        deal = self._deal(self.jpy, self.customer_jp)
        quote = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer_jp.id,
                    "order_line": [Command.create({"product_id": self.gateway.id})],
                }
            )
        )
        self.assertEqual(quote.currency_id, self.usd)
        quote.opportunity_id = deal
        # The dollar prices stay dollars: the quotation says what to do instead.
        self.assertEqual(quote.currency_id, self.usd)
        self.assertEqual(quote.order_line.price_unit, 450.0)
        self.assertTrue(quote.deal_currency_mismatch)
        self.assertIn("Switch to the pricelist “Japan Export (JPY)”", quote.deal_currency_message)
        # A change of customer on a draft quotation of the deal keeps the deal currency.
        quote.action_use_deal_currency_pricelist()
        quote.partner_id = self.customer_de
        self.assertEqual(quote.pricelist_id, self.pricelist_jpy)

    def test_deal_currency_changed_after_quoting(self):
        deal = self._deal(self.jpy, self.customer_jp)
        quote = self._quote(deal, [(self.gateway, 1)])
        confirmed = self._quote(deal, [(self.gateway, 1)])
        confirmed.action_confirm()
        deal.deal_currency_id = self.kwd
        quote.invalidate_recordset()
        self.assertTrue(quote.deal_currency_mismatch)
        with self.assertRaisesRegex(UserError, "negotiated in KWD"):
            quote.action_quotation_sent()
        # A confirmed order is history: nothing to flag.
        self.assertFalse(confirmed.deal_currency_mismatch)

    def test_opportunity_without_deal_currency_keeps_stock_behaviour(self):
        deal = self._deal(self.jpy, self.customer_jp)
        deal.deal_currency_id = False
        quote = self._quote(deal, [(self.gateway, 1)])
        self.assertEqual(quote.currency_id, self.usd)
        self.assertFalse(quote.deal_currency_mismatch)
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")


@tagged("post_install", "-at_install")
class TestOtherCurrencyAccepted(GlobalCpqCommon):
    """Only a sales manager lets a quotation reach the customer in another currency than its
    deal's; the acceptance is recorded and holds for that pair of currencies only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal = cls._deal(cls.eur, cls.customer_de, 40_000)

    def _usd_quote(self):
        return self._quote(self.deal, [(self.support, 4)]).with_user(self.salesman)

    def test_salesperson_cannot_accept(self):
        quote = self._usd_quote()
        with self.assertRaisesRegex(AccessError, "Only a sales manager"):
            quote.action_accept_deal_currency_exception()
        for fname, value in (
            ("deal_currency_accepted_id", self.usd.id),
            ("deal_currency_accepted_for_id", self.eur.id),
            ("deal_currency_accepted_by_id", self.salesman.id),
        ):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                quote.write({fname: value})
        # Not even a manager writes the decision directly (form, import, RPC).
        with self.assertRaises(AccessError):
            quote.with_user(self.manager).write({"deal_currency_accepted_id": self.usd.id})
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.customer_de.id,
                    "opportunity_id": self.deal.id,
                    "deal_currency_accepted_id": self.usd.id,
                    "deal_currency_accepted_for_id": self.eur.id,
                }
            )
        self.assertFalse(quote.deal_currency_accepted_id)
        self.assertTrue(quote._deal_currency_blocks())

    def test_manager_of_another_company_cannot_accept(self):
        quote = self._usd_quote()
        other_company = self.env["res.company"].create(
            {"name": "Pacific Rim Europe BV", "currency_id": self.eur.id}
        )
        other_manager = new_test_user(
            self.env,
            login="gc_other_manager",
            name="Lars Other",
            groups="sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=other_company.ids,
        )
        with self.assertRaises(AccessError):
            quote.with_user(other_manager).with_context(
                allowed_company_ids=other_company.ids
            ).action_accept_deal_currency_exception()
        self.assertFalse(quote.deal_currency_accepted_id)

    def test_manager_accepts_and_the_decision_is_recorded(self):
        quote = self._usd_quote()
        quote.with_user(self.manager).action_accept_deal_currency_exception()
        self.assertTrue(quote.deal_currency_accepted)
        self.assertEqual(quote.deal_currency_accepted_id, self.usd)
        self.assertEqual(quote.deal_currency_accepted_for_id, self.eur)
        self.assertEqual(quote.deal_currency_accepted_by_id, self.manager)
        self.assertTrue(quote.deal_currency_accepted_on)
        self.assertIn("has no pricelist in EUR", quote.deal_currency_accepted_reason)
        self.assertIn("Dana Whitfield accepted this quotation in USD", quote.message_ids[0].body)
        self.assertIn("accepted by Dana Whitfield", quote.deal_currency_message)
        self.assertFalse(quote.cpq_blocking_message)
        quote.action_quotation_sent()
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")

    def test_acceptance_holds_for_its_currencies_only(self):
        quote = self._usd_quote()
        quote.with_user(self.manager).action_accept_deal_currency_exception()
        quote.action_quotation_sent()
        self.assertTrue(quote._has_to_be_signed())
        # The deal moves to yen: the dollar quotation needs a new decision, the customer
        # cannot sign it meanwhile.
        self.deal.deal_currency_id = self.jpy
        quote.invalidate_recordset()
        self.assertFalse(quote.deal_currency_accepted)
        self.assertFalse(quote._has_to_be_signed())
        with self.assertRaisesRegex(UserError, "negotiated in JPY"):
            quote.action_quotation_sent()
        self.deal.deal_currency_id = self.eur
        quote.invalidate_recordset()
        self.assertTrue(quote.deal_currency_accepted)
        # The quotation moves to another currency: same.
        quote.pricelist_id = self.pricelist_kwd
        self.assertFalse(quote.deal_currency_accepted)
        with self.assertRaisesRegex(UserError, "is in KWD"):
            quote.action_confirm()

    def test_copy_asks_again_revision_keeps_it(self):
        quote = self._usd_quote()
        quote.with_user(self.manager).action_accept_deal_currency_exception()
        copy = quote.copy()
        self.assertFalse(copy.deal_currency_accepted_id)
        self.assertTrue(copy._deal_currency_blocks())
        quote.action_quotation_sent()
        action = quote.action_cpq_new_revision()
        revision = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(revision.currency_id, self.usd)
        self.assertEqual(revision.deal_currency_accepted_by_id, self.manager)
        self.assertTrue(revision.deal_currency_accepted)
        revision.with_user(self.salesman).action_quotation_sent()

    def test_nothing_to_accept_in_the_deal_currency(self):
        self._pricelist("Europe", self.eur)
        quote = self._usd_quote()
        self.assertEqual(quote.currency_id, self.eur)
        with self.assertRaisesRegex(UserError, "nothing to accept"):
            quote.with_user(self.manager).action_accept_deal_currency_exception()
        self.assertFalse(quote.deal_currency_accepted_id)

    def test_acceptance_is_all_or_nothing(self):
        self._pricelist("Europe", self.eur)
        in_eur = self._quote(self.deal, [(self.support, 1)])
        in_usd = self._quote(self.deal, [(self.support, 1)], pricelist_id=self.pricelist_usd.id)
        with self.assertRaisesRegex(UserError, "nothing to accept"):
            (in_usd | in_eur).with_user(self.manager).action_accept_deal_currency_exception()
        self.assertFalse(in_usd.deal_currency_accepted_id)

    def test_form_shows_the_warning_before_saving(self):
        form = self._new_quotation_form(self.deal)
        self.assertTrue(form.deal_currency_mismatch)
        self.assertIn("This quotation is in USD", form.deal_currency_message)
        view = self.env.ref("sale.view_order_form")
        arch = self.env["sale.order"].with_user(self.manager).get_views([(view.id, "form")])
        form_arch = arch["views"]["form"]["arch"]
        self.assertIn("action_accept_deal_currency_exception", form_arch)
        arch = self.env["sale.order"].with_user(self.salesman).get_views([(view.id, "form")])
        self.assertNotIn("action_accept_deal_currency_exception", arch["views"]["form"]["arch"])
        self.assertIn("action_use_deal_currency_pricelist", arch["views"]["form"]["arch"])
