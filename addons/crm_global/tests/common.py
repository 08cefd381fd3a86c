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
        # work in that company, as a user who selected it alone in the company switcher
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
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


class CrmGlobalValueCase(CrmGlobalCase):
    """Deals valued at today's rate, USD at 1.25 for one euro (1 USD = 0.80 EUR) since
    2026-01-01, and the log of the pipeline value's changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._drop_rates(cls.usd)
        cls._set_rate(cls.usd, "2026-01-01", 1.25)  # 1 USD = 0.80 EUR
        cls.company.crm_deal_rate_policy = "today"
        cls.Change = cls.env["crm.pipeline.value.change"]

    def _changes(self, leads):
        return self.Change.search([("lead_id", "in", leads.ids)], order="id")


class CrmGlobalTimeCase(TransactionCase):
    """Salespeople with their own working calendars and customers in given zones, with contact
    windows set by the test itself (never the shipped rows, which a manager may edit)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env["res.company"].create({"name": "Lumen Slots SAS"})
        cls.Window = cls.env["crm.contact.window"]
        cls.Window.search([]).unlink()
        cls.env["crm.public.holiday"].search([]).unlink()
        cls.default_window = cls.Window.create({"name": "Default", "hour_from": 9, "hour_to": 18})

    @classmethod
    def _window(cls, country_code, hour_from, hour_to, working="1111100"):
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        values = {day: flag == "1" for day, flag in zip(days, working, strict=True)}
        return cls.Window.create(
            {
                "name": country_code,
                "country_id": cls.env.ref(f"base.{country_code}").id,
                "hour_from": hour_from,
                "hour_to": hour_to,
                **values,
            }
        )

    @classmethod
    def _salesperson(cls, login, tz, hour_from=9, hour_to=17, working="1111100"):
        calendar = cls.env["resource.calendar"].create(
            {
                "name": f"{login} hours",
                "tz": tz,
                "company_id": cls.company.id,
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": "morning",
                        },
                    )
                    for day, flag in enumerate(working)
                    if flag == "1"
                ],
            }
        )
        user = new_test_user(
            cls.env,
            login=login,
            name=login.title(),
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            tz=tz,
        )
        cls.env["resource.resource"].create(
            {
                "name": user.name,
                "user_id": user.id,
                "calendar_id": calendar.id,
                "tz": tz,
                "company_id": cls.company.id,
            }
        )
        return user

    @classmethod
    def _customer(cls, name, country_code, tz=False):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "country_id": cls.env.ref(f"base.{country_code}").id,
                "tz": tz,
                "email": f"{name.split()[0].lower()}@example.com",
            }
        )
