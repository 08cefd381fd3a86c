from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CpqCommon, create_attribute, create_configurable_template


@tagged("post_install", "-at_install")
class TestConfigurationRules(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cpu = create_attribute(cls.env, "Processor", "always", ["Single CPU", "Dual CPU"])
        cls.psu = create_attribute(
            cls.env, "Power Supply", "no_variant", ["Standard PSU", "Redundant PSU"]
        )
        cls.chassis = create_attribute(cls.env, "Chassis", "no_variant", ["Rack 1U", "Fanless"])
        cls.template = create_configurable_template(
            cls.env,
            "EdgeNode R2 Server",
            (cls.cpu, cls.psu, cls.chassis),
            list_price=5000.0,
            standard_price=3000.0,
            taxes_id=[Command.clear()],
        )
        cls.rail_kit = cls.env["product.product"].create(
            {"name": "Sliding Rail Kit", "list_price": 120.0, "taxes_id": [Command.clear()]}
        )
        cls.legacy = cls.env["product.product"].create(
            {"name": "Legacy Fleet Tracker Licence", "list_price": 80.0}
        )
        cls.dual = cls._ptav("Dual CPU")
        cls.single = cls._ptav("Single CPU")
        cls.redundant = cls._ptav("Redundant PSU")
        cls.standard = cls._ptav("Standard PSU")
        cls.fanless = cls._ptav("Fanless")
        cls.rack = cls._ptav("Rack 1U")
        rule = cls.env["cpq.config.rule"]
        cls.rule_psu = rule.create(
            {
                "name": "Dual CPU needs the redundant power supply",
                "rule_type": "requires",
                "product_tmpl_id": cls.template.id,
                "ptav_ids": [Command.set(cls.dual.ids)],
                "target_ptav_ids": [Command.set(cls.redundant.ids)],
            }
        )
        cls.rule_rails = rule.create(
            {
                "name": "Servers ship with rails",
                "rule_type": "requires",
                "product_tmpl_id": cls.template.id,
                "target_product_tmpl_ids": [Command.set(cls.rail_kit.product_tmpl_id.ids)],
            }
        )
        cls.rule_fanless = rule.create(
            {
                "name": "Dual CPU cannot be fanless",
                "rule_type": "excludes",
                "product_tmpl_id": cls.template.id,
                "ptav_ids": [Command.set(cls.dual.ids)],
                "target_ptav_ids": [Command.set(cls.fanless.ids)],
                "explanation": "thermal limit",
            }
        )
        cls.rule_legacy = rule.create(
            {
                "name": "One tracker generation per fleet",
                "rule_type": "excludes",
                "product_tmpl_id": cls.licence.product_tmpl_id.id,
                "target_product_tmpl_ids": [Command.set(cls.legacy.product_tmpl_id.ids)],
            }
        )
        cls.rule_qty = rule.create(
            {
                "name": "Licences by 5 to 500",
                "rule_type": "quantity",
                "product_tmpl_id": cls.licence.product_tmpl_id.id,
                "min_quantity": 5,
                "max_quantity": 500,
            }
        )

    @classmethod
    def _ptav(cls, name):
        return cls.template.attribute_line_ids.product_template_value_ids.filtered(
            lambda ptav: ptav.name == name
        )

    def _server_line(self, cpu, options, qty=1):
        variant = self.template.product_variant_ids.filtered(
            lambda p: cpu in p.product_template_attribute_value_ids
        )
        return (
            variant,
            qty,
            {"product_no_variant_attribute_value_ids": [Command.set(options.ids)]},
        )

    def test_valid_configuration(self):
        quote = self._quote(
            [
                self._server_line(self.dual, self.redundant | self.rack),
                (self.rail_kit, 1),
                (self.licence, 10),
            ]
        )
        self.assertEqual(quote._cpq_configuration_issues(), [])
        self.assertFalse(quote.cpq_config_issues)
        quote.action_quotation_sent()
        self.assertEqual(quote.state, "sent")

    def test_requires_an_option_on_the_same_line(self):
        quote = self._quote(
            [self._server_line(self.dual, self.standard | self.rack), (self.rail_kit, 1)]
        )
        issues = quote._cpq_configuration_issues()
        self.assertEqual(len(issues), 1)
        self.assertIn("Dual CPU needs the redundant power supply", issues[0])
        self.assertIn("line 1 (EdgeNode R2 Server (Dual CPU))", issues[0])
        self.assertIn("Redundant PSU", issues[0])
        # The single-CPU server does not need it.
        quote.order_line[0].product_id = self.template.product_variant_ids.filtered(
            lambda p: self.single in p.product_template_attribute_value_ids
        )
        self.assertEqual(quote._cpq_configuration_issues(), [])

    def test_requires_another_product(self):
        quote = self._quote([self._server_line(self.single, self.standard | self.rack)])
        issues = quote._cpq_configuration_issues()
        self.assertEqual(len(issues), 1)
        self.assertIn("Servers ship with rails", issues[0])
        self.assertIn("Sliding Rail Kit", issues[0])

    def test_excludes_an_option(self):
        quote = self._quote(
            [self._server_line(self.dual, self.redundant | self.fanless), (self.rail_kit, 1)]
        )
        issues = quote._cpq_configuration_issues()
        self.assertEqual(len(issues), 1)
        self.assertIn("Rule “Dual CPU cannot be fanless” (thermal limit)", issues[0])
        self.assertIn("Fanless", issues[0])

    def test_excludes_across_products(self):
        quote = self._quote([(self.licence, 10), (self.support, 1), (self.legacy, 3)])
        issues = quote._cpq_configuration_issues()
        self.assertEqual(len(issues), 1)
        self.assertIn("One tracker generation per fleet", issues[0])
        self.assertIn("line 1 (Fleet Analytics Licence)", issues[0])
        self.assertIn("line 3 (Legacy Fleet Tracker Licence)", issues[0])

    def test_quantity_limits_over_the_whole_quote(self):
        expectations = {4: True, 5: False, 500: False, 501: True}
        for qty, broken in expectations.items():
            with self.subTest(qty=qty):
                quote = self._quote([(self.licence, qty)])
                self.assertEqual(bool(quote._cpq_configuration_issues()), broken)
        quote = self._quote([(self.licence, 300), (self.licence, 201)])
        issues = quote._cpq_configuration_issues()
        self.assertIn("total 501", issues[0])
        self.assertIn("line 1", issues[0])
        self.assertIn("line 2", issues[0])

    def test_broken_rule_blocks_sending_and_confirming_not_printing(self):
        quote = self._quote([self._server_line(self.dual, self.standard)])
        for action in (
            quote.action_quotation_send,
            quote.action_quotation_sent,
            quote.action_confirm,
        ):
            with self.assertRaisesRegex(UserError, "Dual CPU needs the redundant power supply"):
                action()
        quote.require_signature = True
        self.assertFalse(quote._has_to_be_signed())
        self.assertTrue(quote.cpq_blocking_message)
        html, _fmt = self.env["ir.actions.report"]._render_qweb_pdf(
            "sale.action_report_saleorder", quote.ids
        )
        self.assertIn("Configuration:", str(html))
        quote.write(
            {
                "order_line": [
                    Command.update(
                        quote.order_line.id,
                        {
                            "product_no_variant_attribute_value_ids": [
                                Command.set((self.redundant | self.rack).ids)
                            ]
                        },
                    ),
                    Command.create({"product_id": self.rail_kit.id}),
                ]
            }
        )
        quote.action_confirm()
        self.assertEqual(quote.state, "sale")

    def test_archived_and_foreign_rules_do_not_apply(self):
        self.rule_qty.active = False
        self.assertEqual(self._quote([(self.licence, 1)])._cpq_configuration_issues(), [])
        self.rule_qty.write(
            {"active": True, "company_id": self.env["res.company"].create({"name": "Other Co"}).id}
        )
        self.assertEqual(self._quote([(self.licence, 1)])._cpq_configuration_issues(), [])

    def test_rule_definitions_are_checked(self):
        rule = self.env["cpq.config.rule"]
        with self.assertRaisesRegex(ValidationError, "which options or products"):
            rule.create(
                {"name": "Empty", "rule_type": "requires", "product_tmpl_id": self.template.id}
            )
        with self.assertRaisesRegex(ValidationError, "minimum and/or a maximum"):
            rule.create(
                {
                    "name": "Upside down",
                    "rule_type": "quantity",
                    "product_tmpl_id": self.template.id,
                    "min_quantity": 10,
                    "max_quantity": 2,
                }
            )
        with self.assertRaisesRegex(ValidationError, "its own other products"):
            rule.create(
                {
                    "name": "Self",
                    "rule_type": "excludes",
                    "product_tmpl_id": self.template.id,
                    "target_product_tmpl_ids": [Command.set(self.template.ids)],
                }
            )


@tagged("post_install", "-at_install")
class TestBundles(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ssd = cls.env["product.product"].create({"name": "NVMe 2 TB", "list_price": 400.0})
        cls.hdd = cls.env["product.product"].create({"name": "HDD 8 TB", "list_price": 250.0})
        cls.storage = cls.env["product.combo"].create(
            {
                "name": "Storage",
                "combo_item_ids": [
                    Command.create({"product_id": cls.ssd.id}),
                    Command.create({"product_id": cls.hdd.id}),
                ],
            }
        )
        cls.compute = cls.env["product.combo"].create(
            {"name": "Compute", "combo_item_ids": [Command.create({"product_id": cls.server.id})]}
        )
        cls.bundle = cls.env["product.product"].create(
            {
                "name": "Edge Site Bundle",
                "type": "combo",
                "list_price": 5200.0,
                "combo_ids": [Command.set((cls.compute | cls.storage).ids)],
                "taxes_id": [Command.clear()],
            }
        )

    def _bundle_quote(self, components, qty=2):
        quote = self._quote([(self.bundle, qty)])
        parent = quote.order_line
        quote.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": item.product_id.id,
                            "product_uom_qty": item_qty,
                            "combo_item_id": item.id,
                            "linked_line_id": parent.id,
                        }
                    )
                    for item, item_qty in components
                ]
            }
        )
        return quote

    def test_complete_bundle(self):
        quote = self._bundle_quote(
            [(self.compute.combo_item_ids, 2), (self.storage.combo_item_ids[0], 2)]
        )
        self.assertEqual(quote._cpq_configuration_issues(), [])
        self.assertEqual(quote.amount_untaxed, 2 * 5200)
        for line in quote.order_line:
            self.assertBuildUpAddsUp(line)

    def test_bundle_missing_a_choice_or_with_a_wrong_quantity(self):
        quote = self._bundle_quote([(self.compute.combo_item_ids, 2)])
        issues = quote._cpq_configuration_issues()
        self.assertEqual(len(issues), 1)
        self.assertIn("line 1 (Edge Site Bundle) has no component chosen for Storage", issues[0])
        with self.assertRaisesRegex(UserError, "no component chosen for Storage"):
            quote.action_confirm()

        quote = self._bundle_quote(
            [(self.compute.combo_item_ids, 2), (self.storage.combo_item_ids[1], 3)]
        )
        issues = quote._cpq_configuration_issues()
        self.assertIn("must have the bundle's quantity", issues[0])
        self.assertIn("HDD 8 TB", issues[0])

        quote = self._bundle_quote(
            [
                (self.compute.combo_item_ids, 2),
                (self.storage.combo_item_ids[0], 2),
                (self.storage.combo_item_ids[1], 2),
            ]
        )
        self.assertIn("more than one component", quote._cpq_configuration_issues()[0])

    def test_bundle_priced_per_component(self):
        self.bundle.product_tmpl_id.cpq_bundle_pricing = "component"
        self._tiered_rule(self.ssd, "volume", [(2, 350.0)], fixed_price=400.0)
        quote = self._bundle_quote(
            [(self.compute.combo_item_ids, 2), (self.storage.combo_item_ids[0], 2)]
        )
        prices = {line.product_id: line.price_unit for line in quote.order_line}
        self.assertEqual(prices, {self.bundle: 0, self.server: 5000, self.ssd: 350})
        ssd_line = quote.order_line.filtered(lambda line: line.product_id == self.ssd)
        self.assertEqual(ssd_line.cpq_tier_id.min_quantity, 2)
        self.assertEqual(quote.amount_untaxed, 2 * 5000 + 2 * 350)
