from odoo.tests import tagged

from .common import SendTimeCase


@tagged("post_install", "-at_install")
class TestWithdrawalAtSendTime(SendTimeCase):
    def test_composer_in_mass_mode_sends_marketing_only_to_people_who_agree(self):
        composer = (
            self.env["mail.compose.message"]
            .with_context(default_model="res.partner", active_ids=self.people.ids)
            .create(
                {
                    "composition_mode": "mass_mail",
                    "res_ids": self.people.ids,
                    "subject": "Our offers",
                    "body": "<p>Have a look at our offers.</p>",
                    "auto_delete": False,
                }
            )
        )
        composer.action_send_mail()
        mails = self._mails("res.partner", self.people.ids)
        self.assertEqual(len(mails), 3)
        self.assertTrue(all(mails.mapped("gdpr_marketing")))
        self._send_queue()
        state = {mail.res_id: (mail.state, mail.failure_type) for mail in mails}
        self.assertEqual(state[self.partner_anna.id], ("sent", False))
        self.assertEqual(state[self.partner_ben.id], ("cancel", "gdpr_withdrawn"))
        self.assertEqual(state[self.partner_carla.id], ("cancel", "gdpr_no_consent"))

    def test_composer_in_mass_mode_with_a_transactional_template_is_not_filtered(self):
        template = self._template(self.env["crm.gdpr.purpose"])
        composer = (
            self.env["mail.compose.message"]
            .with_context(default_model="res.partner", active_ids=self.people.ids)
            .create(
                {
                    "composition_mode": "mass_mail",
                    "res_ids": self.people.ids,
                    "template_id": template.id,
                }
            )
        )
        composer.action_send_mail()
        mails = self._mails("res.partner", self.people.ids)
        self.assertEqual(len(mails), 3)
        self.assertFalse(any(mails.mapped("gdpr_marketing")))
        mails.write({"auto_delete": False})
        self._send_queue()
        self.assertEqual(set(mails.mapped("state")), {"sent"})

    def test_a_marketing_mail_to_several_people_goes_to_those_who_agree(self):
        template = self._template(self.purpose_news)
        template.partner_to = "{{ object.id }},%s,%s" % (self.partner_ben.id, self.partner_carla.id)
        template.send_mail(self.partner_anna.id)
        mail = self.env["mail.mail"].sudo().search([("subject", "=", "Offer of the week")])
        self.assertEqual(mail.recipient_ids, self.people)
        self._send_queue()
        self.assertEqual(mail.state, "sent")
        self.assertEqual(mail.recipient_ids, self.partner_anna)

    def test_a_marketing_mail_to_several_addresses_goes_to_those_who_agree(self):
        template = self._template(self.purpose_news)
        template.write(
            {
                "partner_to": False,
                "email_to": f"{self.partner_ben.email}, {self.partner_anna.email}",
            }
        )
        template.send_mail(self.partner_anna.id)
        mail = self.env["mail.mail"].sudo().search([("subject", "=", "Offer of the week")])
        self.assertFalse(mail.recipient_ids)
        self._send_queue()
        self.assertEqual(mail.state, "sent")
        self.assertEqual(mail.email_to, self.partner_anna.email)

    def _template(self, purpose):
        return self.env["mail.template"].create(
            {
                "name": "Offer of the week",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Offer of the week",
                "body_html": "<p>This week only.</p>",
                "partner_to": "{{ object.id }}",
                "auto_delete": False,
                "gdpr_purpose_id": purpose.id,
            }
        )

    def _run_server_action(self, template, method):
        action = self.env["ir.actions.server"].create(
            {
                "name": "Send the offer",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "mail_post",
                "template_id": template.id,
                "mail_post_method": method,
            }
        )
        action.with_context(active_model="res.partner", active_ids=self.people.ids).run()

    def test_marketing_template_sent_by_a_server_action_respects_withdrawal(self):
        template = self._template(self.purpose_news)
        self._run_server_action(template, "email")
        mails = self.env["mail.mail"].sudo().search([("subject", "=", "Offer of the week")])
        self.assertEqual(len(mails), 3)
        self._send_queue()
        state = {mail.recipient_ids: (mail.state, mail.failure_type) for mail in mails}
        self.assertEqual(state[self.partner_anna], ("sent", False))
        self.assertEqual(state[self.partner_ben], ("cancel", "gdpr_withdrawn"))
        self.assertEqual(state[self.partner_carla], ("cancel", "gdpr_no_consent"))

    def test_marketing_template_posted_by_an_automation_respects_withdrawal(self):
        template = self._template(self.purpose_news)
        self._run_server_action(template, "comment")
        mails = self.env["mail.mail"].sudo().search([("subject", "=", "Offer of the week")])
        self.assertTrue(mails)
        self.assertTrue(all(mails.mapped("gdpr_marketing")))
        self._send_queue()
        sent_to = mails.filtered(lambda m: m.state == "sent").recipient_ids
        cancelled = mails.filtered(lambda m: m.state == "cancel")
        self.assertEqual(sent_to, self.partner_anna)
        self.assertEqual(
            set(cancelled.mapped("failure_type")), {"gdpr_withdrawn", "gdpr_no_consent"}
        )

    def test_transactional_mail_is_still_sent_after_a_withdrawal(self):
        template = self._template(self.env["crm.gdpr.purpose"])
        self._run_server_action(template, "email")
        self.partner_ben.message_post(
            body="<p>Your invoice is attached.</p>",
            partner_ids=self.partner_ben.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        mails = self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.partner_ben.ids)])
        self.assertEqual(len(mails), 2)
        self.assertFalse(any(mails.mapped("gdpr_marketing")))
        mails.write({"auto_delete": False})
        self._send_queue()
        self.assertEqual(set(mails.mapped("state")), {"sent"})
