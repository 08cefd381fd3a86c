import threading
import uuid

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestBookingConcurrency(BaseCase):
    """Two customers pick the same slot at the same moment, each in their own transaction on
    committed data: the database lets exactly one booking through. The fixtures are committed
    (the point is to see two real transactions) and removed afterwards."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        suffix = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            country = env.ref("base.nz")
            window = env["crm.contact.window"].search([("country_id", "=", country.id)])
            self.created_window = not window
            if not window:
                window = env["crm.contact.window"].create({"name": "NZ", "country_id": country.id})
            self.saved_window = window.read(["hour_from", "hour_to", "saturday", "sunday"])[0]
            window.write({"hour_from": 0, "hour_to": 24, "saturday": True, "sunday": True})
            calendar = env["resource.calendar"].create(
                {
                    "name": f"Round the clock {suffix}",
                    "tz": "Pacific/Auckland",
                    "attendance_ids": [(5, 0, 0)]
                    + [
                        (
                            0,
                            0,
                            {
                                "name": f"Day {day}",
                                "dayofweek": str(day),
                                "hour_from": 0,
                                "hour_to": 24,
                                "day_period": "morning",
                            },
                        )
                        for day in range(7)
                    ],
                }
            )
            user = env["res.users"].create(
                {
                    "name": f"Tane {suffix}",
                    "login": f"tane_{suffix}",
                    "tz": "Pacific/Auckland",
                    "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
                }
            )
            env["resource.resource"].create(
                {"name": user.name, "user_id": user.id, "calendar_id": calendar.id}
            )
            links = env["crm.booking.link"]
            partners = env["res.partner"]
            for name in ("Hemi", "Kiri"):
                partner = env["res.partner"].create(
                    {"name": f"{name} {suffix}", "country_id": country.id, "tz": "Pacific/Auckland"}
                )
                lead = env["crm.lead"].create(
                    {"name": f"Deal {name}", "partner_id": partner.id, "user_id": user.id}
                )
                partners |= partner
                links |= env["crm.booking.link"].create(
                    {
                        "lead_id": lead.id,
                        "partner_id": partner.id,
                        "user_id": user.id,
                        "notice_hours": 0,
                        "days": 2,
                    }
                )
            self.slot = links[0]._crm_free_slots()[0]["start"]
            self.ids = {
                "links": links.ids,
                "leads": links.lead_id.ids,
                "partners": partners.ids,
                "user": user.id,
                "calendar": calendar.id,
                "window": window.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env["crm.booking.link"].browse(self.ids["links"])
            events = links.booking_ids.event_id
            links.booking_ids.unlink()
            events.unlink()
            env["crm.lead"].browse(self.ids["leads"]).unlink()
            user = env["res.users"].browse(self.ids["user"])
            user.resource_ids.unlink()
            env["resource.calendar"].browse(self.ids["calendar"]).unlink()
            window = env["crm.contact.window"].browse(self.ids["window"])
            if self.created_window:
                window.unlink()
            else:
                window.write({k: v for k, v in self.saved_window.items() if k != "id"})
            partners = env["res.partner"].browse(self.ids["partners"])
            user.active = False
            partners.active = False

    def _book_in_thread(self, link_id, barrier, results):
        with self.registry.cursor() as cr:
            # Under odoo-bin the main thread holds Registry._lock while tests run: a new
            # Environment must not look the registry up again (Registry(dbname)) from a thread.
            cr.transaction = api.Transaction(self.registry)
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            link = env["crm.booking.link"].browse(link_id)
            link._crm_free_slots()  # both read the slot as free before either books
            barrier.wait(timeout=30)
            try:
                link._crm_book(self.slot)
                results[link_id] = "booked"  # committed when the cursor closes
            except UserError as error:
                cr.rollback()
                results[link_id] = str(error)

    def test_same_slot_same_moment_books_once(self):
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(target=self._book_in_thread, args=(link_id, barrier, results))
            for link_id in self.ids["links"]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(len(results), 2, results)
        self.assertEqual(list(results.values()).count("booked"), 1, results)
        refused = [value for value in results.values() if value != "booked"]
        self.assertEqual(len(refused), 1)
        self.assertIn("Someone booked this time a moment ago", refused[0])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bookings = env["crm.booking"].search([("link_id", "in", self.ids["links"])])
            self.assertEqual(len(bookings), 1)
            self.assertEqual(bookings.start, self.slot)
            self.assertEqual(len(bookings.event_id), 1)
            links = env["crm.booking.link"].browse(self.ids["links"])
            self.assertEqual(sorted(links.mapped("state")), ["booked", "open"])
