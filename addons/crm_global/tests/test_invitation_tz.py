from datetime import datetime

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInvitationTimeZone(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokyo = cls.env["res.partner"].create(
            {
                "name": "Haruto Sato",
                "email": "haruto@example.jp",
                "country_id": cls.env.ref("base.jp").id,
            }
        )
        cls.dubai = cls.env["res.partner"].create(
            {"name": "Layla Nasser", "email": "layla@example.ae", "tz": "Asia/Dubai"}
        )
        # Monday 2 March 2026, 01:00 UTC = 10:00 in Tokyo, 05:00 in Dubai
        cls.event = (
            cls.env["calendar.event"]
            .with_context(no_mail_to_attendees=True)
            .create(
                {
                    "name": "Reefer fleet review",
                    "start": datetime(2026, 3, 2, 1, 0),
                    "stop": datetime(2026, 3, 2, 2, 0),
                    "partner_ids": [(6, 0, (cls.tokyo | cls.dubai).ids)],
                }
            )
        )

    def _attendee(self, partner):
        return self.event.attendee_ids.filtered(lambda a: a.partner_id == partner)

    def test_mail_time_zone_is_inferred_when_the_contact_has_none(self):
        self.assertFalse(self.tokyo.tz)
        self.assertEqual(self._attendee(self.tokyo).mail_tz, "Asia/Tokyo")
        self.assertEqual(self._attendee(self.dubai).mail_tz, "Asia/Dubai")

    def test_invitation_and_reminder_state_the_recipient_time(self):
        for xmlid in (
            "calendar.calendar_template_meeting_invitation",
            "calendar.calendar_template_meeting_reminder",
        ):
            template = self.env.ref(xmlid)
            for partner, local, zone in (
                (self.tokyo, "10:00", "Asia/Tokyo"),
                (self.dubai, "5:00", "Asia/Dubai"),
            ):
                attendee = self._attendee(partner)
                body = template._render_field("body_html", attendee.ids)[attendee.id]
                self.assertIn(zone, body, xmlid)
                self.assertIn(local, body, xmlid)
