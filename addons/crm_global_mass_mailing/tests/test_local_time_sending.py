from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import LocalTimeCommon


@tagged("post_install", "-at_install")
class TestLocalTimeSending(LocalTimeCommon):
    """Stock's queue job sends each mail when its recipient's time has come, through stock's
    composer (blacklist, opt-out and any consent rule run then); the mailing stays 'sending'
    until the last zone is done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls._person("Paris Person", "Europe/Paris", "fr")
        cls.new_york = cls._person("New York Person", "America/New_York", "us")
        cls.tokyo = cls._person("Tokyo Person", "Asia/Tokyo", "jp")
        cls.people = cls.paris | cls.new_york | cls.tokyo
        # Tuesday 8 December 2026, 09:30 local
        cls.tokyo_at = cls.utc(2026, 12, 8, 0, 30)
        cls.paris_at = cls.utc(2026, 12, 8, 8, 30)
        cls.new_york_at = cls.utc(2026, 12, 8, 14, 30)

    def test_each_zone_at_its_hour(self):
        mailing = self._mailing(self.people, "2026-12-08", "2026-12-11")
        self._launch(mailing, self.utc(2026, 12, 7, 12, 0))
        self.assertEqual(mailing.schedule_date, self.tokyo_at)

        self._run_queue(self.utc(2026, 12, 8, 0, 0))  # nobody's time yet
        self.assertEqual(mailing.state, "in_queue")
        self.assertFalse(mailing.mailing_trace_ids)

        self._run_queue(self.utc(2026, 12, 8, 0, 31))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id})
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(mailing.schedule_date, self.paris_at)
        with freeze_time(self.utc(2026, 12, 8, 0, 31)):
            summary = str(mailing.crm_local_summary)
        self.assertIn("Asia/Tokyo", summary)
        self.assertIn("Tue 8 Dec 15:30", summary)  # New York's 09:30 in Brussels

        self._run_queue(self.utc(2026, 12, 8, 3, 0))  # between two zones: nothing, still waiting
        self.assertEqual(len(mailing.mailing_trace_ids), 1)
        self.assertEqual(mailing.state, "sending")

        self._run_queue(self.utc(2026, 12, 8, 8, 31))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id, self.paris.id})
        self.assertEqual(mailing.state, "sending")
        self.assertFalse(mailing.sent_date)

        self._run_queue(self.utc(2026, 12, 8, 14, 31))
        self.assertEqual(set(self._traces(mailing)), set(self.people.ids))
        self.assertEqual(mailing.state, "done")
        self.assertEqual(mailing.sent_date, self.utc(2026, 12, 8, 14, 31))
        self.assertEqual(len(mailing.mailing_trace_ids), 3)

        self._run_queue(self.utc(2026, 12, 9, 0, 0))  # nothing twice
        self.assertEqual(len(mailing.mailing_trace_ids), 3)

    def test_blacklisted_while_waiting_gets_nothing(self):
        """New York asks for no more mail while the mailing waits for their morning: stock's
        blacklist, checked when their mail is created, stops it."""
        mailing = self._mailing(self.people, "2026-12-08", "2026-12-11")
        self._launch(mailing, self.utc(2026, 12, 7, 12, 0))
        self._run_queue(self.utc(2026, 12, 8, 8, 31))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id, self.paris.id})
        self.env["mail.blacklist"]._add(self.new_york.email)
        self._run_queue(self.utc(2026, 12, 8, 14, 31))
        trace = self._traces(mailing)[self.new_york.id]
        self.assertEqual((trace.trace_status, trace.failure_type), ("cancel", "mail_bl"))
        # the others were not refused for their address (crm_gdpr, when installed, may still
        # refuse them for want of consent: its decision is taken at the same moment)
        self.assertEqual(
            {self._traces(mailing)[p.id].failure_type for p in self.tokyo | self.paris}
            & {
                "mail_bl",
                "mail_optout",
            },
            set(),
        )
        self.assertEqual(mailing.state, "done")
        with freeze_time(self.utc(2026, 12, 8, 14, 31)):
            self.assertIn("Not sent", str(mailing.crm_local_summary))

    def test_list_opt_out_while_waiting_gets_nothing(self):
        """A mailing list contact who opts out of the list while the mailing waits gets
        nothing (stock's opt-out list, read when their mail is created)."""
        mailing_list = self.env["mailing.list"].create({"name": "Worldwide"})
        contacts = self.env["mailing.contact"].create(
            [
                {
                    "name": "List Tokyo",
                    "email": "list.tokyo@example.com",
                    "list_ids": [(4, mailing_list.id)],
                },
                {
                    "name": "List Paris",
                    "email": "list.paris@example.com",
                    "list_ids": [(4, mailing_list.id)],
                    "country_id": self.env.ref("base.fr").id,
                },
            ]
        )
        self._person("List Tokyo", "Asia/Tokyo").email = "list.tokyo@example.com"
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "List mailing",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [(6, 0, mailing_list.ids)],
                "crm_local_time": True,
                "crm_local_date_from": "2026-12-08",
                "crm_local_date_to": "2026-12-11",
                "crm_local_fallback_tz": "UTC",
            }
        )
        times = self._launch(mailing, self.utc(2026, 12, 7, 12, 0))
        # the contact's zone comes from the person of the same address; Paris from the country
        self.assertEqual(times, {contacts[0].id: self.tokyo_at, contacts[1].id: self.paris_at})
        self._run_queue(self.utc(2026, 12, 8, 0, 31))
        self.env["mailing.subscription"].search(
            [("contact_id", "=", contacts[1].id), ("list_id", "=", mailing_list.id)]
        ).opt_out = True
        self._run_queue(self.utc(2026, 12, 8, 8, 31))
        traces = self._traces(mailing)
        self.assertNotEqual(traces[contacts[0].id].failure_type, "mail_optout")
        # stock's opt-out (crm_gdpr, when installed, records its own reason: no consent)
        self.assertEqual(traces[contacts[1].id].trace_status, "cancel")
        self.assertIn(traces[contacts[1].id].failure_type, ("mail_optout", "gdpr_no_consent"))
        self.assertEqual(mailing.state, "done")

    def test_direct_send_sends_only_due_mails(self):
        """Calling the send method directly (RPC, another addon) does not bypass the hours."""
        mailing = self._mailing(self.people, "2026-12-08", "2026-12-11")
        self._launch(mailing, self.utc(2026, 12, 7, 12, 0))
        with freeze_time(self.utc(2026, 12, 7, 13, 0)), self.assertRaises(UserError):
            mailing.action_send_mail()
        with freeze_time(self.utc(2026, 12, 8, 1, 0)):
            mailing.action_send_mail(res_ids=self.people.ids)
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id})
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(mailing.schedule_date, self.paris_at)

    def test_put_in_queue_by_write_still_waits(self):
        """A mailing put in the queue by a plain write of its state (RPC, import) is given its
        send times by the queue's job, which sends only the mails due."""
        mailing = self._mailing(self.people, "2026-12-08", "2026-12-11")
        mailing.write({"state": "in_queue"})
        self._run_queue(self.utc(2026, 12, 7, 20, 0))
        self.assertFalse(mailing.mailing_trace_ids)
        self.assertEqual(len(self._send_times(mailing)), 3)
        self.assertEqual((mailing.state, mailing.schedule_date), ("in_queue", self.tokyo_at))
        self._run_queue(self.utc(2026, 12, 8, 1, 0))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id})
        self.assertEqual(mailing.state, "sending")

    def test_recipients_joining_or_leaving_while_waiting(self):
        """A contact who matches the mailing after launch gets their own send time; one who
        no longer matches is not waited for."""
        mailing = self._mailing(
            self.env["res.partner"],
            "2026-12-08",
            "2026-12-11",
            mailing_domain=repr([("email", "=like", "%person@example.com")]),
        )
        self._launch(mailing, self.utc(2026, 12, 7, 12, 0))
        self.assertEqual(len(self._send_times(mailing)), 3)
        self._run_queue(self.utc(2026, 12, 8, 0, 31))
        late = self._person("Late Paris Person", "Europe/Paris", "fr")
        self.new_york.email = "moved.away@example.com"
        self._run_queue(self.utc(2026, 12, 8, 8, 31))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id, self.paris.id})
        # the late one joined after 09:30 in Paris: tomorrow; New York is not waited for
        self.assertEqual(self._send_times(mailing)[late.id], self.utc(2026, 12, 9, 8, 30))
        self.assertEqual(
            (mailing.state, mailing.schedule_date), ("sending", self.utc(2026, 12, 9, 8, 30))
        )
        self._run_queue(self.utc(2026, 12, 9, 8, 31))
        self.assertEqual(set(self._traces(mailing)), {self.tokyo.id, self.paris.id, late.id})
        self.assertEqual(mailing.state, "done")
