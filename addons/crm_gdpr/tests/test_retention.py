from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestRetention(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.team = cls.env["crm.team"].create({"name": "Retention team"})
        with freeze_time("2022-01-10"):
            cls.old_lost = Lead.create(
                [
                    {
                        "name": f"Old lost {i}",
                        "contact_name": f"Old Person {i}",
                        "email_from": f"old{i}@example.com",
                        "phone": "+32 470 00 00 0%s" % i,
                        "team_id": cls.team.id,
                    }
                    for i in range(5)
                ]
            )
            cls.old_lost.action_set_lost()
            cls.old_lost[0].message_post(body="Old Person 0 said no thanks")
            cls.old_active = Lead.create(
                {
                    "name": "Old but open",
                    "contact_name": "Still Talking",
                    "email_from": "talking@example.com",
                    "team_id": cls.team.id,
                }
            )
            cls.env.flush_all()
        with freeze_time("2024-11-01"):
            cls.recent_lost = Lead.create(
                {
                    "name": "Recent lost",
                    "contact_name": "Recent Person",
                    "email_from": "recent@example.com",
                    "team_id": cls.team.id,
                }
            )
            cls.recent_lost.action_set_lost()
            cls.env.flush_all()
        cls.rule = cls.env["crm.gdpr.retention.rule"].create(
            {
                "name": "Lost leads untouched for 24 months",
                "model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "domain": f"[('active', '=', False), ('probability', '=', 0), "
                f"('team_id', '=', {cls.team.id})]",
                "date_field_id": cls.env.ref("crm.field_crm_lead__write_date").id,
                "months": 24,
                "action": "anonymise",
                "batch_size": 3,
            }
        )
        # The ORM stamps write_date with the transaction time: age the rows in SQL.
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env.cr.execute(
            "UPDATE crm_lead SET write_date = '2022-01-10' WHERE id = ANY(%s)",
            ((cls.old_lost | cls.old_active).ids,),
        )
        cls.env.cr.execute(
            "UPDATE crm_lead SET write_date = '2024-11-01' WHERE id = %s", (cls.recent_lost.id,)
        )
        cls.env.invalidate_all()

    @freeze_time("2025-01-15")
    def test_preview_then_batches_then_nothing(self):
        self.assertEqual(self.rule.preview_count, 5)
        action = self.rule.action_preview()
        preview = self.env["crm.lead"].with_context(active_test=False).search(action["domain"])
        self.assertEqual(preview, self.old_lost)
        self.assertEqual(self.rule._apply(), 3)
        self.assertEqual(self.rule._apply(), 2)
        self.env.invalidate_all()
        for lead in self.old_lost:
            self.assertTrue(lead.gdpr_anonymised)
            self.assertFalse(lead.contact_name or lead.email_from or lead.phone)
        self.assertNotIn("Old Person 0", str(self.old_lost[0].message_ids.mapped("body")))
        # A second run changes nothing at all.
        snapshot = [(lead.id, lead.write_date) for lead in self.old_lost]
        self.assertEqual(self.rule._apply(), 0)
        self.assertEqual(self.rule.last_count, 0)
        self.assertEqual(self.rule.total_count, 5)
        self.env.invalidate_all()
        self.assertEqual([(lead.id, lead.write_date) for lead in self.old_lost], snapshot)
        # The open lead and the recent loss are untouched.
        self.assertEqual(self.old_active.contact_name, "Still Talking")
        self.assertEqual(self.recent_lost.contact_name, "Recent Person")

    @freeze_time("2025-01-15")
    def test_cron_runs_every_active_rule_and_is_idempotent(self):
        self.env["crm.gdpr.retention.rule"].search([("id", "!=", self.rule.id)]).active = False
        self.rule.batch_size = 100
        Rule = self.env["crm.gdpr.retention.rule"]
        Rule._cron_apply()
        self.assertEqual(self.rule.total_count, 5)
        Rule._cron_apply()
        self.assertEqual(self.rule.total_count, 5)
        self.assertEqual(self.rule.last_count, 0)
        self.rule.active = False
        self.assertFalse(Rule.search([("id", "=", self.rule.id)]))

    def test_bad_rules_are_refused(self):
        Rule = self.env["crm.gdpr.retention.rule"]
        base = {
            "name": "Bad",
            "model_id": self.env["ir.model"]._get_id("crm.lead"),
            "date_field_id": self.env.ref("crm.field_crm_lead__write_date").id,
        }
        for values in (
            {"months": 0},
            {"batch_size": 0},
            {"domain": "[('no_such_field', '=', 1)]"},
            {"date_field_id": self.env.ref("base.field_res_partner__write_date").id},
            {"model_id": self.env["ir.model"]._get_id("res.currency")},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Rule.create(dict(base, **values))

    @freeze_time("2025-01-15")
    def test_contacts_with_invoices_or_users_are_never_touched(self):
        partner = self.env["res.partner"].create(
            {"name": "Old Customer", "email": "oc@example.com"}
        )
        user = self.env["res.users"].create(
            {
                "name": "Old Portal",
                "login": "old.portal@example.com",
                "groups_id": [(6, 0, self.env.ref("base.group_portal").ids)],
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = '2019-01-01' WHERE id = ANY(%s)",
            ([partner.id, user.partner_id.id],),
        )
        self.env.invalidate_all()
        rule = self.env["crm.gdpr.retention.rule"].create(
            {
                "name": "Old contacts",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain": f"[('id', 'in', {[partner.id, user.partner_id.id]})]",
                "date_field_id": self.env.ref("base.field_res_partner__write_date").id,
                "months": 24,
            }
        )
        self.assertEqual(rule.preview_count, 1)
        rule._apply()
        self.assertTrue(partner.gdpr_anonymised)
        self.assertEqual(partner.name, "Anonymised contact")
        self.assertEqual(user.partner_id.name, "Old Portal")


@tagged("post_install", "-at_install")
class TestRegister(GdprCase):
    def test_register_is_built_from_the_purposes(self):
        self.purpose_news.write(
            {
                "recipient_categories": "Newsletter delivery provider (processor)",
                "third_country_transfers": "None",
            }
        )
        purposes = self.purpose_news | self.purpose_sharing | self.purpose_service
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("crm_gdpr.report_processing_register", purposes.ids)[0]
            .decode()
        )
        self.assertIn("Register of processing activities", html)
        for purpose in purposes:
            self.assertIn(purpose.name, html)
        self.assertIn("Legitimate interests (Art. 6(1)(f))", html)
        self.assertIn("Newsletter delivery provider (processor)", html)
        self.assertIn('dir="ltr"', html)
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = purposes.action_print_register()
        self.assertEqual(action["report_name"], "crm_gdpr.report_processing_register")

    def test_register_right_to_left(self):
        self.env["res.lang"]._activate_lang("he_IL")
        html = (
            self.env["ir.actions.report"]
            .with_context(lang="he_IL")
            ._render_qweb_html("crm_gdpr.report_processing_register", self.purpose_news.ids)[0]
            .decode()
        )
        self.assertIn('dir="rtl"', html)
