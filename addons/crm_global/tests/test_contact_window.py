from datetime import date, datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmGlobalCase


@tagged("post_install", "-at_install")
class TestContactWindow(CrmGlobalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Window = cls.env["crm.contact.window"]
        cls.israel = cls.env.ref("base.il")
        cls.iran = cls.env.ref("base.ir")
        cls.israeli = cls.env["res.partner"].create(
            {"name": "Noa Levi", "country_id": cls.israel.id, "email": "noa@example.com"}
        )
        cls.lead = cls._lead_for(cls.israeli)
        # known rows whatever the shipped data became after a manager's edits
        cls.Window.search([("country_id", "in", (cls.israel | cls.iran).ids)]).unlink()
        cls.Window.create(
            {
                "name": "Israel",
                "country_id": cls.israel.id,
                "hour_from": 9,
                "hour_to": 18,
                "sunday": True,
                "friday": False,
                "saturday": False,
            }
        )
        cls.Window.create(
            {
                "name": "Iran",
                "country_id": cls.iran.id,
                "hour_from": 8,
                "hour_to": 16,
                "saturday": True,
                "sunday": True,
                "friday": False,
            }
        )
        cls.env["crm.public.holiday"].search([("country_id", "=", cls.israel.id)]).unlink()
        cls.env["crm.public.holiday"].create(
            {"name": "Independence Day", "date": "2026-04-22", "country_id": cls.israel.id}
        )

    @classmethod
    def _lead_for(cls, partner):
        return cls.env["crm.lead"].create(
            {
                "name": "Desalination pumps",
                "type": "opportunity",
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "user_id": cls.user.id,
            }
        )

    def _event(self, start, stop, **values):
        return (
            self.env["calendar.event"]
            .with_user(self.user)
            .with_company(self.company)
            .create(
                {
                    "name": "Pump sizing call",
                    "start": start,
                    "stop": stop,
                    "opportunity_id": self.lead.id,
                    "partner_ids": [(6, 0, [self.user.partner_id.id, self.israeli.id])],
                    **values,
                }
            )
        )

    def test_friday_saturday_weekend(self):
        # Friday 6 March 2026, 10:00 in Jerusalem (08:00 UTC): weekend there
        event = self._event(datetime(2026, 3, 6, 8, 0), datetime(2026, 3, 6, 9, 0))
        self.assertIn("weekend day for Noa Levi", event.crm_window_warning)
        self.assertIn("Friday", event.crm_window_warning)
        # Sunday 8 March 2026, 10:00: a working day in Israel
        event = self._event(datetime(2026, 3, 8, 8, 0), datetime(2026, 3, 8, 9, 0))
        self.assertFalse(event.crm_window_warning)

    def test_friday_only_weekend(self):
        persian = self.env["res.partner"].create(
            {"name": "Dariush Karimi", "country_id": self.iran.id}
        )
        lead = self._lead_for(persian)
        windows = self.Window
        saturday = windows._crm_check_time(
            self.iran, "Asia/Tehran", datetime(2026, 3, 7, 6, 0), datetime(2026, 3, 7, 7, 0), "D"
        )
        friday = windows._crm_check_time(
            self.iran, "Asia/Tehran", datetime(2026, 3, 6, 6, 0), datetime(2026, 3, 6, 7, 0), "D"
        )
        self.assertFalse(saturday)
        self.assertTrue(friday)
        self.assertEqual(lead.customer_tz, "Asia/Tehran")

    def test_public_holiday(self):
        event = self._event(datetime(2026, 4, 22, 8, 0), datetime(2026, 4, 22, 9, 0))
        self.assertIn("public holiday in Israel (Independence Day)", event.crm_window_warning)

    def test_business_hours_in_the_customer_clock(self):
        # 16:00 UTC in March is 18:00 in Jerusalem (UTC+2): after hours
        event = self._event(datetime(2026, 3, 9, 15, 30), datetime(2026, 3, 9, 16, 30))
        self.assertIn("17:30-18:30 (Asia/Jerusalem)", event.crm_window_warning)
        self.assertIn("(09:00-18:00)", event.crm_window_warning)
        # in the summer (UTC+3) the same UTC time is 19:30
        event = self._event(datetime(2026, 7, 6, 15, 30), datetime(2026, 7, 6, 16, 0))
        self.assertIn("18:30-19:00", event.crm_window_warning)
        event = self._event(datetime(2026, 7, 6, 12, 0), datetime(2026, 7, 6, 13, 0))
        self.assertFalse(event.crm_window_warning)

    def test_block_policy_refuses_and_changes_nothing(self):
        self.company.crm_contact_window_policy = "block"
        count = self.env["calendar.event"].search_count([])
        with self.assertRaises(ValidationError) as error:
            self._event(datetime(2026, 3, 6, 8, 0), datetime(2026, 3, 6, 9, 0))
        self.assertIn("weekend day", str(error.exception))
        self.assertEqual(self.env["calendar.event"].search_count([]), count)
        event = self._event(datetime(2026, 3, 8, 8, 0), datetime(2026, 3, 8, 9, 0))
        with self.assertRaises(ValidationError):
            event.write({"start": datetime(2026, 3, 7, 8, 0), "stop": datetime(2026, 3, 7, 9, 0)})
        # the warn policy lets it through, with the reason shown
        self.company.crm_contact_window_policy = "warn"
        event.write({"start": datetime(2026, 3, 7, 8, 0), "stop": datetime(2026, 3, 7, 9, 0)})
        self.assertIn("weekend", event.crm_window_warning)

    def test_onchange_warns(self):
        event = self.env["calendar.event"].new(
            {
                "name": "x",
                "start": datetime(2026, 3, 6, 8, 0),
                "stop": datetime(2026, 3, 6, 9, 0),
                "opportunity_id": self.lead.id,
                "partner_ids": [(6, 0, [self.israeli.id])],
            }
        )
        warning = event._onchange_crm_window()
        self.assertIn("weekend day", warning["warning"]["message"])

    def test_meeting_without_opportunity_is_not_checked(self):
        event = self._event(
            datetime(2026, 3, 6, 8, 0), datetime(2026, 3, 6, 9, 0), opportunity_id=False
        )
        self.assertFalse(event.crm_window_warning)

    def test_activity_on_a_weekend_day(self):
        activity = self.lead.with_user(self.user).activity_schedule(
            "mail.mail_activity_data_call", date_deadline=date(2026, 3, 7), user_id=self.user.id
        )
        self.assertIn("weekend day", activity.crm_window_warning)
        self.company.crm_contact_window_policy = "block"
        with self.assertRaises(ValidationError) as error:
            activity.date_deadline = date(2026, 3, 6)
        self.assertIn("cannot be due that day", str(error.exception))
        self.assertEqual(activity.date_deadline, date(2026, 3, 7))
        with self.assertRaises(ValidationError):
            self.lead.activity_schedule(
                "mail.mail_activity_data_call", date_deadline=date(2026, 4, 22)
            )
        activity.date_deadline = date(2026, 3, 8)
        self.assertFalse(activity.crm_window_warning)

    def test_window_table_is_managed_by_managers(self):
        window = self.Window._crm_window_for(self.israel)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            window.with_user(self.user).write({"hour_to": 20})
        manager = self.env["res.users"].create(
            {
                "name": "Sales Manager",
                "login": "global_manager",
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_manager").id])],
            }
        )
        window.with_user(manager).write({"hour_to": 20, "friday": True})
        self.assertIn("Saturday", window.weekend_label)
        self.assertNotIn("Friday", window.weekend_label)
        with self.assertRaises(ValidationError):
            self.Window.create({"name": "Second default"})  # one default already shipped
        # a country without its own row uses the default row
        self.assertFalse(self.Window._crm_window_for(self.env.ref("base.nz")).country_id)
