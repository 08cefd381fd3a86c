from datetime import datetime

from odoo import modules
from odoo.tests import TransactionCase, freeze_time


class LocalTimeCommon(TransactionCase):
    """Recipients around the world (contacts whose zone a person set, or inferred from their
    country), a company in Brussels, and a helper that builds a mailing in local time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.company.resource_calendar_id.tz = "Europe/Brussels"
        cls.env.user.tz = "Europe/Brussels"
        cls.partner_model = cls.env["ir.model"]._get("res.partner")
        # mails wait in the outgoing queue, as they do for bigger mailings
        cls.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)

    def setUp(self):
        super().setUp()
        # as under Odoo's own test runner: a mail sent at once (a mailing's only due
        # recipient is sent at once by stock's composer) reaches no SMTP server
        self.patch(modules.module, "current_test", True)

    @classmethod
    def _person(cls, name, tz=None, country=None):
        vals = {"name": name, "email": f"{name.lower().replace(' ', '.')}@example.com"}
        if tz:
            vals["tz"] = tz
        if country:
            vals["country_id"] = cls.env.ref(f"base.{country}").id
        partner = cls.env["res.partner"].create(vals)
        if tz:
            # a person set this zone (also when it equals the creating user's default)
            partner.tz = tz
        return partner

    def _mailing(self, partners, first, last, hour=9.5, fallback="UTC", **vals):
        return self.env["mailing.mailing"].create(
            {
                "subject": "Local time",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.partner_model.id,
                "mailing_domain": repr([("id", "in", partners.ids)]),
                "crm_local_time": True,
                "crm_local_hour": hour,
                "crm_local_date_from": first,
                "crm_local_date_to": last,
                "crm_local_fallback_tz": fallback,
                **vals,
            }
        )

    def _send_times(self, mailing):
        return {
            res_id: send_at or False
            for res_id, (send_at, _tz, _fallback) in mailing._crm_local_send_times().items()
        }

    def _launch(self, mailing, now):
        with freeze_time(now):
            mailing.action_launch()
        return self._send_times(mailing)

    def _run_queue(self, now):
        with freeze_time(now):
            self.env["mailing.mailing"]._process_mass_mailing_queue()
        self.env.invalidate_all()

    def _traces(self, mailing):
        return {trace.res_id: trace for trace in mailing.mailing_trace_ids}

    @staticmethod
    def utc(*args):
        return datetime(*args)
