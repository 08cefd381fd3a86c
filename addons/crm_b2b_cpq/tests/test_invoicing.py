from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestExactInvoices(CpqCommon):
    """Invoices made by stock's "Create invoice" wizard charge what the tier table says for the
    quantity invoiced, and the invoices of an order add up to its total, whatever the price
    precision and the currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.licence.invoice_policy = "delivery"
        # Tier prices here are around 10.00: a cost that keeps the quotations within policy.
        cls.licence.standard_price = 4.0
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 15%", "amount": 15.0, "type_tax_use": "sale"}
        )
        cls.kwd = cls.env.ref("base.KWD")
        cls._set_rate(cls.kwd, 0.3071)

    @classmethod
    def _set_rate(cls, currency, rate):
        """`currency`, made active, at `rate` units for one unit of the company's currency
        today (whatever rates the database has from today on)."""
        currency.active = True
        today = fields.Date.today()
        cls.env["res.currency.rate"].search(
            [("currency_id", "=", currency.id), ("name", ">=", today)]
        ).unlink()
        cls.env["res.currency.rate"].create(
            {"currency_id": currency.id, "rate": rate * cls.currency.rate, "name": today}
        )

    def _confirmed(self, qty, **values):
        quote = self._quote([(self.licence, qty)], **values)
        quote.with_user(self.salesman).action_confirm()
        self.assertEqual(quote.state, "sale")
        return quote

    def _create_invoices(self, order, user=None):
        """Invoice what `order` has to invoice with stock's "Create invoice" wizard, as `user`
        (the test's own user when none is given)."""
        wizards = self.env["sale.advance.payment.inv"]
        if user:
            wizards = wizards.with_user(user)
        wizard = wizards.with_context(active_model="sale.order", active_ids=order.ids).create(
            {"advance_payment_method": "delivered"}
        )
        wizard.create_invoices()

    def _invoice(self, order, delivered):
        """Deliver up to `delivered` units and invoice them with stock's wizard, as the rep."""
        order.order_line.qty_delivered = delivered
        self._create_invoices(order, user=self.salesman)
        # Posted by the accounting (a salesperson drafts invoices, never posts them).
        invoice = order.with_env(self.env).invoice_ids.sorted("id")[-1]
        invoice.action_post()
        return invoice

    def _check_invoices(self, order, deliveries, expected_untaxed):
        order = order.with_env(self.env)
        invoices = self.env["account.move"]
        for delivered in deliveries:
            invoices |= self._invoice(order, delivered)
        self.assertEqual(len(invoices), len(deliveries))
        currency = order.currency_id
        for invoice in invoices:
            self.assertEqual(invoice.currency_id, currency)
            self.assertEqual(invoice.amount_untaxed, currency.round(invoice.amount_untaxed))
        self.assertEqual(
            currency.compare_amounts(sum(invoices.mapped("amount_untaxed")), expected_untaxed),
            0,
            f"{invoices.mapped('amount_untaxed')} do not add up to {expected_untaxed}",
        )
        self.assertEqual(
            currency.compare_amounts(sum(invoices.mapped("amount_total")), order.amount_total),
            0,
        )
        self.assertEqual(order.order_line.qty_invoiced, order.order_line.product_uom_qty)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertTrue(currency.is_zero(order.amount_to_invoice))
        self.assertTrue(currency.is_zero(order.order_line.untaxed_amount_to_invoice))
        self.assertEqual(currency.compare_amounts(order.amount_invoiced, order.amount_total), 0)
        return invoices

    def test_graduated_tiers_invoiced_in_one_and_in_two_invoices(self):
        # 100 units at 10.00 and the 101st at 9.00: 1,009.00 (the unit price shows 9.99).
        self._tiered_rule(self.licence, "graduated", [(101, 9.0)], fixed_price=10.0)
        order = self._confirmed(101)
        self.assertEqual(order.order_line.price_unit, 9.99)
        self.assertEqual(order.amount_untaxed, 1009.0)
        invoice = self._check_invoices(order, [101], 1009.0)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 9.99)
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, 1009.0)

        order = self._confirmed(101)
        first, second = self._check_invoices(order, [40, 101], 1009.0)
        # 40 units are 399.60 of 1,009.00 (40 x 9.990099...), the 61 others 609.40.
        self.assertEqual(first.amount_untaxed, 399.6)
        self.assertEqual(second.amount_untaxed, 609.4)

    def test_blocks_invoiced_in_two_invoices(self):
        # 499 units in blocks of 100: 5 blocks at 950.00 are 4,750.00 (the unit price shows 9.52).
        self._tiered_rule(
            self.licence, "block", [(100, 950.0)], fixed_price=10.0, cpq_block_size=100
        )
        order = self._confirmed(499)
        self.assertEqual(order.order_line.price_unit, 9.52)
        first, second = self._check_invoices(order, [250, 499], 4750.0)
        self.assertEqual(first.amount_untaxed + second.amount_untaxed, 4750.0)
        self.assertNotEqual(first.amount_untaxed, 250 * 9.52)

    def test_taxes_on_the_exact_amount(self):
        self.licence.taxes_id = self.tax
        self._tiered_rule(
            self.licence, "block", [(100, 950.0)], fixed_price=10.0, cpq_block_size=100
        )
        order = self._confirmed(499)
        self.assertEqual(order.amount_untaxed, 4750.0)
        self.assertEqual(order.amount_tax, 712.5)
        invoices = self._check_invoices(order, [100, 300, 499], 4750.0)
        self.assertEqual(sum(invoices.mapped("amount_tax")), 712.5)

    def test_kuwaiti_dinar_invoiced_exactly_without_changing_the_precision(self):
        self.assertEqual(self.env["decimal.precision"].precision_get("Product Price"), 2)
        pricelist = self.env["product.pricelist"].create(
            {"name": "B2B KWD", "currency_id": self.kwd.id}
        )
        self._tiered_rule(
            self.licence,
            "graduated",
            [(10, ("%", 7.5))],
            pricelist=pricelist,
            compute_price="percentage",
            percent_price=3.0,
        )
        # 100 dollars are 30.710 dinars, 3% off 29.7887: 9 units are 268.098 dinars, not
        # 9 x 29.79 = 268.110.
        order = self._confirmed(9, pricelist=pricelist)
        self.assertEqual(order.currency_id, self.kwd)
        self.assertEqual(order.order_line.price_unit, 29.79)
        self.assertEqual(order.amount_untaxed, 268.098)
        self._check_invoices(order, [9], 268.098)
        order = self._confirmed(9, pricelist=pricelist)
        first, _second = self._check_invoices(order, [4, 9], 268.098)
        self.assertEqual(first.amount_untaxed, 119.155)

    def _rated(self, currency, rate):
        """`currency` at `rate` units for one unit of the company's currency today."""
        self.assertNotEqual(currency, self.currency)
        self._set_rate(currency, rate)
        return self.env["product.pricelist"].create(
            {"name": f"B2B {currency.name}", "currency_id": currency.id}
        )

    def test_a_price_converted_into_cents_is_priced_and_invoiced_as_stock_does(self):
        """Without quantity tiers, a price converted into a two-decimal currency is the unit
        price shown, as in stock Odoo (its sale test_sale_report_foreign_currency): 3 units of a
        100.00 list price at a rate of 1/3 are 3 x 33.33 = 99.99, not 3 x 33.333... = 100.00."""
        pricelist = self._rated(self.env.ref("base.CHF"), 1 / 3)
        self.assertEqual(pricelist.currency_id.decimal_places, 2)
        order = self._confirmed(3, pricelist=pricelist)
        line = order.order_line
        self.assertEqual(line.price_unit, 33.33)
        self.assertAlmostEqual(line.cpq_exact_price, 100 / 3)
        self.assertIsNone(line._cpq_exact_unit_price())
        self.assertEqual(line.price_subtotal, 99.99)
        self.assertEqual(order.amount_total, 99.99)
        self.assertBuildUpAddsUp(line)
        invoice = self._check_invoices(order, [3], 99.99)
        self.assertFalse(invoice.invoice_line_ids.cpq_exact_price_unit)
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, 99.99)

        # Quantity tiers on the rule make the price: the amount is what the tier table says.
        self._tiered_rule(
            self.licence,
            "graduated",
            [(10, ("%", 10.0))],
            pricelist=pricelist,
            compute_price="percentage",
            percent_price=0.0,
        )
        order = self._confirmed(3, pricelist=pricelist)
        self.assertEqual(order.order_line.price_unit, 33.33)
        self.assertEqual(order.amount_untaxed, 100.0)
        self._check_invoices(order, [3], 100.0)

    def test_a_price_converted_into_dinars_keeps_its_third_decimal(self):
        # No tiers, but unit prices have two decimals and the dinar three: 100.00 dollars are
        # 30.714 dinars, shown as 30.71; 3 units are 92.142 dinars, not 92.130.
        pricelist = self._rated(self.kwd, 0.30714)
        order = self._confirmed(3, pricelist=pricelist)
        self.assertEqual(order.order_line.price_unit, 30.71)
        self.assertEqual(order.amount_untaxed, 92.142)
        self._check_invoices(order, [3], 92.142)

    def test_low_price_precision(self):
        # Prices with one decimal: the unit price shows 10.0, 101 units still cost 1,009.00.
        self.env.ref("product.decimal_price").digits = 1
        self._tiered_rule(self.licence, "graduated", [(101, 9.0)], fixed_price=10.0)
        order = self._confirmed(101)
        self.assertEqual(order.order_line.price_unit, 10.0)
        self.assertEqual(order.amount_untaxed, 1009.0)
        first, _second, _third = self._check_invoices(order, [1, 50, 101], 1009.0)
        self.assertEqual(first.invoice_line_ids.price_unit, 10.0)
        self.assertEqual(first.amount_untaxed, 9.99)

    def _order_invoiced_as_ordered(self):
        """A confirmed order of 101 licences on graduated tiers (100 at 10.00, the 101st at
        9.00: 1,009.00), invoiced in full by stock's wizard once the licence is invoiced as
        ordered; its invoice is left in draft."""
        self._tiered_rule(self.licence, "graduated", [(101, 9.0)], fixed_price=10.0)
        order = self._confirmed(101).with_env(self.env)
        self.licence.invoice_policy = "order"
        self._create_invoices(order)
        return order

    def test_a_changed_price_is_invoiced_as_shown(self):
        order = self._order_invoiced_as_ordered()
        line = order.invoice_ids.invoice_line_ids
        self.assertEqual(line.price_subtotal, 1009.0)
        # The accountant changes the unit price: the amounts follow what is shown.
        order.invoice_ids.write(
            {"invoice_line_ids": [Command.update(line.id, {"price_unit": 9.98})]}
        )
        self.assertEqual(line.price_subtotal, 1007.98)
        self.assertEqual(order.invoice_ids.amount_untaxed, 1007.98)
        # Unit prices of lines without tiers are untouched.
        plain = self._confirmed(3)
        self.assertFalse(plain.order_line._cpq_exact_unit_price())

    def test_the_exact_price_is_not_written_afterwards(self):
        """Only the quotation sets an invoice line's exact price: a write of it (directly or
        through the invoice's lines) is refused, on a draft and once posted."""
        order = self._order_invoiced_as_ordered()
        invoice = order.invoice_ids
        line = invoice.invoice_line_ids
        exact = line.cpq_exact_price_unit
        self.assertTrue(exact)
        with self.assertRaises(UserError):
            line.write({"cpq_exact_price_unit": exact + 0.004})
        with self.assertRaises(UserError):
            invoice.write(
                {"invoice_line_ids": [Command.update(line.id, {"cpq_exact_price_unit": 9.0})]}
            )
        self.assertEqual(line.price_subtotal, 1009.0)
        invoice.action_post()
        with self.assertRaises(UserError):
            line.write({"cpq_exact_price_unit": False})
        self.assertEqual(invoice.amount_untaxed, 1009.0)
