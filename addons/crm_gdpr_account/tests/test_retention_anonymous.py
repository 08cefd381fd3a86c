from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import GdprAccountingCase


@tagged("post_install", "-at_install")
class TestRetentionAnonymous(GdprAccountingCase):
    """Retention anonymises everything personal of a record, keeps it anonymous afterwards,
    and never touches what an invoice of the person's commercial entity or a legal hold
    keeps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Ingrid Halvorsen",
                "email": "ingrid.halvorsen@example.no",
                "phone": "+47 412 34 567",
            }
        )
        # Named the way stock's form names a lead made from a contact.
        cls.lost = cls.env["crm.lead"].create(
            {
                "name": "Opportunity of Ingrid Halvorsen",
                "partner_id": cls.person.id,
                "type": "opportunity",
            }
        )
        cls.lost.description = "<p>Ms Halvorsen asked us to call +47 41 23 45 67</p>"
        cls.lost.action_set_lost()
        cls.lead_rule = cls._rule("crm.lead", "crm.field_crm_lead__write_date", cls.lost)

    @classmethod
    def _rule(cls, model, date_field, records):
        return cls.env["crm.gdpr.retention.rule"].create(
            {
                "name": f"Old {model}",
                "model_id": cls.env["ir.model"]._get_id(model),
                "domain": f"[('id', 'in', {records.ids}), ('active', 'in', [True, False])]",
                "date_field_id": cls.env.ref(date_field).id,
                "months": 24,
            }
        )

    def _age(self, records):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = '2019-01-01' WHERE id = ANY(%s)",
                SQL.identifier(records._table),
                records.ids,
            )
        )
        self.env.invalidate_all()

    @freeze_time("2025-01-15")
    def test_anonymised_lost_lead_keeps_no_title_nor_contact(self):
        self.assertIn("Ingrid Halvorsen", self.lost.name)
        self.assertEqual(self.lost.email_from, "ingrid.halvorsen@example.no")
        self._age(self.lost)
        self.assertEqual(self.lead_rule.preview_count, 1)
        self.lead_rule._apply()
        self.env.invalidate_all()
        lost = self.lost.with_context(active_test=False)
        self.assertTrue(lost.gdpr_anonymised)
        self.assertNotIn("Ingrid", lost.name)
        self.assertNotIn("Halvorsen", lost.name)
        self.assertFalse(lost.partner_id)
        self.assertFalse(lost.email_from or lost.phone or lost.contact_name)
        self.assertFalse(lost.email_normalized or lost.phone_sanitized)
        self.assertFalse(lost.description)
        # It stays anonymous: the contact changing copies nothing into it, and it cannot be
        # given a person again.
        self.person.write({"email": "ingrid.new@example.no", "phone": "+47 999 99 999"})
        self.env.flush_all()
        self.assertFalse(lost.email_from or lost.phone)
        with self.assertRaises(ValidationError):
            lost.partner_id = self.person
        with self.assertRaises(ValidationError):
            lost.email_from = "someone@example.no"
            lost.flush_recordset()

    @freeze_time("2025-01-15")
    def test_billing_address_of_an_invoiced_person_is_kept(self):
        billing = self.env["res.partner"].create(
            {
                "name": "Ingrid Halvorsen (billing)",
                "type": "invoice",
                "parent_id": self.person.id,
                "email": "billing.ingrid@example.no",
            }
        )
        invoice = self._invoice(billing, 300)
        self.assertEqual(invoice.commercial_partner_id, self.person)
        self._age(self.person | billing)
        rule = self._rule(
            "res.partner", "base.field_res_partner__write_date", self.person | billing
        )
        self.assertEqual(rule.preview_count, 0)
        rule._apply()
        self.assertFalse(self.person.gdpr_anonymised)
        self.assertEqual(invoice.commercial_partner_id.name, "Ingrid Halvorsen")

    @freeze_time("2025-01-15")
    def test_retention_consults_legal_holds(self):
        other = self.env["res.partner"].create(
            {"name": "Nils Aasen", "email": "nils.aasen@example.no"}
        )
        request = self.env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": other.id,
                "company_id": self.acc_company.id,
                "date_received": "2025-01-02",
            }
        )
        self.env["crm.gdpr.legal.hold"].create(
            {
                "name": "Tax retention",
                "request_id": request.id,
                "subject_id": request.subject_id.id,
                "company_id": self.acc_company.id,
                "hold_until": "2030-01-01",
            }
        )
        self._age(other)
        rule = self._rule("res.partner", "base.field_res_partner__write_date", other)
        self.assertEqual(rule.preview_count, 0)
        rule._apply()
        self.assertEqual(other.name, "Nils Aasen")
