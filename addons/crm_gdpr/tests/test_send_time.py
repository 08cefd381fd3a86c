from odoo import modules
from odoo.tests import HttpCase, tagged

from .common import GdprCase


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


@tagged("post_install", "-at_install")
class TestWithdrawalAtSendTime(SendTimeCase):
    def _mailing(self, model, domain=None, **values):
        if domain:
            values["mailing_domain"] = domain
        return self.env["mailing.mailing"].create(
            dict(
                {
                    "subject": "Spring offers",
                    "body_html": "<p>Our spring offers are here.</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id(model),
                    "email_from": "marketing@example.com",
                    "keep_archives": True,
                },
                **values,
            )
        )

    def test_mail_queued_before_the_withdrawal_is_not_sent(self):
        lead, other = self.env["crm.lead"].create(
            [
                {"name": "Kitchen", "email_from": self.partner_anna.email, "contact_name": "Anna"},
                {"name": "Other", "email_from": "other@example.com"},
            ]
        )
        # Two recipients or more: the mails go through the queue.
        mailing = self._mailing("crm.lead", [("id", "in", (lead | other).ids)])
        mailing.action_send_mail()
        mail = self._mails("crm.lead", lead.ids)
        self.assertEqual(mail.state, "outgoing")
        # Anna withdraws from the preference page before the queue runs.
        lead.gdpr_consent_ids._change_state("withdrawn", source="preference_page")
        self._send_queue()
        self.assertEqual(mail.state, "cancel")
        self.assertEqual(mail.failure_type, "gdpr_withdrawn")
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.res_id == lead.id)
        self.assertEqual((trace.trace_status, trace.failure_type), ("cancel", "gdpr_withdrawn"))

    def test_mailing_to_a_mailing_list_reaches_only_people_who_agree(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [
                    (0, 0, {"name": partner.name, "email": partner.email})
                    for partner in self.people
                ],
            }
        )
        contacts = mailing_list.contact_ids
        mailing = self._mailing("mailing.list", contact_list_ids=[(6, 0, mailing_list.ids)])
        self.assertEqual(mailing.gdpr_purpose_id, self.purpose_news, "default purpose")
        mailing.action_send_mail()
        self._send_queue()
        status = {
            trace.email: (trace.trace_status, trace.failure_type)
            for trace in mailing.mailing_trace_ids
        }
        self.assertEqual(len(status), len(contacts))
        self.assertEqual(status[self.partner_anna.email], ("sent", False))
        self.assertEqual(status[self.partner_ben.email], ("cancel", "gdpr_withdrawn"))
        self.assertEqual(status[self.partner_carla.email], ("cancel", "gdpr_no_consent"))

    def test_mail_to_a_list_queued_before_the_withdrawal_is_not_sent(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [
                    (0, 0, {"email": self.partner_anna.email}),
                    (0, 0, {"email": "other@example.com"}),
                ],
            }
        )
        mailing = self._mailing("mailing.list", contact_list_ids=[(6, 0, mailing_list.ids)])
        mailing.action_send_mail()
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.email == self.partner_anna.email)
        self.assertEqual(trace.trace_status, "outgoing")
        subject = self.env["crm.gdpr.subject"]._find_or_create(email=self.partner_anna.email)
        subject.consent_ids._change_state("withdrawn", source="email")
        self._send_queue()
        self.assertEqual((trace.trace_status, trace.failure_type), ("cancel", "gdpr_withdrawn"))

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


@tagged("post_install", "-at_install")
class TestListUnsubscribe(SendTimeCase, HttpCase):
    def test_one_click_list_unsubscribe_withdraws_with_a_receipt(self):
        lead = self.env["crm.lead"].create(
            {"name": "Kitchen", "email_from": self.partner_anna.email, "contact_name": "Anna"}
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring offers",
                "body_html": "<p>Our spring offers are here.</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": [("id", "=", lead.id)],
            }
        )
        consent = lead.gdpr_consent_ids
        self.assertEqual(consent.state, "given")
        email = self.partner_anna.email
        token = mailing._generate_mailing_recipient_token(lead.id, email)
        response = self.url_open(
            f"/mailing/{mailing.id}/unsubscribe_oneclick"
            f"?document_id={lead.id}&email={email}&hash_token={token}",
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(consent.state, "withdrawn")
        receipt = consent.receipt_ids.sorted("sequence")[-1]
        self.assertEqual((receipt.state_to, receipt.source), ("withdrawn", "unsubscribe"))
        self.assertEqual(receipt.origin, f"mailing.mailing,{mailing.id}")
        self.assertEqual(receipt.ip_address, "127.0.0.1")
        self.assertTrue(self.env["mail.blacklist"].sudo().search([("email", "=", email)]))
        # A wrong token changes nothing.
        self._give(self.partner_anna, self.purpose_news, self.channel_email)
        response = self.url_open(
            f"/mailing/{mailing.id}/unsubscribe_oneclick"
            f"?document_id={lead.id}&email={email}&hash_token=forged",
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertNotEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(consent.state, "given")
