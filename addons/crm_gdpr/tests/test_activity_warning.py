from odoo.tests import Form, tagged

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestActivityWarning(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_type = cls.env["mail.activity.type"].create(
            {
                "name": "Offer call",
                "category": "phonecall",
                "gdpr_channel_id": cls.channel_phone.id,
                "gdpr_purpose_id": cls.purpose_news.id,
            }
        )
        cls.plain_type = cls.env["mail.activity.type"].create({"name": "Internal follow-up"})
        Lead = cls.env["crm.lead"]
        cls.lead_no = Lead.create(
            {"name": "Roofing", "contact_name": "Karl Weber", "email_from": "karl.weber@example.de"}
        )
        cls.lead_yes = Lead.create(
            {"name": "Fencing", "contact_name": "Eva Horvat", "email_from": "eva.horvat@example.hr"}
        )
        subject = cls.env["crm.gdpr.subject"]._find_or_create(email="eva.horvat@example.hr")
        subject._set_consents(cls.purpose_news, cls.channel_phone, "given", "phone", note="ok")

    def _scheduler(self, leads, activity_type):
        form = Form(
            self.env["mail.activity.schedule"].with_context(
                active_model="crm.lead", active_ids=leads.ids
            )
        )
        form.activity_type_id = activity_type
        return form

    def test_marketing_call_without_phone_consent_warns(self):
        form = self._scheduler(self.lead_no, self.call_type)
        self.assertIn("has not agreed to be contacted by Phone", form.gdpr_consent_warning)
        self.assertIn("No consent was given.", form.gdpr_consent_warning)
        self.assertFalse(self._scheduler(self.lead_yes, self.call_type).gdpr_consent_warning)
        self.assertFalse(self._scheduler(self.lead_no, self.plain_type).gdpr_consent_warning)
        batch = self._scheduler(self.lead_no | self.lead_yes, self.call_type)
        self.assertIn("1 of the 2 people", batch.gdpr_consent_warning)

    def test_warning_is_kept_on_the_activity_and_shown_when_chosen(self):
        activity = self.lead_no.activity_schedule(activity_type_id=self.call_type.id)
        self.assertIn("Roofing has not agreed", activity.gdpr_consent_warning)
        ok = self.lead_yes.activity_schedule(activity_type_id=self.call_type.id)
        self.assertFalse(ok.gdpr_consent_warning)
        # Scheduling stays possible: it warns, it does not block.
        self.assertTrue(activity.exists())
        result = activity._onchange_gdpr_consent_warning()
        self.assertIn("Roofing", result["warning"]["message"])
        self.assertIsNone(ok._onchange_gdpr_consent_warning())

    def test_withdrawn_phone_consent_warns_with_the_reason(self):
        self.lead_yes.gdpr_consent_ids.filtered(
            lambda c: c.channel_id == self.channel_phone
        ).action_withdraw()
        activity = self.lead_yes.activity_schedule(activity_type_id=self.call_type.id)
        self.assertIn("The consent was withdrawn.", activity.gdpr_consent_warning)
