import threading
import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestQueueWorkers(BaseCase):
    """Two cron workers reach stock's mailing queue job at the same moment, each with its own
    transaction on committed data: stock's job lock (the ir_cron row, taken FOR NO KEY UPDATE
    SKIP LOCKED and held until the job is over) lets one of them run it, and each due mail is
    created once; a later run creates none again. The fixtures are committed (the point is to
    see two real transactions) and removed afterwards."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        suffix = uuid.uuid4().hex[:8]
        now = fields.Datetime.now()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            # every day and hour open for these two countries' contacts (no weekend surprise)
            windows = env["crm.contact.window"]
            self.saved_windows = {}
            self.created_windows = []
            for code in ("nz", "cl"):
                country = env.ref(f"base.{code}")
                window = windows.search([("country_id", "=", country.id)])
                if window:
                    self.saved_windows[window.id] = window.read(
                        ["hour_from", "hour_to", "saturday", "sunday", "friday", "monday"]
                    )[0]
                else:
                    window = windows.create({"name": code, "country_id": country.id})
                    self.created_windows.append(window.id)
                window.write(
                    {
                        "hour_from": 0,
                        "hour_to": 24,
                        "saturday": True,
                        "sunday": True,
                        "monday": True,
                        "friday": True,
                    }
                )
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Worker test {i} {suffix}",
                        "email": f"worker.{i}.{suffix}@example.com",
                        "country_id": env.ref("base.nz" if i % 2 else "base.cl").id,
                    }
                    for i in range(6)
                ]
            )
            partners.write({"tz": False})
            for partner in partners:
                partner.tz = (
                    "Pacific/Auckland" if partner.country_id.code == "NZ" else ("America/Santiago")
                )
            # local time: now in each zone
            mailings = env["mailing.mailing"]
            for tz_name in ("Pacific/Auckland", "America/Santiago"):
                local_now = fields.Datetime.context_timestamp(
                    env["res.partner"].with_context(tz=tz_name), now
                )
                mailings |= env["mailing.mailing"].create(
                    {
                        "subject": f"Workers {tz_name} {suffix}",
                        "body_html": "<p>Hello</p>",
                        "mailing_model_id": env["ir.model"]._get_id("res.partner"),
                        "mailing_domain": repr(
                            [("id", "in", partners.filtered(lambda p, z=tz_name: p.tz == z).ids)]
                        ),
                        "crm_local_time": True,
                        "crm_local_hour": local_now.hour + local_now.minute / 60,
                        "crm_local_date_from": local_now.date(),
                        "crm_local_date_to": local_now.date() + timedelta(days=1),
                        "crm_local_fallback_tz": "UTC",
                    }
                )
            mailings.action_launch()
            # their time has come a minute ago (the job runs below, a moment later)
            env.flush_all()
            cr.execute(
                "UPDATE crm_mailing_schedule SET send_at = %s WHERE mailing_id = ANY(%s)",
                [now - timedelta(minutes=1), mailings.ids],
            )
            mailings.write({"schedule_date": now - timedelta(minutes=1)})
            self.assertEqual(set(mailings.mapped("state")), {"in_queue"})
            self.cron_id = env.ref("mass_mailing.ir_cron_mass_mailing_queue").id
            self.ids = {"partners": partners.ids, "mailings": mailings.ids}
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            mailings = env["mailing.mailing"].browse(self.ids["mailings"])
            env["mail.mail"].search([("mailing_id", "in", mailings.ids)]).unlink()
            mailings.mailing_trace_ids.unlink()
            mailings.unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()
            for window_id, values in self.saved_windows.items():
                env["crm.contact.window"].browse(window_id).write(
                    {k: v for k, v in values.items() if k != "id"}
                )
            env["crm.contact.window"].browse(self.created_windows).unlink()

    def _worker(self, name, barrier, results):
        try:
            self._work(name, barrier, results)
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            results[name] = repr(error)

    def _work(self, name, barrier, results):
        """What a cron worker does (ir.cron._process_jobs): take the job's lock in one
        transaction, run the job in another, release the lock when it is over."""
        IrCron = self.registry["ir.cron"]
        with self.registry.cursor() as cron_cr:
            cron_cr.transaction = api.Transaction(self.registry)
            barrier.wait(timeout=30)
            job = IrCron._acquire_one_job(cron_cr, self.cron_id)
            results[name] = "ran" if job else "skipped"
            barrier.wait(timeout=30)  # both tried while the first holds the lock
            if not job:
                return
            with self.registry.cursor() as job_cr:
                job_cr.transaction = api.Transaction(self.registry)
                env = api.Environment(job_cr, job["user_id"], {})
                env["mailing.mailing"]._process_mass_mailing_queue()
            env = api.Environment(cron_cr, SUPERUSER_ID, {})
            env["ir.cron"]._reschedule_later(job)

    def _run_two_workers(self):
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(target=self._worker, args=(name, barrier, results))
            for name in ("worker A", "worker B")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    def _mail_counts(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT t.res_id, count(*) FROM mailing_trace t
                 WHERE t.mass_mailing_id = ANY(%s) GROUP BY t.res_id
                """,
                [self.ids["mailings"]],
            )
            traces = dict(cr.fetchall())
            cr.execute(
                "SELECT count(*) FROM mail_mail WHERE mailing_id = ANY(%s)",
                [self.ids["mailings"]],
            )
            return traces, cr.fetchone()[0]

    def test_two_workers_send_each_mail_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.cron"].browse(self.cron_id)._trigger()
        results = self._run_two_workers()
        self.assertEqual(sorted(results.values()), ["ran", "skipped"], results)
        traces, mails = self._mail_counts()
        self.assertEqual(traces, dict.fromkeys(self.ids["partners"], 1))
        self.assertEqual(mails, 6)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            mailings = env["mailing.mailing"].browse(self.ids["mailings"])
            self.assertEqual(set(mailings.mapped("state")), {"done"})
            env["ir.cron"].browse(self.cron_id)._trigger()
        # both again, nothing left: no mail twice
        self._run_two_workers()
        self.assertEqual(self._mail_counts(), (traces, 6))
