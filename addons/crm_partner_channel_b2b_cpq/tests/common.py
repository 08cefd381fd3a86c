from odoo.fields import Command

from odoo.addons.crm_b2b_cpq.tests.common import create_attribute, create_configurable_template
from odoo.addons.mail.tests.common import mail_new_test_user


class ChannelQuoteFixtures:
    """Two reseller companies (a tier with a reseller discount), their portal users by role, a
    vendor team with a discount policy and an approver, a catalogue (a configurable server under
    a configuration rule, a licence, a product not open to partners), and deals accepted by
    each reseller. Built once per class; mixed into TransactionCase and HttpCase (before them:
    `class TestX(ChannelQuoteFixtures, TransactionCase)`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_channel_quotes()

    @classmethod
    def _setup_channel_quotes(cls):
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = env.company
        cls.currency = cls.company.currency_id
        env["res.partner"].search([("grade_id", "!=", False)]).write({"grade_id": False})
        env["crm.channel.routing.rule"].search([]).write({"active": False})
        cls.company.channel_fallback_partner_id = False
        cls.gold = env["res.partner.grade"].create(
            {
                "name": "Gold Quote Test",
                "partner_weight": 10,
                "channel_reseller_discount": 20.0,
                "channel_quote_max_discount": 25.0,
            }
        )
        cls.partner_a = env["res.partner"].create(
            {
                "name": "Northwind Integrators",
                "is_company": True,
                "grade_id": cls.gold.id,
                "email": "hello@northwind-int.example.com",
            }
        )
        cls.partner_b = env["res.partner"].create(
            {
                "name": "Contoso Partners",
                "is_company": True,
                "grade_id": cls.gold.id,
                "email": "hello@contoso.example.com",
            }
        )
        cls.user_a_manager = cls._portal_user(
            "pq_a_manager", "Anna Manager", cls.partner_a, "manager"
        )
        cls.user_a_sales = cls._portal_user(
            "pq_a_sales", "Arne Sales", cls.partner_a, "salesperson"
        )
        cls.user_a_sales2 = cls._portal_user(
            "pq_a_sales2", "Aline Sales", cls.partner_a, "salesperson"
        )
        cls.user_b_manager = cls._portal_user(
            "pq_b_manager", "Bruno Manager", cls.partner_b, "manager"
        )
        cls.vendor_rep = mail_new_test_user(
            env,
            login="pq_vendor_rep",
            name="Sam Vendor",
            email="sam.vendor@example.com",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.approver = mail_new_test_user(
            env,
            login="pq_approver",
            name="Alma Approver",
            email="alma@example.com",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.team = env["crm.team"].create(
            {"name": "Channel Sales", "user_id": cls.approver.id, "company_id": cls.company.id}
        )
        env["crm.team.member"].create({"crm_team_id": cls.team.id, "user_id": cls.vendor_rep.id})
        cls.policy = env["cpq.discount.policy"].create(
            {
                "name": "Channel Sales policy",
                "team_id": cls.team.id,
                "company_id": cls.company.id,
                "max_discount": 10.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(cls.approver.ids)],
            }
        )
        cls.pricelist = env["product.pricelist"].create(
            {"name": "Channel B2B", "currency_id": cls.currency.id, "company_id": False}
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Fabrikam Retail",
                "is_company": True,
                "email": "buyer@fabrikam.example",
                "property_product_pricelist": cls.pricelist.id,
            }
        )
        cls.tax = env["account.tax"].create(
            {
                "name": "Channel VAT 21",
                "amount": 21.0,
                "amount_type": "percent",
                "company_id": cls.company.id,
            }
        )
        cls.licence = env["product.product"].create(
            {
                "name": "Fleet Analytics Licence",
                "type": "service",
                "list_price": 100.0,
                "standard_price": 41.37,
                "channel_partner_ok": True,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.secret = env["product.product"].create(
            {
                "name": "Vendor-only Consulting Day",
                "type": "service",
                "channel_partner_ok": False,
                "list_price": 900.0,
                "standard_price": 500.0,
            }
        )
        cls.cpu = create_attribute(env, "Processor", "always", ["Single CPU", "Dual CPU"])
        cls.psu = create_attribute(
            env, "Power Supply", "no_variant", ["Standard PSU", "Redundant PSU"]
        )
        cls.server_tmpl = create_configurable_template(
            env,
            "EdgeNode R2 Server",
            (cls.cpu, cls.psu),
            list_price=5000.0,
            standard_price=3123.45,
            channel_partner_ok=True,
            taxes_id=[Command.set(cls.tax.ids)],
        )
        ptavs = cls.server_tmpl.attribute_line_ids.product_template_value_ids
        cls.dual = ptavs.filtered(lambda v: v.name == "Dual CPU")
        cls.redundant = ptavs.filtered(lambda v: v.name == "Redundant PSU")
        cls.standard = ptavs.filtered(lambda v: v.name == "Standard PSU")
        cls.server_dual = cls.server_tmpl.product_variant_ids.filtered(
            lambda p: cls.dual in p.product_template_attribute_value_ids
        )
        cls.rule_psu = env["cpq.config.rule"].create(
            {
                "name": "Dual CPU needs the redundant power supply",
                "rule_type": "requires",
                "product_tmpl_id": cls.server_tmpl.id,
                "ptav_ids": [Command.set(cls.dual.ids)],
                "target_ptav_ids": [Command.set(cls.redundant.ids)],
            }
        )
        cls.stage = env["crm.stage"].create({"name": "Quote Test Stage", "sequence": 1})
        cls.lead_a = cls._accepted_deal("Scanners for Antwerp", cls.partner_a, cls.user_a_sales)
        cls.lead_b = cls._accepted_deal("Tablets for Lyon", cls.partner_b, cls.user_b_manager)
        cls.lead_offered = cls._lead("Fit-out in Ghent")
        cls.lead_offered._channel_offer_manually(cls.partner_a)

    @classmethod
    def _portal_user(cls, login, name, company, role):
        user = mail_new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@partners.example.com",
            groups="base.group_portal",
        )
        user.partner_id.write({"parent_id": company.id, "channel_role": role})
        return user

    @classmethod
    def _lead(cls, name):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "lead",
                "partner_id": cls.customer.id,
                "partner_name": cls.customer.name,
                "user_id": cls.vendor_rep.id,
                "team_id": cls.team.id,
                "stage_id": cls.stage.id,
                "expected_revenue": 20000,
            }
        )

    @classmethod
    def _accepted_deal(cls, name, partner, user):
        lead = cls._lead(name)
        lead._channel_offer_manually(partner)
        lead.with_user(user).action_channel_accept()
        return lead

    def _new_quote(self, user=None, lead=None):
        user = user or self.user_a_sales
        lead = lead or self.lead_a
        return lead.with_user(user).action_channel_new_quote().sudo(False).with_user(user)

    def _licence_quote(self, qty, discount=None, user=None, lead=None):
        """A new quote of `user` on `lead` (as `_new_quote`) with one line of `qty` licences at
        `discount` percent, saved as the portal form saves it (values are the form's strings)."""
        quote = self._new_quote(user, lead)
        values = {"product": self.licence.id, "qty": qty}
        if discount is not None:
            values["discount"] = discount
        quote._channel_quote_save({"new": values})
        return quote

    def _customer_portal_user(self, login, password=None):
        """A portal user who is the customer itself (Fabrikam Buyer)."""
        values = {
            "login": login,
            "name": "Fabrikam Buyer",
            "partner_id": self.customer.id,
            "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
        }
        if password:
            values["password"] = password
        return self.env["res.users"].create(values)

    def snapshot(self, order):
        """What a tampered request could change on a quote, read as superuser."""
        order = order.sudo()
        order.invalidate_recordset()
        return {
            "state": order.state,
            "approval_state": order.approval_state,
            "channel_submitted": order.channel_submitted,
            "amount_total": order.amount_total,
            "lines": [
                (
                    line.id,
                    line.product_id.id,
                    line.product_uom_qty,
                    line.price_unit,
                    line.discount,
                    tuple(line.product_no_variant_attribute_value_ids.ids),
                )
                for line in order.order_line
            ],
        }
