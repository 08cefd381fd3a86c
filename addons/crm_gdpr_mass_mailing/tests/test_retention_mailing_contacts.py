from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_gdpr.tests.common import GdprCase


@tagged("post_install", "-at_install")
class TestRetentionMailingContacts(GdprCase):
    @freeze_time("2025-01-15")
    def test_archive_and_delete_actions(self):
        contacts = self.env["mailing.contact"].create(
            [{"name": f"Reader {i}", "email": f"reader{i}@example.com"} for i in range(3)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mailing_contact SET write_date = '2020-01-01' WHERE id = ANY(%s)",
            (contacts[:2].ids,),
        )
        self.env.invalidate_all()
        rule = self.env["crm.gdpr.retention.rule"].create(
            {
                "name": "Old readers",
                "model_id": self.env["ir.model"]._get_id("mailing.contact"),
                "domain": f"[('id', 'in', {contacts.ids})]",
                "date_field_id": self.env.ref("mass_mailing.field_mailing_contact__write_date").id,
                "months": 36,
                "action": "delete",
            }
        )
        self.assertEqual(rule._apply(), 2)
        self.assertEqual(contacts.exists(), contacts[2])
        self.assertEqual(rule._apply(), 0)
