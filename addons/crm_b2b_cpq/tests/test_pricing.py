from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestQuantityTiers(CpqCommon):
    """Tiers at their boundaries: one below a threshold, exactly at it, one above."""

    def _prices(self, product, quantities):
        quote = self._quote([(product, qty) for qty in quantities])
        for line in quote.order_line:
            self.assertBuildUpAddsUp(line)
        return quote.order_line

    def test_volume_tiers(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0), (50, 80.0)])
        lines = self._prices(self.licence, [9, 10, 11, 49, 50, 51])
        self.assertEqual(lines.mapped("price_unit"), [100, 90, 90, 90, 80, 80])
        self.assertEqual(lines.mapped("cpq_tier_id.min_quantity"), [10, 50])
        self.assertFalse(lines[0].cpq_tier_id)
        self.assertEqual(lines[1].cpq_tier_id.min_quantity, 10)
        self.assertEqual(lines[4].cpq_tier_id.min_quantity, 50)
        # Build-up of 10 units: list 1000, rule 1000 (fixed 100), tier -100.
        self.assertEqual(
            (lines[1].cpq_list_amount, lines[1].cpq_rule_amount, lines[1].cpq_tier_amount),
            (1000, 0, -100),
        )
        self.assertEqual(lines[1].cpq_manual_amount, 0)
        self.assertIn("Volume tier from 10", lines[1].cpq_tier_note)
        self.assertFalse(lines[0].cpq_tier_note)

    def test_graduated_tiers(self):
        self._tiered_rule(self.licence, "graduated", [(10, 90.0), (50, 80.0)])
        lines = self._prices(self.licence, [9, 10, 11, 49, 50, 51])
        expected_totals = [
            9 * 100,
            9 * 100 + 1 * 90,
            9 * 100 + 2 * 90,
            9 * 100 + 40 * 90,
            9 * 100 + 40 * 90 + 1 * 80,
            9 * 100 + 40 * 90 + 2 * 80,
        ]
        for line, total in zip(lines, expected_totals, strict=True):
            self.assertAlmostEqual(
                line.price_unit, round(total / line.product_uom_qty, 2), places=2
            )
            # The unit price carries two decimals: the subtotal is within a cent per unit.
            self.assertLessEqual(abs(line.price_subtotal - total), 0.005 * line.product_uom_qty)
        self.assertEqual(lines[1].price_subtotal, 990)
        self.assertEqual(lines[1].cpq_tier_breakdown["segments"], [[9.0, 100.0], [1.0, 90.0]])
        self.assertEqual(lines[4].cpq_tier_id.min_quantity, 50)
        self.assertIn("9.00", lines[2].cpq_tier_note)
        self.assertFalse(lines[0].cpq_tier_id)

    def test_block_pricing(self):
        self._tiered_rule(self.licence, "block", [(50, 900.0)], cpq_block_size=10)
        lines = self._prices(self.licence, [9, 10, 11, 49, 50, 51])
        # 1 block of 10 at 1000 (10 x 100) for 9 and 10 units, 2 blocks for 11, 5 for 49,
        # from 50 units a block costs 900: 5 blocks for 50, 6 for 51.
        expected_totals = [1000, 1000, 2000, 5000, 4500, 5400]
        for line, total in zip(lines, expected_totals, strict=True):
            self.assertAlmostEqual(line.price_unit, round(total / line.product_uom_qty, 2))
            self.assertLessEqual(abs(line.price_subtotal - total), 0.005 * line.product_uom_qty)
        self.assertEqual(lines[1].price_subtotal, 1000)
        self.assertEqual(lines[4].price_subtotal, 4500)
        self.assertEqual(lines[2].cpq_tier_breakdown["segments"], [[2, 1000.0]])
        self.assertIn("2 blocks of 10", lines[2].cpq_tier_note)
        self.assertFalse(lines[3].cpq_tier_id)
        self.assertEqual(lines[5].cpq_tier_id.min_quantity, 50)

    def test_graduated_total_is_exact(self):
        # 100 units at 10.00 and the 101st at 9.00: 1,009.00, though 1009 / 101 = 9.990099...
        self._tiered_rule(self.licence, "graduated", [(101, 9.0)], fixed_price=10.0)
        line = self._prices(self.licence, [101])
        self.assertEqual(line.price_unit, 9.99)
        self.assertEqual(line.price_subtotal, 1009.0)
        self.assertEqual(line.cpq_manual_amount, 0)
        self.assertEqual(line.cpq_manual_discount, 0)
        self.assertEqual(line.order_id.cpq_discount_amount, 0)
        # A price the salesperson changes is theirs: its amounts follow the unit price shown.
        line.price_unit = 9.5
        self.assertEqual(line.price_subtotal, 959.5)

    def test_block_total_is_exact(self):
        # 499 units in blocks of 100: 5 blocks at 950.00 are 4,750.00 (4750 / 499 = 9.519...).
        self._tiered_rule(
            self.licence, "block", [(100, 950.0)], fixed_price=10.0, cpq_block_size=100
        )
        line = self._prices(self.licence, [499])
        self.assertEqual(line.price_unit, 9.52)
        self.assertEqual(line.price_subtotal, 4750.0)
        self.assertEqual(line.order_id.amount_untaxed, 4750.0)

    def test_percentage_tiers_on_a_percentage_rule(self):
        item = self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "1_product",
                "product_tmpl_id": self.licence.product_tmpl_id.id,
                "compute_price": "percentage",
                "percent_price": 10.0,
                "cpq_tier_mode": "volume",
                "cpq_tier_ids": [
                    Command.create(
                        {"min_quantity": 25, "compute_price": "percentage", "percent_discount": 20}
                    )
                ],
            }
        )
        lines = self._prices(self.licence, [24, 25])
        self.assertEqual(lines.mapped("price_unit"), [90.0, 72.0])
        self.assertEqual(lines.mapped("cpq_price_rule_id"), item)
        self.assertEqual(lines[1].cpq_rule_amount, 25 * 90 - 25 * 100)
        self.assertEqual(lines[1].cpq_tier_amount, 25 * 72 - 25 * 90)

    def test_tiers_on_every_pricing_path(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        # The pricelist engine itself (catalog, website, any caller).
        self.assertEqual(self.pricelist._get_product_price(self.licence, 10), 90)
        self.assertEqual(self.pricelist._get_product_price(self.licence, 9), 100)
        # The quotation form (onchange).
        with Form(self.env["sale.order"].with_user(self.salesman)) as form:
            form.partner_id = self.customer
            form.pricelist_id = self.pricelist
            with form.order_line.new() as line:
                line.product_id = self.licence
                line.product_uom_qty = 10
                self.assertEqual(line.price_unit, 90)
                line.product_uom_qty = 9
                self.assertEqual(line.price_unit, 100)
        # A create through RPC, then a quantity change.
        quote = self._quote([(self.licence, 9)])
        quote.order_line.with_user(self.salesman).write({"product_uom_qty": 12})
        self.assertEqual(quote.order_line.price_unit, 90)
        self.assertEqual(quote.order_line.cpq_tier_id.min_quantity, 10)

    def test_tiers_in_the_product_unit_of_measure(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        quote = self._quote([(self.licence, 1, {"product_uom": self.uom_dozen.id})])
        line = quote.order_line
        # One dozen is 12 units, past the tier from 10 units: 90 a unit, 1080 a dozen.
        self.assertAlmostEqual(line.price_unit, 1080)
        self.assertEqual(line.cpq_tier_id.min_quantity, 10)
        self.assertBuildUpAddsUp(line)

    def test_build_up_with_manual_changes(self):
        self._tiered_rule(self.licence, "volume", [(10, 90.0)])
        quote = self._quote([(self.licence, 20)])
        line = quote.order_line
        line.write({"price_unit": 85.0, "discount": 5.0})
        # list 2000, tiers -200, manual: 20 x 85 x 0.95 = 1615 against 1800 -> -185.
        self.assertEqual(line.cpq_list_amount, 2000)
        self.assertEqual(line.cpq_tier_amount, -200)
        self.assertEqual(line.cpq_manual_amount, -185)
        self.assertEqual(line.price_subtotal, 1615)
        self.assertAlmostEqual(line.cpq_manual_discount, (1 - 80.75 / 90) * 100, places=2)
        self.assertBuildUpAddsUp(line)
        # A markup is a negative manual discount.
        line.write({"price_unit": 95.0, "discount": 0.0})
        self.assertLess(line.cpq_manual_discount, 0)
        self.assertEqual(quote.cpq_max_discount, 0)

    def test_build_up_is_written_by_pricing_only(self):
        quote = self._quote([(self.licence, 5)])
        for values in (
            {"cpq_system_price": 1.0},
            {"cpq_manual_discount": 0.0},
            {"cpq_tier_breakdown": {"mode": "volume"}},
            {"cpq_manual_amount": 0.0},
        ):
            with self.assertRaises(AccessError):
                quote.order_line.with_user(self.salesman).write(values)
        with self.assertRaises(AccessError):
            self.env["sale.order.line"].with_user(self.salesman).create(
                {"order_id": quote.id, "product_id": self.licence.id, "cpq_system_price": 1.0}
            )
        self.assertEqual(quote.order_line.cpq_system_price, 100)

    def test_pricelist_rule_showing_its_discount(self):
        self.env.ref("base.user_root").groups_id += self.env.ref("sale.group_discount_per_so_line")
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "1_product",
                "product_tmpl_id": self.support.product_tmpl_id.id,
                "compute_price": "percentage",
                "percent_price": 12.5,
            }
        )
        quote = self._quote([(self.support, 3)])
        line = quote.order_line
        self.assertEqual((line.price_unit, line.discount), (1200, 12.5))
        # Shown to the customer as a discount, but it is the pricelist's, not a manual one.
        self.assertEqual(line.cpq_manual_amount, 0)
        self.assertEqual(line.cpq_manual_discount, 0)
        self.assertEqual(line.cpq_rule_amount, -450)
        self.assertBuildUpAddsUp(line)

    def test_bundle_priced_as_bundle_or_per_component(self):
        combo = self.env["product.combo"].create(
            {
                "name": "Storage",
                "combo_item_ids": [
                    Command.create({"product_id": self.server.id, "extra_price": 0.0})
                ],
            }
        )
        bundle = self.env["product.product"].create(
            {
                "name": "Edge Starter Bundle",
                "type": "combo",
                "list_price": 4000.0,
                "combo_ids": [Command.link(combo.id)],
                "taxes_id": [Command.clear()],
            }
        )
        quote = self._quote([(bundle, 2)])
        parent = quote.order_line
        quote.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.server.id,
                            "product_uom_qty": 2,
                            "combo_item_id": combo.combo_item_ids.id,
                            "linked_line_id": parent.id,
                        }
                    )
                ]
            }
        )
        component = quote.order_line - parent
        self.assertEqual(component.price_unit, 4000)
        self.assertEqual(component.cpq_price_source, "bundle")
        self.assertBuildUpAddsUp(component)
        self.assertFalse(quote._cpq_configuration_issues())

        bundle.product_tmpl_id.cpq_bundle_pricing = "component"
        quote._recompute_prices()
        self.assertEqual(component.price_unit, 5000)
        self.assertEqual(component.cpq_price_source, "list")
        self.assertBuildUpAddsUp(component)


