from odoo.fields import Command
from odoo.tests import Form, TransactionCase, new_test_user

from odoo.addons.crm_b2b_cpq.tests.common import CpqCommon

RATE_DAY = "2020-01-01"


class GlobalCpqCommon(TransactionCase):
    """A USD company with its own rate table (1 USD = 150 JPY = 0.305 KWD = 0.9 EUR, so that
    rates of other tests or addons never leak in), pricelists in USD, JPY and KWD (none in
    EUR), a team with a discount policy, a salesperson, a sales manager who approves, customers
    in Japan, Kuwait and Germany and products with costs. Shared pricelists of the database are
    archived so that only this company's pricelists compete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=True))
        cls.usd = cls.env.ref("base.USD")
        cls.jpy = cls.env.ref("base.JPY")
        cls.kwd = cls.env.ref("base.KWD")
        cls.eur = cls.env.ref("base.EUR")
        (cls.usd | cls.jpy | cls.kwd | cls.eur).active = True
        cls.company = cls.env["res.company"].create(
            {"name": "Pacific Rim Telematics Inc", "currency_id": cls.usd.id}
        )
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env["res.currency.rate"].create(
            [
                {
                    "currency_id": currency.id,
                    "company_id": cls.company.id,
                    "name": RATE_DAY,
                    "rate": rate,
                }
                for currency, rate in (
                    (cls.usd, 1.0),
                    (cls.jpy, 150.0),
                    (cls.kwd, 0.305),
                    (cls.eur, 0.9),
                )
            ]
        )
        cls.env["product.pricelist"].search([("company_id", "=", False)]).action_archive()
        cls.salesman = cls._user("gc_rep", "Kenji Watanabe", "sales_team.group_sale_salesman")
        cls.manager = cls._user("gc_manager", "Dana Whitfield", "sales_team.group_sale_manager")
        cls.team = cls.env["crm.team"].create(
            {"name": "Asia-Pacific Accounts", "company_id": cls.company.id, "user_id": False}
        )
        cls.policy = cls.env["cpq.discount.policy"].create(
            {
                "name": "Asia-Pacific policy",
                "team_id": cls.team.id,
                "company_id": cls.company.id,
                "max_discount": 10.0,
                "min_margin": 20.0,
                "approver_ids": [Command.set(cls.manager.ids)],
            }
        )
        cls.customer_jp = cls._customer("Kansai Cold Chain KK", "base.jp")
        cls.customer_kw = cls._customer("Al Sabah Logistics WLL", "base.kw")
        cls.customer_de = cls._customer("Hanse Kühlhaus GmbH", "base.de")
        cls.gateway = cls._product("Telematics Gateway G3", 450.0, 260.0)
        cls.licence = cls._product("Fleet Analytics Licence", 48.0, 9.0, product_type="service")
        cls.support = cls._product("Premium Support (year)", 9500.0, 3800.0, "service")
        cls.pricelist_usd = cls._pricelist("Pacific", cls.usd, sequence=1)
        cls.pricelist_jpy = cls._pricelist("Japan Export", cls.jpy, sequence=20)
        cls.pricelist_kwd = cls._pricelist("Gulf", cls.kwd, sequence=20)

    @classmethod
    def _user(cls, login, name, groups):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@pacific-rim.example.com",
            groups=f"{groups},product.group_product_pricelist,base.group_multi_currency",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _customer(cls, name, country_xmlid):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "country_id": cls.env.ref(country_xmlid).id,
                "email": f"purchasing@{name.split()[0].lower()}.example.com",
            }
        )

    @classmethod
    def _product(cls, name, price, cost, product_type="consu"):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": product_type,
                "list_price": price,
                "standard_price": cost,
                "taxes_id": [Command.clear()],
                "company_id": False,
            }
        )

    @classmethod
    def _pricelist(cls, name, currency, **values):
        return cls.env["product.pricelist"].create(
            {"name": name, "currency_id": currency.id, "company_id": cls.company.id, **values}
        )

    @classmethod
    def _deal(cls, currency, partner, amount=0.0, **values):
        return cls.env["crm.lead"].create(
            {
                "name": f"Telematics roll-out for {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
                "deal_currency_id": currency.id,
                "deal_amount": amount,
                **values,
            }
        )

    def _new_quotation_form(self, deal, user=None):
        """The form sale_crm's "New Quotation" button of the opportunity opens."""
        user = user or self.salesman
        action = deal.with_user(user).action_sale_quotations_new()
        self.assertEqual(action["res_model"], "sale.order")
        return Form(self.env["sale.order"].with_user(user).with_context(**action["context"]))

    def _quote(self, deal, lines, user=None, **values):
        """A quotation of `deal` created by RPC, without pricelist: `lines` [(product, qty[,
        {line values}])]."""
        user = user or self.salesman
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": deal.partner_id.id,
                    "opportunity_id": deal.id,
                    "user_id": user.id,
                    "team_id": self.team.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": line[0].id,
                                "product_uom_qty": line[1],
                                **(line[2] if len(line) > 2 else {}),
                            }
                        )
                        for line in lines
                    ],
                    **values,
                }
            )
        )

    def assertBuildUpAddsUp(self, line):
        # CPQ's own check: every build-up step is an amount of the quotation's currency and
        # they add up to the subtotal.
        CpqCommon.assertBuildUpAddsUp(self, line)
