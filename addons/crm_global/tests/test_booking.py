import base64
import re
from datetime import timedelta

import babel.dates

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CrmGlobalTimeCase


def route_readonly(env, path, method="GET"):
    """Whether Odoo serves `path` in a read-only transaction (a replica when configured)."""
    rule, _args = (
        env["ir.http"].routing_map().bind("localhost").match(path, method=method, return_rule=True)
    )
    readonly = rule.endpoint.routing["readonly"]
    return readonly(rule.endpoint.func.__self__) if callable(readonly) else readonly


class BookingCase(CrmGlobalTimeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # open around the clock, so that slots exist whenever the test runs
        cls._window("nz", 0, 24, "1111111")
        cls.rep = cls._salesperson("mere", "Pacific/Auckland", 0, 24, "1111111")
        cls.rep.email = "mere@lumen.example.com"
        cls.customer = cls._customer("Aroha Ngata", "nz", tz="Pacific/Auckland")
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Kiwi fruit cold chain",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.rep.id,
                "company_id": cls.company.id,
            }
        )
        cls.link = cls._link()

    def _csrf(self, link=None):
        """A CSRF token of the test's session, from a page with a form: the question before
        cancelling (booked link) or the confirm step of the first slot (open link)."""
        path = (link or self.link)._crm_booking_path()
        page = self.url_open(path + "?cancel=1").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not token:
            start = re.search(r'name="start"\s+value="([^"]+)"', page)[1]
            page = self.url_open(f"{path}?start={start}").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        return token[1]

    @classmethod
    def _link(cls, **values):
        return cls.env["crm.booking.link"].create(
            {
                "lead_id": cls.lead.id,
                "partner_id": cls.customer.id,
                "user_id": cls.rep.id,
                "notice_hours": 0,
                "days": 2,
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestBookingLink(BookingCase):
    def test_token_is_signed(self):
        token = self.link._crm_token()
        Link = self.env["crm.booking.link"]
        self.assertEqual(Link._crm_resolve(self.link.id, token), (self.link, "open"))
        altered = token[:-1] + ("1" if token[-1] == "0" else "0")
        self.assertEqual(Link._crm_resolve(self.link.id, altered)[1], "invalid")
        self.assertEqual(Link._crm_resolve(self.link.id, "")[1], "invalid")
        other = self._link()
        self.assertEqual(Link._crm_resolve(other.id, token)[1], "invalid", "another link's token")
        self.assertEqual(Link._crm_resolve(999_999_999, token)[1], "invalid")
        # extending the expiry changes the signature: old URLs die, new ones work
        self.link.expiry = fields.Datetime.now() + timedelta(days=30)
        self.assertEqual(Link._crm_resolve(self.link.id, token)[1], "invalid")
        self.link.action_revoke()
        self.assertEqual(Link._crm_resolve(self.link.id, self.link._crm_token())[1], "revoked")

    def test_expired_link_books_nothing(self):
        self.link.expiry = fields.Datetime.now() - timedelta(minutes=1)
        self.assertEqual(
            self.env["crm.booking.link"]._crm_resolve(self.link.id, self.link._crm_token())[1],
            "expired",
        )
        slot = self.env["crm.slot.finder"]._find_slots(self.rep, self.customer.country_id, "UTC")[0]
        with self.assertRaises(UserError):
            self.link._crm_book(slot["start"])
        self.assertFalse(self.env["crm.booking"].search([("link_id", "=", self.link.id)]))

    def test_book_creates_a_meeting_for_both(self):
        slot = self.link._crm_free_slots()[0]
        booking = self.link._crm_book(slot["start"])
        self.assertEqual(self.link.state, "booked")
        event = booking.event_id
        self.assertEqual(event.partner_ids, self.rep.partner_id | self.customer)
        self.assertEqual(event.opportunity_id, self.lead)
        self.assertEqual((event.start, event.stop), (slot["start"], slot["stop"]))
        self.assertIn("booked a meeting", self.lead.message_ids[0].body)
        # the slot is gone for everybody, and the link cannot book twice
        other = self._link()
        self.assertNotIn(slot["start"], [s["start"] for s in other._crm_free_slots()])
        with self.assertRaises(UserError):
            self.link._crm_book(self.link._crm_free_slots()[0]["start"])

    def test_a_time_not_offered_is_refused(self):
        # off the half-hour grid, inside the window
        start = (fields.Datetime.now() + timedelta(days=1)).replace(
            minute=7, second=0, microsecond=0
        )
        with self.assertRaises(UserError) as error:
            self.link._crm_book(start)
        self.assertIn("not available", str(error.exception))

    def test_database_refuses_overlapping_bookings(self):
        slot = self.link._crm_free_slots()[0]
        self.env["crm.booking"]._crm_create_exclusive(
            {
                "link_id": self.link.id,
                "lead_id": self.lead.id,
                "user_id": self.rep.id,
                "partner_id": self.customer.id,
                "start": slot["start"],
                "stop": slot["stop"],
            }
        )
        other = self._link()
        with self.assertRaises(UserError) as error:
            self.env["crm.booking"]._crm_create_exclusive(
                {
                    "link_id": other.id,
                    "lead_id": self.lead.id,
                    "user_id": self.rep.id,
                    "partner_id": self.customer.id,
                    "start": slot["start"] + timedelta(minutes=10),
                    "stop": slot["stop"] + timedelta(minutes=10),
                }
            )
        self.assertIn("moment ago", str(error.exception))

    def test_salesperson_sends_link_by_email(self):
        self.customer.email = "aroha@example.com"
        link = self.lead.with_user(self.rep).action_crm_send_booking_link()
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "crm.booking.link"), ("res_id", "=", link.id)])
        )
        self.assertIn(link.sudo()._crm_booking_path(), mail.body_html)
        self.assertIn("Booking link sent", self.lead.message_ids[0].body)

    def test_sending_a_second_link_replaces_the_first(self):
        self.customer.email = "aroha@example.com"
        first = self.lead.with_user(self.rep).action_crm_send_booking_link()
        second = self.lead.with_user(self.rep).action_crm_send_booking_link()
        self.assertEqual(first.state, "revoked", "one live link per opportunity")
        self.assertEqual(second.state, "open")
        # the opportunity still opens: every link's URL computes (one base URL per link)
        self.lead.invalidate_recordset()
        links = self.lead.with_user(self.rep).booking_link_ids
        self.assertEqual(len(links), 3)
        self.assertTrue(
            all(
                url.endswith(link.sudo()._crm_booking_path())
                for link, url in zip(links, links.mapped("booking_url"), strict=True)
            )
        )
        with Form(self.lead.with_user(self.rep)) as form:
            self.assertEqual(len(form.booking_link_ids), 3)

    def test_portal_user_cannot_reach_links(self):
        portal = new_test_user(self.env, login="aroha_portal", groups="base.group_portal")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            self.env["crm.booking.link"].with_user(portal).search_read([], ["booking_url"])
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            self.link.with_user(portal).read(["access_key"])
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_model"):
            self.env["crm.booking"].with_user(portal).search([])

    def test_email_renders_right_to_left(self):
        for code in ("ar_001", "he_IL"):
            self.env["res.lang"]._activate_lang(code)
            self.customer.lang = code
            template = self.env.ref("crm_global.mail_template_booking_link")
            body = template._render_field("body_html", self.link.ids, compute_lang=True)[
                self.link.id
            ]
            self.assertIn('dir="rtl"', body, code)
            self.assertIn("<bdi>Aroha Ngata</bdi>", body)
        self.customer.lang = "en_US"
        body = template._render_field("body_html", self.link.ids, compute_lang=True)[self.link.id]
        self.assertIn('dir="ltr"', body)


