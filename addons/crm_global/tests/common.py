from odoo.tests import TransactionCase, new_test_user


class CrmGlobalCase(TransactionCase):
    """A EUR company with its own rate table (so that rates of other tests or addons never
    leak in), a sales team, a salesperson and a won stage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.eur = cls.env.ref("base.EUR")
        cls.usd = cls.env.ref("base.USD")
        cls.jpy = cls.env.ref("base.JPY")
        cls.kwd = cls.env.ref("base.KWD")
        cls.brl = cls.env.ref("base.BRL")
        (cls.eur | cls.usd | cls.jpy | cls.kwd | cls.brl).active = True
        cls.company = cls._create_company("Lumen Trading GmbH", cls.eur)
        cls.user = new_test_user(
            cls.env,
            login="global_rep",
            name="Amira Haddad",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            tz="Europe/Paris",
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Export Desk", "company_id": cls.company.id, "user_id": cls.user.id}
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Qualified", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Signed", "sequence": 99, "is_won": True}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Ipanema Foods Ltda", "is_company": True}
        )

    @classmethod
    def _create_company(cls, name, currency):
        company = cls.env["res.company"].create({"name": name, "currency_id": currency.id})
        # the company currency is the base of this company's rate table
        cls.env["res.currency.rate"].create(
            {"currency_id": currency.id, "company_id": company.id, "name": "2000-01-01", "rate": 1}
        )
        return company

    @classmethod
    def _set_rate(cls, currency, day, rate, company=None):
        """`rate` units of `currency` for one unit of the company currency, on `day`."""
        return cls.env["res.currency.rate"].create(
            {
                "currency_id": currency.id,
                "company_id": (company or cls.company).id,
                "name": day,
                "rate": rate,
            }
        )

    @classmethod
    def _drop_rates(cls, currency):
        cls.env["res.currency.rate"].search([("currency_id", "=", currency.id)]).unlink()

    def _lead(self, **values):
        values = {
            "name": "Cold-chain containers",
            "type": "opportunity",
            "company_id": self.company.id,
            "user_id": self.user.id,
            "team_id": self.team.id,
            "stage_id": self.stage_new.id,
            "partner_id": self.customer.id,
            **values,
        }
        return self.env["crm.lead"].create(values)
