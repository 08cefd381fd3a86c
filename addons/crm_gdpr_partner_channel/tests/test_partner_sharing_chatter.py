from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from .common import PartnerSharingCase


@tagged("post_install", "-at_install")
class TestPartnerSharingChatter(PartnerSharingCase):
    """Without the person's consent to be shared with partners, the chatter tells the partner
    nothing of them: not the tracking values (old -> new) of their contact fields in public
    messages, not the recipients of the vendor's messages to them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jane Customer", "email": "jane.customer@customer-corp.example.com"}
        )
        cls.lead_a.partner_id = cls.customer

    def _portal_messages(self):
        return (
            self.env["mail.message"]
            .with_user(self.user_a_sales)
            .search([("model", "=", "crm.lead"), ("res_id", "=", self.lead_a.id)])
        )

    def _tracked_changes(self, values):
        self.env.cr.precommit.data.pop("mail.tracking.crm.lead", None)
        self.lead_a.with_user(self.salesman).write(values)
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_tracking_of_the_person_is_not_shown_without_consent(self):
        self.assertNotIn(self.lead_a, self.lead_a._channel_may_share_personal_data())
        # the person's name (tracked by crm) changes with the stage: one public message
        self._tracked_changes({"stage_id": self.stage_qualified.id, "contact_name": "Jane Newname"})
        message = self.lead_a.message_ids.filtered(
            lambda m: "contact_name" in m.sudo().tracking_value_ids.field_id.mapped("name")
        )
        self.assertTrue(message)
        self.assertIn(message, self._portal_messages())
        shown = message.sudo().tracking_value_ids._filter_has_field_access(
            self.env(user=self.user_a_sales)
        )
        self.assertEqual(shown.field_id.mapped("name"), ["stage_id"])
        data = str(Store(self._portal_messages(), for_current_user=True).get_result())
        self.assertIn("Channel Qualified", data)
        self.assertNotIn("Jane Newname", data)
        self.assertNotIn("Jane Customer", data)

    def test_vendor_message_to_the_person_is_not_shown_without_consent(self):
        message = self.lead_a.with_user(self.salesman).message_post(
            body="Here is the quote we discussed.",
            partner_ids=self.customer.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertNotIn(message, self._portal_messages())
        data = str(Store(self._portal_messages(), for_current_user=True).get_result())
        self.assertNotIn("Jane Customer", data)
        # with consent, the partner reads it, recipients included
        self.record_consent(self.lead_a)
        self.assertIn(message, self._portal_messages())
