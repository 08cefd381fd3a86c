import re

from odoo import modules
from odoo.tests import TransactionCase, new_test_user

# The CSRF token of a form in a page (HTTP tests post the forms of the pages they open).
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class GdprCase(TransactionCase):
    """Purposes, channels, people and users shared by the privacy tests. Built here, never taken
    from demo data, so the tests hold on a database with or without the other addons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.channel_email = cls.env.ref("crm_gdpr.channel_email")
        cls.channel_phone = cls.env.ref("crm_gdpr.channel_phone")
        cls.channel_sharing = cls.env.ref("crm_gdpr.channel_partner_sharing")
        cls.channel_profiling = cls.env.ref("crm_gdpr.channel_profiling")
        cls.company = cls.env.company
        # Mailings go through the queue: tests look at the mails, nothing is sent over SMTP.
        cls.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        # Tests decide the mailing default themselves.
        cls.env["crm.gdpr.purpose"].search([("is_mailing_default", "=", True)]).write(
            {"is_mailing_default": False}
        )
        cls.purpose_news = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Product newsletter",
                "description": "We send you our product news once a month.",
                "lawful_basis": "consent",
                "channel_ids": [(6, 0, (cls.channel_email | cls.channel_phone).ids)],
                "validity_months": 24,
                "is_mailing_default": True,
            }
        )
        cls.purpose_sharing = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Reseller follow-up",
                "description": "A certified reseller near you contacts you about your project.",
                "lawful_basis": "consent",
                "channel_ids": [(6, 0, cls.channel_sharing.ids)],
                "validity_months": 12,
            }
        )
        cls.purpose_service = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Service announcements",
                "description": "We tell customers about outages and changes to their service.",
                "lawful_basis": "legitimate_interests",
                "channel_ids": [(6, 0, cls.channel_email.ids)],
                "validity_months": 0,
            }
        )
        cls.user_sales = cls._new_user("gdpr_sales", "Priya Salesman")
        cls.user_dpo = cls._new_user(
            "gdpr_dpo",
            "Dana Protector",
            groups="sales_team.group_sale_salesman,crm_gdpr.group_gdpr_dpo",
        )
        cls.partner_anna = cls.env["res.partner"].create(
            {"name": "Anna Kowalska", "email": "anna.kowalska@example.pl", "lang": "en_US"}
        )
        cls.partner_ben = cls.env["res.partner"].create(
            {"name": "Benoit Lefebvre", "email": "benoit.lefebvre@example.fr"}
        )

    @classmethod
    def _new_user(cls, login, name, groups="sales_team.group_sale_salesman", **values):
        """An internal user (a salesperson unless `groups` says otherwise)."""
        return new_test_user(cls.env, login=login, name=name, groups=groups, **values)

    @classmethod
    def _new_portal_user(cls, login, name, email, password=None):
        """A portal user; `password` to sign in with in HTTP tests."""
        values = {"password": password} if password else {}
        return new_test_user(
            cls.env, login=login, name=name, email=email, groups="base.group_portal", **values
        )

    @classmethod
    def _give(cls, subject_or_partner, purpose, channels, state="given", source="phone", **ev):
        Subject = cls.env["crm.gdpr.subject"]
        subject = subject_or_partner
        if subject_or_partner._name == "res.partner":
            subject = Subject._find_or_create(partner=subject_or_partner)
        return subject._set_consents(purpose, channels, state, source=source, **ev)

    def _post_form(self, url, page, **data):
        """Post `data` to `url` with the CSRF token of the form in `page` (HTTP tests)."""
        return self.url_open(url, data=dict(data, csrf_token=CSRF.search(page.text).group(1)))

    def _withdraw_on_my_privacy(self, page, purpose, channel):
        """Withdraw one consent on /my/privacy, as the portal user who opened `page`."""
        return self._post_form(
            "/my/privacy",
            page,
            decision="withdraw",
            purpose_id=purpose.id,
            channel_id=channel.id,
        )

    def _verify(self):
        return self.env["crm.gdpr.receipt.check"]._run()


class SendTimeCase(GdprCase):
    """Anna agreed to the newsletter by email, Ben withdrew, Carla never answered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").email = "marketing@example.com"
        cls.partner_carla = cls.env["res.partner"].create(
            {"name": "Carla Rossi", "email": "carla.rossi@example.it"}
        )
        cls._give(cls.partner_anna, cls.purpose_news, cls.channel_email)
        cls.consent_ben = cls._give(cls.partner_ben, cls.purpose_news, cls.channel_email)
        cls.consent_ben.action_withdraw()
        cls.people = cls.partner_anna | cls.partner_ben | cls.partner_carla

    def setUp(self):
        super().setUp()
        # Odoo's own test runner sets this flag: mail is then "sent" without an SMTP server.
        # Set it here too, so that pytest runs behave the same.
        self.patch(modules.module, "current_test", True)

    def _send_queue(self):
        """Send what the queue holds now, as the mail job does."""
        self.env["mail.mail"].sudo().process_email_queue()

    def _mails(self, model, res_ids, **domain):
        extra = [(key, "=", value) for key, value in domain.items()]
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", model), ("res_id", "in", list(res_ids)), *extra])
        )
