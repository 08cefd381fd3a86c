import base64
import io
import json
import zipfile
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestRequests(GdprCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A working calendar of our own: its public holidays move deadlines.
        cls.calendar = cls.env["resource.calendar"].create({"name": "Privacy office hours"})
        cls.company.resource_calendar_id = cls.calendar
        cls.Request = cls.env["crm.gdpr.request"]

    def _request(self, **values):
        return self.Request.create(
            dict(
                {
                    "request_type": "access",
                    "partner_id": self.partner_anna.id,
                    "date_received": "2025-01-15",
                    "user_id": self.user_dpo.id,
                },
                **values,
            )
        )

    def test_deadline_arithmetic(self):
        cases = [
            # received, extension, deadline
            ("2025-01-15", 0, "2025-02-17"),  # the 15th is a Saturday: next Monday
            ("2025-01-31", 0, "2025-02-28"),  # no 31 February: last day of the month
            ("2024-01-31", 0, "2024-02-29"),  # leap year
            ("2025-03-31", 0, "2025-04-30"),
            ("2025-12-31", 0, "2026-01-31"),  # across the year; 31 Jan 2026 is a Saturday
            ("2025-01-31", 1, "2025-03-31"),
            ("2025-01-31", 2, "2025-04-30"),
            ("2025-06-30", 2, "2025-09-30"),
            ("2025-11-30", 2, "2026-03-02"),  # 28 Feb 2026 is a Saturday
        ]
        for received, extension, expected in cases:
            with self.subTest(received=received, extension=extension):
                request = self._request(
                    date_received=received,
                    extension_months=extension,
                    extension_reason="Many systems to search" if extension else False,
                )
                expected_date = date.fromisoformat(expected)
                if expected == "2026-01-31":
                    expected_date = date(2026, 2, 2)
                self.assertEqual(request.deadline, expected_date)
        request = self._request(date_received="2025-01-31")
        self.assertEqual(request.deadline_original, request.deadline)

    def test_public_holiday_moves_the_deadline(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Labour Day",
                "calendar_id": self.calendar.id,
                "date_from": "2025-05-01 00:00:00",
                "date_to": "2025-05-01 23:59:59",
            }
        )
        request = self._request(date_received="2025-04-01")
        self.assertEqual(request.deadline, date(2025, 5, 2))

    @freeze_time("2025-02-10")
    def test_extension_rules(self):
        request = self._request()
        with self.assertRaises(ValidationError):
            request.write({"extension_months": 3, "extension_reason": "Huge"})
        with self.assertRaises(ValidationError):
            request.write({"extension_months": 1})
        request.write({"extension_months": 2, "extension_reason": "Archives on paper"})
        self.assertEqual(request.deadline, date(2025, 4, 15))
        self.assertEqual(request.deadline_original, date(2025, 2, 17))
        # After the first month, no new extension can be decided.
        late = self._request(date_received="2024-12-01")
        with self.assertRaises(ValidationError):
            late.write({"extension_months": 1, "extension_reason": "Too late"})
        late.write({"rejection_reason": "Manifestly unfounded"})
        late.action_reject()
        with self.assertRaises(ValidationError):
            late.write({"extension_months": 0})
            late.write({"extension_months": 1, "extension_reason": "Closed"})

    def test_reminders_before_and_after_the_deadline(self):
        self.company.gdpr_request_reminder_days = 7
        request = self._request(date_received="2025-03-03")  # deadline 2025-04-03
        self.assertEqual(request.deadline, date(2025, 4, 3))

        def todo():
            return request.activity_ids.filtered(lambda a: a.user_id == self.user_dpo)

        with freeze_time("2025-03-26"):
            self.Request._cron_remind_deadlines()
            self.assertFalse(todo())
        with freeze_time("2025-03-27"):
            self.Request._cron_remind_deadlines()
            self.Request._cron_remind_deadlines()
            self.assertEqual(len(todo()), 1)
            self.assertEqual(request.reminder_state, "due_soon")
            self.assertIn("is due on", todo().summary)
        with freeze_time("2025-04-04"):
            self.assertTrue(request.is_overdue)
            self.assertIn(request, self.Request.search([("is_overdue", "=", True)]))
            self.Request._cron_remind_deadlines()
            self.Request._cron_remind_deadlines()
            self.assertEqual(len(todo()), 2)
            self.assertEqual(request.reminder_state, "overdue")
        # Answered requests are never reminded.
        done = self._request(request_type="objection", date_received="2025-03-03")
        done.write({"identity_method": "known"})
        done.action_verify_identity()
        done.action_process()
        with freeze_time("2025-04-10"):
            self.Request._cron_remind_deadlines()
        self.assertFalse(done.activity_ids)

    def test_identity_first_then_processing(self):
        request = self._request(request_type="restriction")
        with self.assertRaises(UserError):
            request.action_process()
        with self.assertRaises(UserError):
            request.action_verify_identity()
        request.identity_method = "email"
        request.action_verify_identity()
        self.assertEqual(request.identity_verified_by, self.env.user)
        request.action_process()
        self.assertEqual(request.state, "done")
        subject = request.subject_id
        self.assertTrue(subject.processing_restricted)
        with self.assertRaises(UserError):
            request.action_process()

    def test_restriction_and_objection_stop_processing_without_deleting(self):
        self._give(self.partner_anna, self.purpose_news, self.channel_email)
        lead = self.env["crm.lead"].create(
            {"name": "Anna's kitchen", "partner_id": self.partner_anna.id}
        )
        Consent = self.env["crm.gdpr.consent"]
        self.assertFalse(Consent._gdpr_denials(lead, self.purpose_news, "email"))
        request = self._request(request_type="restriction", identity_method="email")
        request.action_verify_identity()
        request.action_process()
        for channel in ("email", "partner_sharing", "profiling"):
            purpose = self.purpose_sharing if channel == "partner_sharing" else None
            self.assertEqual(Consent._gdpr_denials(lead, purpose, channel), {lead.id: "restricted"})
        self.assertTrue(lead.exists())
        self.assertEqual(lead.gdpr_consent_ids.state, "given")
        request.with_user(self.user_dpo).action_lift_restriction()
        self.assertFalse(Consent._gdpr_denials(lead, self.purpose_news, "email"))
        objection = self._request(request_type="objection", identity_method="email")
        objection.action_verify_identity()
        objection.action_process()
        self.assertEqual(
            Consent._gdpr_denials(lead, self.purpose_service, "email"), {lead.id: "objected"}
        )

    def test_workflow_fields_move_through_the_buttons_only(self):
        request = self.Request.with_user(self.user_sales).create(
            {"request_type": "erasure", "requester_email": "walk.in@example.com"}
        )
        for values in (
            {"state": "done"},
            {"identity_verified_by": self.user_sales.id},
            {"subject_id": False},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                request.with_user(self.user_sales).write(values)
        self.assertEqual(request.state, "new")

    def test_reject_needs_a_reason(self):
        request = self._request()
        with self.assertRaises(UserError):
            request.action_reject()
        request.rejection_reason = "The person could not prove who they are."
        request.action_reject()
        self.assertEqual(request.state, "rejected")

    def test_rectification_needs_the_answer(self):
        request = self._request(request_type="rectification", identity_method="account")
        request.action_verify_identity()
        with self.assertRaises(UserError):
            request.action_process()
        request.response = "Corrected the street name."
        request.action_process()
        self.assertEqual(request.state, "done")

    def test_only_the_dpo_sees_every_request(self):
        mine = self.Request.with_user(self.user_sales).create(
            {"request_type": "access", "requester_email": "walk.in@example.com"}
        )
        other = self._request()
        visible = self.Request.with_user(self.user_sales).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            other.with_user(self.user_sales).read(["name"])
        self.assertIn(other, self.Request.with_user(self.user_dpo).search([]))
        self.assertEqual(mine.subject_id.email_normalized, "walk.in@example.com")
        self.assertTrue(mine.name.startswith("DSR/"))

    def test_access_archive_holds_everything_about_the_person(self):
        partner = self.partner_anna
        lead = self.env["crm.lead"].create(
            {
                "name": "Anna's kitchen renovation",
                "partner_id": partner.id,
                "email_from": partner.email,
                "description": "<p>Wants oak cabinets</p>",
            }
        )
        lead.message_post(body="Called Anna about the oak cabinets", message_type="comment")
        lead.activity_schedule(summary="Send the oak samples", user_id=self.user_sales.id)
        self.env["calendar.event"].create(
            {
                "name": "Showroom visit",
                "start": "2025-03-01 09:00:00",
                "stop": "2025-03-01 10:00:00",
                "partner_ids": [(6, 0, partner.ids)],
            }
        )
        self._give(partner, self.purpose_news, self.channel_email, ip_address="198.51.100.4")
        request = self._request(identity_method="email", request_type="portability")
        request.action_verify_identity()
        request.action_process()
        self.assertEqual(request.state, "done")
        attachment = request.archive_attachment_id
        self.assertEqual((attachment.res_model, attachment.res_id), (request._name, request.id))
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.datas)))
        names = set(archive.namelist())
        for section in (
            "contact",
            "leads",
            "messages",
            "activities",
            "events",
            "consents",
            "receipts",
            "other_records",
        ):
            self.assertIn(f"{section}.csv", names)
        data = json.loads(archive.read("data.json"))
        sections = data["sections"]
        self.assertEqual(sections["contact"][0]["email"], "anna.kowalska@example.pl")
        self.assertEqual(sections["leads"][0]["title"], "Anna's kitchen renovation")
        self.assertIn("Wants oak cabinets", sections["leads"][0]["notes"])
        self.assertTrue(
            any("oak cabinets" in m["body"] for m in sections["messages"]), sections["messages"]
        )
        self.assertEqual(sections["activities"][0]["summary"], "Send the oak samples")
        self.assertEqual(sections["events"][0]["name"], "Showroom visit")
        self.assertEqual(sections["consents"][0]["state"], "given")
        self.assertEqual(sections["receipts"][0]["ip_address"], "198.51.100.4")
        self.assertEqual("sale.order" in self.env, "orders" in sections)
        self.assertIn("Anna's kitchen renovation", archive.read("leads.csv").decode())
