"""Query budget of consent filtering, written the stock way (see crm's test_performances.py):
as a real marketing user with their record rules, after a warm-up run, and the same count
whether ten or forty people are mailed."""

from odoo.tests import new_test_user, tagged, users, warmup

from odoo.addons.crm_gdpr.tests.common import GdprCase


@tagged("post_install", "-at_install")
class TestConsentFilteringQueryBudget(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env,
            login="gdpr_perf_marketer",
            name="Mara Marketer",
            groups="sales_team.group_sale_salesman_all_leads,mass_mailing.group_mass_mailing_user",
        )

    @classmethod
    def _recipients(cls, count, start):
        """`count` leads, every other naming a person: half consented, a quarter pending,
        a quarter withdrew."""
        emails = [f"perf.lead.{start + index}@example.com" for index in range(count)]
        leads = cls.env["crm.lead"].create(
            [
                {"name": f"Perf lead {start + index}", "email_from": email}
                for index, email in enumerate(emails)
            ]
        )
        states = ("given", "given", "pending", "withdrawn")
        for index in range(0, count, 2):
            subject = cls.env["crm.gdpr.subject"].create(
                {"name": f"Perf person {start + index}", "email": emails[index]}
            )
            cls._give(subject, cls.purpose_news, cls.channel_email, state=states[index // 2 % 4])
        return leads

    @users("gdpr_perf_marketer")
    @warmup
    def test_consent_filtering(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring news",
                "body_html": "<p>News</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "gdpr_purpose_id": self.purpose_news.id,
            }
        )
        for count, start in ((10, 0), (40, 10)):
            leads = self._recipients(count, start).with_env(self.env)
            composer = self.env["mail.compose.message"].create(
                {
                    "composition_mode": "mass_mail",
                    "model": "crm.lead",
                    "res_ids": str(leads.ids),
                    "mass_mailing_id": mailing.id,
                    "subject": "Spring news",
                    "body": "<p>News</p>",
                }
            )
            values = {
                lead.id: {"email_to": lead.email_from, "subject": "News", "body_html": "<p>N</p>"}
                for lead in leads
            }
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(gdpr_perf_marketer=9):
                result = composer._process_mail_values_state(values)
            refused = [v for v in result.values() if v.get("failure_type", "").startswith("gdpr")]
            # only the people who consented are mailed: not those pending or withdrawn, nor
            # addresses without any consent
            consented = sum(1 for person in range(count // 2) if person % 4 in (0, 1))
            self.assertEqual(len(refused), count - consented)