@tagged("post_install", "-at_install")
class TestCurrencies(CpqCommon):
    """Zero- and three-decimal currencies: every step is rounded in the quote's currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jpy = cls.env.ref("base.JPY")
        cls.kwd = cls.env.ref("base.KWD")
        (cls.jpy | cls.kwd).active = True
        today = fields.Date.today()
        cls.env["res.currency.rate"].search(
            [("currency_id", "in", (cls.jpy | cls.kwd).ids), ("name", ">=", today)]
        ).unlink()
        cls.env["res.currency.rate"].create(
            [
                {"currency_id": cls.jpy.id, "rate": 151.37 * cls.currency.rate, "name": today},
                {"currency_id": cls.kwd.id, "rate": 0.3071 * cls.currency.rate, "name": today},
            ]
        )

    def _check_currency(self, currency, list_price_in_currency):
        pricelist = self.env["product.pricelist"].create(
            {"name": f"B2B {currency.name}", "currency_id": currency.id}
        )
        self._tiered_rule(
            self.licence,
            "graduated",
            [(10, ("%", 7.5)), (25, ("%", 12.5))],
            pricelist=pricelist,
            compute_price="percentage",
            percent_price=3.0,
        )
        quote = self._quote([(self.licence, qty) for qty in (9, 10, 11, 37)], pricelist=pricelist)
        self.assertEqual(quote.currency_id, currency)
        for line in quote.order_line:
            digits = self.env["decimal.precision"].precision_get("Product Price")
            self.assertEqual(line.cpq_list_price, round(list_price_in_currency, digits))
            self.assertBuildUpAddsUp(line)
            self.assertEqual(line.price_subtotal, currency.round(line.price_subtotal))
        self.assertFalse(quote.order_line[0].cpq_tier_id)
        self.assertTrue(quote.order_line[1].cpq_tier_id)
        self.assertTrue(all(currency.is_zero(line.cpq_manual_amount) for line in quote.order_line))
        return quote

    def test_yen_without_decimals(self):
        quote = self._check_currency(self.jpy, 100 * 151.37)
        self.assertEqual(self.jpy.decimal_places, 0)
        for line in quote.order_line:
            for amount in (line.cpq_list_amount, line.cpq_tier_amount, line.price_subtotal):
                self.assertEqual(amount, int(amount))

    def test_kuwaiti_dinar_exact_without_changing_the_price_precision(self):
        self.assertEqual(self.env["decimal.precision"].precision_get("Product Price"), 2)
        quote = self._check_currency(self.kwd, 100 * 0.3071)
        # 100 dollars are 30.710 dinars; 3% off is 29.7887: 9 units are 268.098 dinars exactly,
        # not 9 x 29.79 = 268.110.
        line = quote.order_line[0]
        self.assertEqual(line.price_unit, 29.79)
        self.assertEqual(line.price_subtotal, self.kwd.round(9 * 30.71 * 0.97))
        self.assertEqual(line.price_subtotal, 268.098)

    def test_kuwaiti_dinar_with_three_decimals(self):
        # Where prices have three decimals, unit prices carry them too.
        self.env.ref("product.decimal_price").digits = 3
        quote = self._check_currency(self.kwd, 100 * 0.3071)
        self.assertEqual(self.kwd.decimal_places, 3)
        amounts = quote.order_line.mapped("cpq_tier_amount") + quote.order_line.mapped(
            "price_subtotal"
        )
        self.assertTrue(any(amount != round(amount, 2) for amount in amounts), amounts)


@tagged("post_install", "-at_install")
class TestContractPrices(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tiered_rule(cls.licence, "volume", [(10, 90.0)])
        cls.contract = cls.env["cpq.contract"].create(
            {
                "name": "Northwind framework agreement 2025",
                "partner_id": cls.customer.id,
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "line_ids": [
                    Command.create(
                        {"product_tmpl_id": cls.licence.product_tmpl_id.id, "price": 70}
                    ),
                    Command.create(
                        {
                            "product_tmpl_id": cls.licence.product_tmpl_id.id,
                            "min_quantity": 100,
                            "price": 60,
                        }
                    ),
                ],
            }
        )

    def _price_on(self, date_order, qty=10, partner=None, tz=False):
        partner = partner or self.customer
        partner.tz = tz
        quote = self._quote([(self.licence, qty)], partner=partner, date_order=date_order)
        self.assertBuildUpAddsUp(quote.order_line)
        return quote.order_line

    def test_contract_takes_precedence_while_valid(self):
        line = self._price_on("2025-06-15 10:00:00")
        self.assertEqual(line.price_unit, 70)
        self.assertEqual(line.cpq_price_source, "contract")
        self.assertEqual(line.cpq_contract_price_id.contract_id, self.contract)
        self.assertFalse(line.cpq_price_rule_id)
        self.assertEqual((line.cpq_list_amount, line.cpq_rule_amount), (1000, -300))
        self.assertEqual(self._price_on("2025-06-15 10:00:00", qty=100).price_unit, 60)
        self.assertEqual(self._price_on("2025-06-15 10:00:00", qty=99).price_unit, 70)

    def test_validity_dates_are_inclusive(self):
        self.assertEqual(self._price_on("2024-12-31 12:00:00").price_unit, 90)
        self.assertEqual(self._price_on("2025-01-01 12:00:00").price_unit, 70)
        self.assertEqual(self._price_on("2025-12-31 12:00:00").price_unit, 70)
        self.assertEqual(self._price_on("2026-01-01 12:00:00").price_unit, 90)

    def test_validity_in_the_customers_time_zone(self):
        # 23:30 UTC on the last day is already the next day in Tokyo, still the day in New York.
        self.assertEqual(self._price_on("2025-12-31 23:30:00", tz="Asia/Tokyo").price_unit, 90)
        self.assertEqual(
            self._price_on("2025-12-31 23:30:00", tz="America/New_York").price_unit, 70
        )

    def test_contract_applies_to_contacts_not_to_others(self):
        line = self._price_on("2025-06-15 10:00:00", partner=self.customer_contact)
        self.assertEqual(line.price_unit, 70)
        other = self.env["res.partner"].create({"name": "Southwind Freight", "is_company": True})
        self.assertEqual(self._price_on("2025-06-15 10:00:00", partner=other).price_unit, 90)

    def test_variant_price_beats_template_price(self):
        self.contract.line_ids = [
            Command.create(
                {
                    "product_tmpl_id": self.licence.product_tmpl_id.id,
                    "product_id": self.licence.id,
                    "price": 65,
                }
            )
        ]
        self.assertEqual(self._price_on("2025-06-15 10:00:00").price_unit, 65)

    def test_archived_or_other_company_contract_is_ignored(self):
        self.contract.active = False
        self.assertEqual(self._price_on("2025-06-15 10:00:00").price_unit, 90)
        self.contract.active = True
        other_company = self.env["res.company"].create({"name": "Northwind Supplier BV"})
        self.contract.company_id = other_company
        self.assertEqual(self._price_on("2025-06-15 10:00:00").price_unit, 90)

    def test_contract_in_another_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search(
            [("currency_id", "=", eur.id), ("name", ">=", "2025-06-15")]
        ).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.5 * self.currency.rate, "name": "2025-06-14"}
        )
        self.contract.currency_id = eur
        # 70 EUR at 0.5 EUR per company currency unit is 140.
        self.assertEqual(self._price_on("2025-06-15 10:00:00").price_unit, 140)

    def test_contract_rules(self):
        with self.assertRaisesRegex(Exception, "ends before it starts"):
            self.contract.date_end = "2024-01-01"
        with self.assertRaisesRegex(Exception, "not one of its contacts"):
            self.contract.partner_id = self.customer_contact