@tagged("post_install", "-at_install")
class TestBookingPages(BookingCase, HttpCase):
    def _path(self, link=None):
        return (link or self.link)._crm_booking_path()

    def test_page_is_served_read_only(self):
        """The slot page is declared read-only (a replica can serve it) and writes nothing: in
        the read-only transaction of the test server, a write would make Odoo log a warning and
        serve it again read/write. Booking (POST) is read/write."""
        path = self._path()
        self.assertIs(route_readonly(self.env, path), True)
        self.assertIs(route_readonly(self.env, path, "POST"), False)
        self.assertIs(route_readonly(self.env, path + "/cancel", "POST"), False)
        with self.assertNoLogs("odoo.http", "WARNING"):
            for query in ("", "?tz=Europe/Brussels", "?cancel=1", "?reschedule=1"):
                response = self.url_open(path + query)
                self.assertEqual(response.status_code, 200)
        self.assertIn("o_crm_booking_slot", response.text)

    def test_page_lists_slots_in_customer_time_zone(self):
        response = self.url_open(self._path())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Book a meeting with", response.text)
        self.assertIn("Pacific/Auckland", response.text)
        self.assertIn("o_crm_booking_slot", response.text)
        self.assertIn('dir="ltr"', response.text)

    def test_forged_and_expired_links_get_clear_pages(self):
        forged = f"/crm/book/{self.link.id}/{'0' * 64}"
        response = self.url_open(forged)
        self.assertEqual(response.status_code, 404)
        self.assertIn("This booking link is not valid", response.text)
        response = self.url_open(f"/crm/book/0/{self.link._crm_token()}")
        self.assertIn("This booking link is not valid", response.text)
        self.link.expiry = fields.Datetime.now() - timedelta(seconds=1)
        response = self.url_open(self._path())
        self.assertIn("This booking link has expired", response.text)
        self.assertNotIn("o_crm_booking_slot", response.text)

    def _post_first_slot(self, path):
        page = self.url_open(path).text
        start = re.search(r'name="start"\s+value="([^"]+)"', page)[1]
        csrf = self._csrf()
        return self.url_open(path, data={"csrf_token": csrf, "start": start}), start

    def test_booking_through_the_page(self):
        response, start = self._post_first_slot(self._path())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your meeting is booked", response.text)
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        self.assertEqual(fields.Datetime.to_string(booking.start), start)
        # posting again (refresh, or a forged form) books nothing more
        page = self.url_open(self._path()).text
        self.assertIn("Your meeting is booked", page)
        self.assertEqual(self.env["crm.booking"].search_count([("link_id", "=", self.link.id)]), 1)

    def test_forged_post_books_nothing(self):
        path = self._path()
        csrf = self._csrf()
        response = self.url_open(path, data={"csrf_token": csrf, "start": "2001-01-01 10:00:00"})
        self.assertIn("not available", response.text)
        response = self.url_open(path, data={"csrf_token": csrf, "start": "tomorrow"})
        self.assertIn("Please pick one of the times shown", response.text)
        forged = f"/crm/book/{self.link.id}/{'f' * 64}"
        response = self.url_open(forged, data={"csrf_token": csrf, "start": "2001-01-01 10:00:00"})
        self.assertIn("not valid", response.text)
        self.assertFalse(self.env["crm.booking"].search([("link_id", "=", self.link.id)]))

    def test_page_renders_right_to_left(self):
        for code in ("ar_001", "he_IL"):
            self.env["res.lang"]._activate_lang(code)
            self.customer.lang = code
            page = self.url_open(self._path()).text
            self.assertRegex(page, r'class="container o_crm_booking py-4" dir="rtl"')
            self.assertIn("<bdi>Mere</bdi>", page)

    def test_days_and_refusals_in_the_customers_language(self):
        english = set(babel.dates.get_day_names("wide", locale="en").values())
        refusals = {
            "ar_001": "هذا الوقت غير متاح (لم يعد متاحًا). يرجى اختيار أحد الأوقات المعروضة.",
            "he_IL": "המועד הזה אינו פנוי (עוד). נא לבחור אחד מהמועדים המוצגים.",
        }
        for code, locale in (("ar_001", "ar"), ("he_IL", "he")):
            self.env["res.lang"]._activate_lang(code)
            self.customer.lang = code
            page = self.url_open(self._path()).text
            headings = re.findall(r'<h2 class="h6"><bdi>([^<]+)</bdi>', page)
            self.assertTrue(headings, code)
            local_days = set(babel.dates.get_day_names("wide", locale=locale).values())
            for heading in headings:
                self.assertFalse([day for day in english if day in heading], heading)
                self.assertTrue([day for day in local_days if day in heading], heading)
            response = self.url_open(
                self._path(), data={"csrf_token": self._csrf(), "start": "2001-01-01 10:00:00"}
            )
            self.assertIn(refusals[code], response.text)
            self.assertRegex(response.text, r'class="container o_crm_booking py-4" dir="rtl"')

    def test_withdrawn_link_says_so(self):
        self.link.action_revoke()
        response = self.url_open(self._path())
        self.assertEqual(response.status_code, 200)
        self.assertIn("This booking link was withdrawn", response.text)
        self.assertNotIn("not valid", response.text)
        self.assertNotIn("o_crm_booking_slot", response.text)

    def test_tour_customer_books_a_slot(self):
        self.start_tour(self._path(), "crm_global_booking_tour")
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        self.assertEqual(len(booking), 1)
        self.assertEqual(booking.note, "Bring the cold-chain specs")
        self.assertTrue(booking.customer_tz)
        self.assertEqual(booking.event_id.partner_ids, self.rep.partner_id | self.customer)


