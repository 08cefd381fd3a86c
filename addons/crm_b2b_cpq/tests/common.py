from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


def print_quote_pdf(case, quote):
    """The quotation as wkhtmltopdf prints it (Odoo renders HTML under tests unless
    ``force_report_rendering`` is set); `case` checks that a PDF came out."""
    pdf, kind = (
        case.env["ir.actions.report"]
        .with_context(force_report_rendering=True)
        ._render_qweb_pdf("sale.action_report_saleorder", quote.ids)
    )
    case.assertEqual(kind, "pdf")
    case.assertTrue(pdf.startswith(b"%PDF-"))
    return pdf


def create_attribute(env, name, create_variant, value_names):
    """A product attribute `name` with its values `value_names`, in that order."""
    return env["product.attribute"].create(
        {
            "name": name,
            "create_variant": create_variant,
            "value_ids": [Command.create({"name": value}) for value in value_names],
        }
    )


def create_configurable_template(env, name, attributes, **values):
    """A product template `name` offering every value of each of `attributes`."""
    return env["product.template"].create(
        {
            "name": name,
            **values,
            "attribute_line_ids": [
                Command.create(
                    {"attribute_id": attr.id, "value_ids": [Command.set(attr.value_ids.ids)]}
                )
                for attr in attributes
            ],
        }
    )


class CpqCommon(TransactionCase):
    """Fixtures shared by the CPQ tests: a sales team with a discount policy, a salesperson, an
    approver, a customer with a contact, products with costs and a pricelist. Built once per
    class; no assumption on other records of the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.salesman = new_test_user(
            cls.env,
            login="cpq_rep",
            name="Rita Salesrep",
            groups="sales_team.group_sale_salesman_all_leads,base.group_partner_manager,"
            "product.group_product_pricelist,uom.group_uom",
            email="rita@example.com",
        )
        cls.salesman_2 = new_test_user(
            cls.env,
            login="cpq_rep2",
            name="Omar Secondrep",
            groups="sales_team.group_sale_salesman_all_leads",
            email="omar@example.com",
        )
        cls.approver = new_test_user(
            cls.env,
            login="cpq_approver",
            name="Alma Approver",
            groups="sales_team.group_sale_manager",
            email="alma@example.com",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Enterprise Accounts",
                "user_id": cls.approver.id,
                "company_id": cls.company.id,
            }
        )
        cls.policy = cls.env["cpq.discount.policy"].create(
            {
                "name": "Enterprise Accounts policy",
                "team_id": cls.team.id,
                "company_id": cls.company.id,
                "max_discount": 10.0,
                "min_margin": 20.0,
                "approver_ids": [Command.set(cls.approver.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northwind Logistics", "is_company": True, "email": "buy@northwind.example"}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Helen Park",
                "parent_id": cls.customer.id,
                "email": "helen.park@northwind.example",
            }
        )
        cls.uom_unit = cls.env.ref("uom.product_uom_unit")
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.licence = cls.env["product.product"].create(
            {
                "name": "Fleet Analytics Licence",
                "type": "service",
                "list_price": 100.0,
                "standard_price": 40.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.server = cls.env["product.product"].create(
            {
                "name": "EdgeNode Server",
                "type": "consu",
                "list_price": 5000.0,
                "standard_price": 3000.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.support = cls.env["product.product"].create(
            {
                "name": "Premium Support (year)",
                "type": "service",
                "list_price": 1200.0,
                "standard_price": 300.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "B2B Price List", "currency_id": cls.currency.id, "company_id": False}
        )

    @classmethod
    def _payment_transaction(cls, order, reference="CPQ-TX"):
        """A payment transaction for `order`, as any payment route creates one."""
        method = cls.env.ref("payment.payment_method_unknown")
        provider = cls.env["payment.provider"].create(
            {
                "name": "Test acquirer",
                "code": "none",
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        return (
            cls.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "reference": reference,
                    "amount": order.amount_total,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "operation": "online_redirect",
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )

    @classmethod
    def _quote(cls, lines, user=None, pricelist=None, partner=None, **values):
        """A quotation of `lines` [(product, qty[, {line values}])] made by `user`."""
        user = user or cls.salesman
        order_lines = []
        for line in lines:
            product, qty = line[0], line[1]
            extra = line[2] if len(line) > 2 else {}
            order_lines.append(
                Command.create({"product_id": product.id, "product_uom_qty": qty, **extra})
            )
        return (
            cls.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": (partner or cls.customer).id,
                    "pricelist_id": (pricelist or cls.pricelist).id,
                    "team_id": cls.team.id,
                    "user_id": user.id,
                    "order_line": order_lines,
                    **values,
                }
            )
        )

    @classmethod
    def _tiered_rule(cls, product, mode, tiers, pricelist=None, fixed_price=100.0, **values):
        """A fixed-price rule for `product` with tiers [(from qty, price)] (or percentages when
        the price is given as ('%', discount))."""
        tier_commands = []
        for min_quantity, price in tiers:
            if isinstance(price, tuple):
                tier_commands.append(
                    Command.create(
                        {
                            "min_quantity": min_quantity,
                            "compute_price": "percentage",
                            "percent_discount": price[1],
                        }
                    )
                )
            else:
                tier_commands.append(
                    Command.create(
                        {
                            "min_quantity": min_quantity,
                            "compute_price": "fixed",
                            "fixed_price": price,
                        }
                    )
                )
        return cls.env["product.pricelist.item"].create(
            {
                "pricelist_id": (pricelist or cls.pricelist).id,
                "applied_on": "0_product_variant",
                "product_id": product.id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "compute_price": "fixed",
                "fixed_price": fixed_price,
                "cpq_tier_mode": mode,
                "cpq_tier_ids": tier_commands,
                **values,
            }
        )

    def assertBuildUpAddsUp(self, line):
        """The build-up steps are amounts of the currency, and they add up to the subtotal."""
        currency = line.currency_id
        steps = [
            line.cpq_list_amount,
            line.cpq_rule_amount,
            line.cpq_tier_amount,
            line.cpq_manual_amount,
            line.cpq_tax_adjust_amount,
        ]
        for step in steps:
            self.assertTrue(currency.is_zero(step - currency.round(step)), f"{step} not rounded")
        self.assertEqual(
            currency.compare_amounts(sum(steps), line.price_subtotal),
            0,
            f"build-up {steps} does not add up to {line.price_subtotal}",
        )
