from odoo.tests import HttpCase, tagged

from odoo.addons.crm_gdpr.tests.common import SendTimeCase


@tagged("post_install", "-at_install")
class TestMailingWithdrawalAtSendTime(SendTimeCase):
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
