from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSchema(TransactionCase):
    def test_columns_on_shared_models_accept_rows_from_other_modules(self):
        # Modules that do not depend on CPQ may be loaded before it during an update and create
        # products without knowing this column: it must not be NOT NULL.
        self.env.cr.execute(
            """SELECT is_nullable FROM information_schema.columns
                WHERE table_name = 'product_template' AND column_name = 'cpq_bundle_pricing'"""
        )
        self.assertEqual(self.env.cr.fetchone(), ("YES",))
        product = self.env["product.template"].create({"name": "Cable tray"})
        self.assertEqual(product.cpq_bundle_pricing, "bundle")
