from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.crm_gdpr.tests.common import GdprCase


@tagged("post_install", "-at_install")
class TestMailingEnforcement(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").email = "marketing@example.com"
        Lead = cls.env["crm.lead"]
        cls.leads = {}
        for key in (
            "given",
            "pending",
            "withdrawn",
            "none",
            "expired",
            "restricted",
            "blacklisted",
        ):
            cls.leads[key] = Lead.create(
                {
                    "name": f"Lead {key}",
                    "contact_name": f"Contact {key}",
                    "email_from": f"{key}.lead@example.com",
                }
            )
        for key, state in (
            ("given", "given"),
            ("pending", "pending"),
            ("withdrawn", "withdrawn"),
            ("restricted", "given"),
            ("blacklisted", "given"),
        ):
            subject = cls.env["crm.gdpr.subject"]._find_or_create(
                email=cls.leads[key].email_from, name=key
            )
            subject._set_consents(cls.purpose_news, cls.channel_email, state, "email")
        with freeze_time("2020-01-01"):
            subject = cls.env["crm.gdpr.subject"]._find_or_create(email="expired.lead@example.com")
            subject._set_consents(cls.purpose_news, cls.channel_email, "given", "email")
        cls.leads["restricted"].gdpr_subject_id.sudo().processing_restricted = True
        cls.env["mail.blacklist"].sudo()._add("blacklisted.lead@example.com")
        cls.lead_ids = [lead.id for lead in cls.leads.values()]

    def _mailing(self, **values):
        return self.env["mailing.mailing"].create(
            dict(
                {
                    "subject": "Spring offers",
                    "body_html": "<p>Our spring offers are here.</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": [("id", "in", self.lead_ids)],
                    "email_from": "marketing@example.com",
                },
                **values,
            )
        )

    def test_recipients_without_valid_consent_are_skipped_with_the_reason(self):
        mailing = self._mailing()
        self.assertEqual(mailing.gdpr_purpose_id, self.purpose_news, "default purpose")
        mailing.action_send_mail()
        traces = {trace.res_id: trace for trace in mailing.mailing_trace_ids}
        self.assertEqual(len(traces), len(self.leads))
        expected = {
            "given": (False, False),
            "pending": ("cancel", "gdpr_pending"),
            "withdrawn": ("cancel", "gdpr_withdrawn"),
            "none": ("cancel", "gdpr_no_consent"),
            "expired": ("cancel", "gdpr_expired"),
            "restricted": ("cancel", "gdpr_restricted"),
            "blacklisted": ("cancel", "mail_bl"),
        }
        for key, (status, failure_type) in expected.items():
            with self.subTest(lead=key):
                trace = traces[self.leads[key].id]
                if status:
                    self.assertEqual(trace.trace_status, status)
                    self.assertEqual(trace.failure_type, failure_type)
                else:
                    self.assertNotEqual(trace.trace_status, "cancel")
                    self.assertFalse(trace.failure_type)
        self.assertEqual(
            traces[self.leads["pending"].id].failure_reason,
            "The consent awaits the person's confirmation.",
        )
        self.assertEqual(
            traces[self.leads["restricted"].id].failure_reason,
            "Processing is restricted at the person's request.",
        )
        self.assertEqual(mailing.gdpr_skipped_count, 5)
        action = mailing.action_view_gdpr_skipped()
        self.assertEqual(self.env["mailing.trace"].search_count(action["domain"]), 5)

    def test_blacklisted_address_without_consent_keeps_the_stock_reason(self):
        lead = self.env["crm.lead"].create(
            {"name": "Lead blocked twice", "email_from": "blocked.twice@example.com"}
        )
        self.env["mail.blacklist"].sudo()._add("blocked.twice@example.com")
        mailing = self._mailing(mailing_domain=[("id", "in", [lead.id, self.leads["none"].id])])
        mailing.action_send_mail()
        self.assertEqual(
            {(t.res_id, t.trace_status, t.failure_type) for t in mailing.mailing_trace_ids},
            {
                (lead.id, "cancel", "mail_bl"),
                (self.leads["none"].id, "cancel", "gdpr_no_consent"),
            },
        )

    def test_legitimate_interest_mailing_skips_only_objections(self):
        mailing = self._mailing(gdpr_purpose_id=self.purpose_service.id)
        mailing.action_send_mail()
        skipped = mailing.mailing_trace_ids.filtered(lambda t: t.failure_type)
        self.assertEqual(
            {(t.res_id, t.failure_type) for t in skipped},
            {
                (self.leads["restricted"].id, "gdpr_restricted"),
                (self.leads["blacklisted"].id, "mail_bl"),
            },
        )

    def test_mailing_to_people_needs_a_purpose(self):
        self.purpose_news.is_mailing_default = False
        mailing = self._mailing()
        self.assertFalse(mailing.gdpr_purpose_id)
        with self.assertRaises(UserError):
            mailing.action_put_in_queue()
        with self.assertRaises(UserError):
            mailing.action_send_mail()
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(mailing.mailing_trace_ids)

    def test_mailing_lists_are_filtered_by_consent_too(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Trade show visitors",
                "contact_ids": [
                    (0, 0, {"name": "Visitor", "email": "none.lead@example.com"}),
                    (0, 0, {"name": "Other visitor", "email": "visitor@example.org"}),
                ],
            }
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "See you at the fair",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, mailing_list.ids)],
                "email_from": "marketing@example.com",
            }
        )
        # Mailing contacts are people: the default purpose applies to mailing lists as well.
        self.assertEqual(mailing.gdpr_purpose_id, self.purpose_news)
        mailing.action_send_mail()
        self.assertEqual(len(mailing.mailing_trace_ids), 2)
        self.assertEqual(set(mailing.mailing_trace_ids.mapped("failure_type")), {"gdpr_no_consent"})

    def test_every_marketing_email_carries_the_preference_link(self):
        mailing = self._mailing()
        mailing.action_send_mail()
        mail = self.env["mail.mail"].search(
            [("mailing_id", "=", mailing.id), ("res_id", "=", self.leads["given"].id)]
        )
        self.assertEqual(mail.state, "outgoing")
        email = mail._prepare_outgoing_list()[0]
        subject = self.leads["given"].gdpr_subject_id
        self.assertIn(
            f"/gdpr/preferences/{subject.id}/{subject._preference_token()}", email["body"]
        )

    def test_query_count_does_not_grow_per_recipient(self):
        Lead = self.env["crm.lead"]
        mailing = self._mailing()
        small = Lead.create(
            [{"name": f"S{i}", "email_from": f"s{i}@example.net"} for i in range(5)]
        )
        big = Lead.create(
            [{"name": f"B{i}", "email_from": f"b{i}@example.net"} for i in range(200)]
        )
        self.env.flush_all()
        # warm the registry caches (channel by code) so both runs are measured alike
        mailing._gdpr_recipient_denials(small.ids)
        queries = []
        for leads in (small, big):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            denials = mailing._gdpr_recipient_denials(leads.ids)
            queries.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(denials), len(leads))
        self.assertEqual(queries[0], queries[1])
        # mailing, purpose and channel reads, then the one decision query
        self.assertLessEqual(queries[1], 6)
