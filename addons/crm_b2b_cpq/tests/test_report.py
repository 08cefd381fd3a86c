from datetime import date

from odoo.fields import Command
from odoo.tests import tagged

from .common import CpqCommon, create_attribute, create_configurable_template


@tagged("post_install", "-at_install")
class TestQuotePdf(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tiered_rule(cls.licence, "graduated", [(10, 90.0)])
        memory = create_attribute(cls.env, "Memory", "no_variant", ["64 GB", "128 GB"])
        cls.appliance = create_configurable_template(
            cls.env,
            "Gateway Appliance",
            memory,
            list_price=900.0,
            taxes_id=[Command.clear()],
        )
        cls.memory_128 = cls.appliance.attribute_line_ids.product_template_value_ids.filtered(
            lambda ptav: ptav.name == "128 GB"
        )

    def _render(self, quote):
        html, _fmt = self.env["ir.actions.report"]._render_qweb_pdf(
            "sale.action_report_saleorder", quote.ids
        )
        return html.decode() if isinstance(html, bytes) else str(html)

    def _pdf_quote(self, partner=None):
        return self._quote(
            [
                (self.licence, 12),
                (
                    self.appliance.product_variant_id,
                    2,
                    {"product_no_variant_attribute_value_ids": [Command.set(self.memory_128.ids)]},
                ),
            ],
            partner=partner,
            validity_date=date(2031, 5, 31),
        )

    def test_pdf_shows_configuration_tiers_validity_and_version(self):
        quote = self._pdf_quote()
        quote.action_quotation_sent()
        revision = self.env["sale.order"].browse(quote.action_cpq_new_revision()["res_id"])
        revision.validity_date = date(2031, 6, 30)
        html = self._render(revision)
        self.assertIn(revision.name, html)
        self.assertIn('name="cpq_revision"', html)
        self.assertIn("<bdi>1</bdi>", html)
        self.assertIn("Configuration:", html)
        self.assertIn("Memory: 128 GB", html)
        self.assertIn("Tier applied:", html)
        self.assertIn("Graduated tiers", html)
        self.assertIn("06/30/2031", html)
        self.assertIn('dir="ltr"', html)
        # The superseded version still prints, saying so.
        old = self._render(quote)
        self.assertIn("This version was superseded by", old)

    def test_pdf_right_to_left_in_the_customers_language(self):
        # What the customer reads, in their language: our labels as translated in ar.po/he.po.
        expected = {"ar_001": ("المراجعة", "التهيئة:"), "he_IL": ("מהדורה", "תצורה:")}
        for lang, labels in expected.items():
            with self.subTest(lang=lang):
                self.env["res.lang"]._activate_lang(lang)
                self.env["ir.module.module"]._load_module_terms(["crm_b2b_cpq"], [lang])
                self.customer_contact.lang = lang
                html = self._render(self._pdf_quote(partner=self.customer_contact))
                self.assertIn('dir="rtl"', html)
                for label in labels:
                    self.assertIn(label, html)
        # Printed by an English-speaking salesperson, for an English-speaking customer: ltr.
        self.customer_contact.lang = "en_US"
        html = self._render(self._pdf_quote(partner=self.customer_contact))
        self.assertIn('dir="ltr"', html)
        self.assertNotIn('dir="rtl"', html)