@tagged("post_install", "-at_install")
class TestBookingPageFeatures(BookingCase, HttpCase):
    """Zone shown and changeable, a confirm step, a confirmation with the .ics, reschedule and
    cancel from the link."""

    def _page(self, query=""):
        response = self.url_open(self.link._crm_booking_path() + query)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _book(self, query="", **data):
        page = self._page(query)
        start = re.search(r'name="start"\s+value="([^"]+)"', page)[1]
        confirm = self._page(f"{query}&start={start}" if query else f"?start={start}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm)[1]
        values = {"csrf_token": csrf, "start": start, **data}
        tz = re.search(r'name="tz" value="([^"]+)"', confirm)
        values.setdefault("tz", tz[1])
        return self.url_open(self.link._crm_booking_path(), data=values), start

    def _mails(self, booking):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "crm.booking"), ("res_id", "=", booking.id)], order="id")
        )

    def test_zone_is_changeable(self):
        page = self._page()
        self.assertIn('data-tz="Pacific/Auckland"', page, "the customer's zone without a browser")
        self.assertIn('<option value="Asia/Tokyo">', page)
        page = self._page("?tz=Asia/Tokyo")
        self.assertIn('data-tz="Asia/Tokyo"', page)
        self.assertRegex(page, r'<option value="Asia/Tokyo" selected')
        self.assertIn("<bdi>Asia/Tokyo</bdi>", page)
        # a deprecated name, as some browsers report it, is shown under its canonical name
        self.assertIn('data-tz="Asia/Kolkata"', self._page("?tz=Asia/Calcutta"))
        # not a zone: the customer's
        self.assertIn('data-tz="Pacific/Auckland"', self._page("?tz=Mars/Olympus"))
        # times are those of the chosen clock (Auckland and Tokyo are hours apart)
        slot = self.link._crm_free_slots()[0]
        auckland = self.link._crm_slot_label(slot["start"], "Pacific/Auckland")
        tokyo = self.link._crm_slot_label(slot["start"], "Asia/Tokyo")
        self.assertNotEqual(auckland[-5:], tokyo[-5:])
        self.assertIn(f"<bdi>{tokyo[-5:]}</bdi>", self._page("?tz=Asia/Tokyo"))

    def test_confirm_step_is_prefilled_then_books(self):
        self.customer.email = "aroha@example.com"
        start = re.search(r'name="start"\s+value="([^"]+)"', self._page())[1]
        confirm = self._page(f"?start={start}")
        self.assertIn("o_crm_booking_confirm_step", confirm)
        self.assertIn('value="Aroha Ngata"', confirm)
        self.assertIn('value="aroha@example.com"', confirm)
        self.assertFalse(self.env["crm.booking"].search([("link_id", "=", self.link.id)]))
        # a time that is not offered gets the list again, not a confirm step
        self.assertNotIn("o_crm_booking_confirm_step", self._page("?start=2001-01-01 10:00:00"))
        response, start = self._book(
            name="Aroha N.",
            email="aroha.ngata@example.com",
            note="Bring the cold-chain specs",
            browser_tz="Pacific/Chatham",
        )
        self.assertIn("Your meeting is booked", response.text)
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        self.assertEqual(
            (booking.attendee_name, booking.attendee_email, booking.note),
            ("Aroha N.", "aroha.ngata@example.com", "Bring the cold-chain specs"),
        )
        self.assertIn("Bring the cold-chain specs", booking.event_id.description)
        self.assertIn("aroha.ngata@example.com", self.lead.message_ids[0].body)
        # a person set the customer's zone: the browser's does not replace it
        self.assertEqual(self.customer.crm_tz, "Pacific/Auckland")

    def test_browser_zone_becomes_the_contacts_when_nobody_set_one(self):
        self.customer.tz = False
        self.customer.email = "aroha@example.com"
        self.assertEqual(self.customer.crm_tz_source, "ambiguous", "Auckland or Chatham")
        self._book(browser_tz="Pacific/Chatham")
        self.assertEqual(
            (self.customer.crm_tz, self.customer.crm_tz_source), ("Pacific/Chatham", "browser")
        )

    def test_confirmation_mail_with_ics_and_links(self):
        self.customer.email = "aroha@example.com"
        self._book()
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        mail = self._mails(booking)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(f"{self.link._crm_booking_path()}?reschedule=1", mail.body_html)
        self.assertIn(f"{self.link._crm_booking_path()}?cancel=1", mail.body_html)
        ics = mail.attachment_ids.filtered(lambda a: a.name.endswith(".ics"))
        self.assertEqual(len(ics), 1)
        content = base64.b64decode(ics.datas).decode()
        self.assertIn("BEGIN:VEVENT", content)
        self.assertIn(booking.start.strftime("%Y%m%dT%H%M%S"), content)
        # stock's invitation is not sent on top of it
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "calendar.event"), ("res_id", "=", booking.event_id.id)])
        )

    def test_confirmation_mail_right_to_left(self):
        self.env["res.lang"]._activate_lang("he_IL")
        self.customer.write({"lang": "he_IL", "email": "aroha@example.com"})
        self._book()
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        self.assertIn('dir="rtl"', self._mails(booking).body_html)

    def test_confirm_step_and_booked_page_translated_right_to_left(self):
        texts = {
            "ar_001": ("أكّد اجتماعك", "إعادة الجدولة", "المنطقة الزمنية"),
            "he_IL": ("אישור הפגישה", "קביעה מחדש", "אזור זמן"),
        }
        for code, (confirm_title, _reschedule, zone) in texts.items():
            self.env["res.lang"]._activate_lang(code)
            self.env["ir.module.module"]._load_module_terms(["crm_global"], [code])
            self.customer.lang = code
            page = self._page()
            self.assertIn(zone, page)
            start = re.search(r'name="start"\s+value="([^"]+)"', page)[1]
            confirm = self._page(f"?start={start}")
            self.assertRegex(confirm, r'class="container o_crm_booking py-4" dir="rtl"')
            self.assertIn(confirm_title, confirm)
            self.assertNotIn("Confirm your meeting", confirm)
        self.customer.email = "aroha@example.com"
        self._book()
        self.assertIn(texts["he_IL"][1], self._page(), "the booked page, in Hebrew")

    def test_reschedule_moves_the_same_meeting(self):
        self.customer.email = "aroha@example.com"
        self._book()
        first = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        event = first.event_id
        page = self._page()
        self.assertIn("o_crm_booking_reschedule", page)
        page = self._page("?reschedule=1")
        self.assertIn("o_crm_booking_rescheduling", page)
        response, start = self._book("?reschedule=1", reschedule="1")
        self.assertIn("Your meeting is booked", response.text)
        bookings = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        self.assertEqual(len(bookings), 2)
        current = bookings.filtered(lambda b: b.state == "booked")
        self.assertEqual(fields.Datetime.to_string(current.start), start)
        self.assertNotEqual(current.start, first.start)
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(current.event_id, event, "the meeting moves, no second meeting")
        self.assertEqual(event.start, current.start)
        self.assertIn("moved their meeting", self.lead.message_ids[0].body)
        # without reschedule, a booked link books nothing more
        response = self.url_open(
            self.link._crm_booking_path(),
            data={
                "csrf_token": self._csrf(),
                "start": start,
            },
        )
        self.assertEqual(self.env["crm.booking"].search_count([("link_id", "=", self.link.id)]), 2)

    def test_cancel_asks_then_cancels_and_the_link_books_again(self):
        self.customer.email = "aroha@example.com"
        self._book()
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        event = booking.event_id
        page = self._page("?cancel=1")
        self.assertIn("o_crm_booking_ask_cancel", page)
        self.assertEqual(booking.state, "booked", "asking is not cancelling (mail scanners)")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        response = self.url_open(
            self.link._crm_booking_path() + "/cancel", data={"csrf_token": csrf}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(booking.state, "cancelled")
        self.assertFalse(event.active)
        self.assertEqual(self.link.state, "open")
        self.assertIn("o_crm_booking_slot", response.text)
        self.assertIn("cancelled the meeting", self.lead.message_ids[0].body)
        mails = self._mails(booking)
        self.assertEqual(len(mails), 2)
        self.assertIn("cancelled", mails[-1].subject)
        self.assertFalse(mails[-1].attachment_ids)
        # the freed link books again
        response, _start = self._book()
        self.assertIn("Your meeting is booked", response.text)

    def test_forged_cancel_changes_nothing(self):
        self.customer.email = "aroha@example.com"
        self._book()
        booking = self.env["crm.booking"].search([("link_id", "=", self.link.id)])
        response = self.url_open(
            f"/crm/book/{self.link.id}/{'0' * 64}/cancel", data={"csrf_token": self._csrf()}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(booking.state, "booked")
