from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_datetime

from odoo.addons.base.models.res_partner import _tz_get
from odoo.addons.crm_global.tools import tz as tz_tools

LOCAL_FIELDS = (
    "crm_local_time",
    "crm_local_hour",
    "crm_local_date_from",
    "crm_local_date_to",
    "crm_local_fallback_tz",
)


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    crm_local_time = fields.Boolean(
        "Send in Each Recipient's Local Time",
        copy=True,
        help="Each recipient's mail leaves when it is the chosen time for them, inside their "
        "contact window (business hours, working days, public holidays of their country), on "
        "the first such day of the dates below.",
    )
    crm_local_hour = fields.Float(
        "Local Time",
        default=9.5,
        help="The recipient's local time at which the mail leaves; moved to the opening of "
        "their contact window when it is earlier, to the next opening when it is later.",
    )
    crm_local_date_from = fields.Date(
        "First Day", default=fields.Date.context_today, help="In each recipient's calendar."
    )
    crm_local_date_to = fields.Date(
        "Last Day",
        default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
        help="In each recipient's calendar. Recipients without an open day at that time "
        "between the first and the last day get nothing.",
    )
    crm_local_fallback_tz = fields.Selection(
        _tz_get,
        "Zone for Unknown Zones",
        default=lambda self: self._crm_company_tz(),
        help="The time zone of recipients whose zone is unknown (neither set nor inferable "
        "from their address or phone).",
    )
    crm_local_schedule_ids = fields.One2many(
        "crm.mailing.schedule", "mailing_id", string="Send Times", readonly=True, copy=False
    )
    crm_local_summary = fields.Html(
        "Send Times by Zone", compute="_compute_crm_local_summary", sanitize=False
    )
    crm_local_fallback_count = fields.Integer(
        "Recipients of Unknown Zone", compute="_compute_crm_local_summary"
    )
    crm_local_no_slot_count = fields.Integer(
        "Recipients Without a Send Time", compute="_compute_crm_local_summary"
    )

    # ------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------

    @api.constrains(*LOCAL_FIELDS, "ab_testing_enabled", "mailing_type")
    def _check_crm_local_time(self):
        for mailing in self.filtered("crm_local_time"):
            if mailing.mailing_type != "mail":
                raise ValidationError(_("Only emails can be sent in each recipient's local time."))
            if mailing.ab_testing_enabled:
                raise ValidationError(
                    _("An A/B test cannot be sent in each recipient's local time.")
                )
            if not (mailing.crm_local_date_from and mailing.crm_local_date_to):
                raise ValidationError(
                    _("Give the first and last day of a mailing sent in local time.")
                )
            if mailing.crm_local_date_from > mailing.crm_local_date_to:
                raise ValidationError(_("The first day of the mailing must not be after its last."))
            if not 0 <= mailing.crm_local_hour < 24:
                raise ValidationError(_("The local time must be between 00:00 and 23:59."))
            if not mailing.crm_local_fallback_tz:
                raise ValidationError(
                    _("Choose the time zone of recipients whose zone is unknown.")
                )

    def write(self, vals):
        if any(name in vals for name in LOCAL_FIELDS):
            queued = self.filtered(lambda m: m.state in ("in_queue", "sending"))
            changed = queued.filtered(
                lambda m: any(
                    name in vals
                    and m._fields[name].convert_to_record(
                        m._fields[name].convert_to_cache(vals[name], m), m
                    )
                    != m[name]
                    for name in LOCAL_FIELDS
                )
            )
            if changed:
                raise UserError(
                    _(
                        "The local-time settings of %(mailings)s cannot change while it is "
                        "queued or sending: cancel it first.",
                        mailings=", ".join(changed.mapped("subject")),
                    )
                )
        res = super().write(vals)
        if vals.get("state") == "draft":
            # back to draft (cancel): the send times are computed again at the next launch
            self.env.cr.execute(
                SQL(
                    "DELETE FROM crm_mailing_schedule WHERE mailing_id = ANY(%s)",
                    self.ids,
                )
            )
            self.invalidate_recordset(["crm_local_schedule_ids"])
        return res

    # ------------------------------------------------------------
    # Queue
    # ------------------------------------------------------------

    def action_put_in_queue(self):
        local = self.filtered("crm_local_time")
        now = fields.Datetime.now()
        for mailing in local:
            mailing._crm_local_schedule_remaining(now, require_one=True)
        res = super().action_put_in_queue()
        for mailing in local:
            mailing._crm_local_wait_for_next()
        return res

    def _get_remaining_recipients(self):
        """Stock's remaining recipients, less those whose send time has not come yet: every
        sending path (the queue's job, a direct call) sends only the mails due now. Recipients
        without a send time yet (they joined the mailing after it was launched) get theirs."""
        res_ids = super()._get_remaining_recipients()
        if not self.crm_local_time or not res_ids:
            return res_ids
        now = fields.Datetime.now()
        self._crm_local_schedule_remaining(now, res_ids=res_ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT unnest(res_ids) FROM crm_mailing_schedule
                 WHERE mailing_id = %s AND send_at <= %s
                """,
                self.id,
                now,
            )
        )
        due = {row[0] for row in self.env.cr.fetchall()}
        return [res_id for res_id in res_ids if res_id in due]

    def _crm_local_all_remaining(self):
        """The remaining recipients as stock (and any other addon) sees them, whether their
        time has come or not."""
        return super()._get_remaining_recipients()  # pylint: disable=super-method-mismatch

    def _action_send_mail(self, res_ids=None):
        local = self.filtered("crm_local_time")
        if local and res_ids:
            # explicit recipients: still only those whose time has come
            due = set()
            for mailing in local:
                due.update(mailing._get_remaining_recipients())
            res_ids = [res_id for res_id in res_ids if res_id in due]
            if not res_ids:
                raise UserError(_("There are no recipients selected."))
        before = {m.id: (m.sent_date, m.kpi_mail_required) for m in local}
        res = super()._action_send_mail(res_ids=res_ids)
        for mailing in local:
            # stock marks the mailing done; other zones still wait for their hour
            sent_date, kpi_required = before[mailing.id]
            mailing._crm_local_wait_for_next(
                res_ids=mailing._crm_local_all_remaining(),
                sent_date=sent_date,
                kpi_required=kpi_required,
            )
        return res

    @api.model
    def _process_mass_mailing_queue(self):
        """Before stock's job looks at the due mailings: a mailing in local time with nothing
        due now (its recipients of this hour left it) waits for its next zone instead of being
        marked done by stock."""
        now = fields.Datetime.now()
        local = self.search(
            [
                ("crm_local_time", "=", True),
                ("state", "in", ("in_queue", "sending")),
                "|",
                ("schedule_date", "<", now),
                ("schedule_date", "=", False),
            ]
        )
        for mailing in local:
            context_user = mailing.user_id or mailing.write_uid or self.env.user
            mailing = mailing.with_context(
                **self.env["res.users"].with_user(context_user).context_get()
            )
            if not mailing._get_remaining_recipients():
                mailing._crm_local_wait_for_next(res_ids=mailing._crm_local_all_remaining())
        return super()._process_mass_mailing_queue()

    def _crm_local_wait_for_next(self, res_ids=None, sent_date=None, kpi_required=None):
        """Keep the mailing in the queue until its next recipient's time (stock's job only
        looks at mailings whose scheduled date has passed); nothing more to wait for: as stock
        left it."""
        self.ensure_one()
        next_at = self._crm_local_next_departure(res_ids)
        if not next_at:
            return
        vals = {"schedule_type": "scheduled", "schedule_date": next_at}
        if self.state == "done":
            vals.update(state="sending", sent_date=sent_date, kpi_mail_required=kpi_required)
        self.write(vals)
        self.env.ref("mass_mailing.ir_cron_mass_mailing_queue")._trigger(next_at)

    def _crm_local_next_departure(self, res_ids=None):
        """The earliest send time of a recipient not reached yet (among `res_ids`, when
        given)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT min(s.send_at)
                  FROM crm_mailing_schedule s
                 CROSS JOIN unnest(s.res_ids) AS r(res_id)
                 WHERE s.mailing_id = %(mailing)s
                   AND s.send_at IS NOT NULL
                   %(among)s
                   AND r.res_id NOT IN (
                        SELECT t.res_id FROM mailing_trace t
                         WHERE t.mass_mailing_id = %(mailing)s
                           AND t.model = %(model)s AND t.res_id IS NOT NULL)
                """,
                mailing=self.id,
                model=self.mailing_model_real,
                among=SQL("AND r.res_id = ANY(%s)", list(res_ids))
                if res_ids is not None
                else SQL(),
            )
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------
    # Send times
    # ------------------------------------------------------------

    def _crm_local_schedule_remaining(self, now, res_ids=None, require_one=False):
        """Give a send time to every remaining recipient without one (not reached yet, no
        send time yet): one query for the distinct zones and clues, a few per distinct zone
        and country, one INSERT ... SELECT for all. With `require_one`, refuse (before
        writing anything) when no recipient would get the mail."""
        self.ensure_one()
        zones = self._crm_local_zone_sql(res_ids, only_missing=True)
        groups = self._crm_local_groups(zones, now)
        if not groups:
            return 0
        if (
            require_one
            and not any(group["send_at"] for group in groups)
            and not self._crm_local_next_departure(res_ids)
        ):
            raise UserError(
                _(
                    "No recipient of %(mailing)s has an open day at %(time)s between "
                    "%(first)s and %(last)s in their own calendar: choose other dates or "
                    "another time.",
                    mailing=self.subject,
                    time=tz_tools.float_to_time(self.crm_local_hour).strftime("%H:%M"),
                    first=self.crm_local_date_from,
                    last=self.crm_local_date_to,
                )
            )
        rows = defaultdict(list)
        for group in groups:
            rows[group["tz"], group["fallback"], group["send_at"]].extend(group["res_ids"])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_mailing_schedule
                       (mailing_id, tz, tz_fallback, send_at, recipient_count, res_ids)
                VALUES %s
                """,
                SQL(", ").join(
                    SQL("(%s, %s, %s, %s, %s, %s::int[])", self.id, *key, len(ids), ids)
                    for key, ids in rows.items()
                ),
            )
        )
        self.invalidate_recordset(["crm_local_schedule_ids"])
        return sum(len(ids) for ids in rows.values())

    def _crm_local_groups(self, zones, now):
        """The distinct zones and clues of the recipients of `zones` (see
        `_crm_local_zone_sql`), each with its zone (given, inferred with crm_global's rule,
        or the fallback), country, send time and number of recipients: a list of dicts
        ``tz``, ``fallback``, ``country_id``, ``send_at`` (naive UTC or None), ``res_ids``,
        ``count``."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT tz, country_id, state_id, phones, array_agg(res_id) FROM (%s) z "
                "GROUP BY tz, country_id, state_id, phones",
                zones,
            )
        )
        rows = self.env.cr.fetchall()
        Partner = self.env["res.partner"]
        countries = self.env["res.country"].browse({row[1] for row in rows if row[1]})
        states = self.env["res.country.state"].browse({row[2] for row in rows if row[2]})
        countries.mapped("code")
        states.mapped("crm_tz")
        earliest = max(now, self.schedule_date or now)
        send_times = {}
        groups = []
        for tz_key, country_id, state_id, phones, res_ids in rows:
            tz_name, fallback = tz_key, False
            if not tz_name:
                # inferred from what the record knows (crm_global's rule), once per clue
                tz_name = Partner._crm_infer_tz(
                    state=states.browse(state_id) if state_id else None,
                    country=countries.browse(country_id) if country_id else None,
                    phones=tuple(phones),
                )["tz"]
            if not tz_name:
                tz_name, fallback = self.crm_local_fallback_tz or "UTC", True
            if (tz_name, country_id) not in send_times:
                send_times[tz_name, country_id] = self._crm_local_send_at(
                    tz_name, country_id, earliest
                )
            groups.append(
                {
                    "tz": tz_name,
                    "fallback": fallback,
                    "country_id": country_id or False,
                    "send_at": send_times[tz_name, country_id],
                    "res_ids": res_ids,
                    "count": len(res_ids),
                }
            )
        return groups

    def _crm_local_zone_sql(self, res_ids=None, only_missing=False):
        """SQL of (res_id, tz, country_id, state_id, phones) of the recipients (`res_ids`, else
        the mailing's recipients domain, searched in the database). The zone is the contact's
        effective zone (crm_global's ``crm_tz``): the record itself when it is a contact, else
        its ``partner_id``, else the contact of the same email (mailing list contacts); ''
        when it must be inferred from the record's own country, state and phones. Empty
        values are '' / 0 / '{}' so that they can be grouped and joined on."""
        self.ensure_one()
        target = self.env[self.mailing_model_real]
        fields_ = target._fields

        def has(name, comodel=None):
            field = fields_.get(name)
            return bool(
                field
                and field.store
                and field.column_type
                and (comodel is None or field.comodel_name == comodel)
            )

        self.env.flush_all()
        if res_ids is not None:
            source = SQL("SELECT unnest(%s::int[])", list(res_ids))
        else:
            source = target._search(self._get_recipients_domain()).subselect()
        joins, tz_terms, country_terms, state_terms, phone_terms = [], [], [], [], []
        if target._name == "res.partner":
            tz_terms.append(SQL("t.crm_tz"))
        elif has("partner_id", "res.partner"):
            joins.append(SQL("LEFT JOIN res_partner p ON p.id = t.partner_id"))
            tz_terms.append(SQL("p.crm_tz"))
        for name, terms in (("country_id", country_terms), ("state_id", state_terms)):
            if has(name):
                terms.append(SQL("t.%s", SQL.identifier(name)))
            if joins:
                terms.append(SQL("p.%s", SQL.identifier(name)))
        for name in ("phone", "mobile"):
            if has(name) and target._name != "res.partner":
                phone_terms.append(SQL("t.%s", SQL.identifier(name)))
            if joins:
                phone_terms.append(SQL("p.%s", SQL.identifier(name)))
        if target._name != "res.partner" and has("email_normalized"):
            # the contact of the same address whose zone is known (a person's first)
            joins.append(
                SQL(
                    """
                    LEFT JOIN LATERAL (
                        SELECT e.crm_tz FROM res_partner e
                         WHERE e.email_normalized = t.email_normalized
                           AND e.crm_tz IS NOT NULL AND e.active
                         ORDER BY e.crm_tz_origin IS NULL, e.id
                         LIMIT 1) e ON TRUE
                    """
                )
            )
            tz_terms.append(SQL("e.crm_tz"))
        missing = SQL()
        if only_missing and self._origin.id:
            missing = SQL(
                """
                AND t.id NOT IN (SELECT unnest(s.res_ids) FROM crm_mailing_schedule s
                                  WHERE s.mailing_id = %(mailing)s)
                AND t.id NOT IN (SELECT r.res_id FROM mailing_trace r
                                  WHERE r.mass_mailing_id = %(mailing)s
                                    AND r.model = %(model)s AND r.res_id IS NOT NULL)
                """,
                mailing=self._origin.id,
                model=target._name,
            )
        return SQL(
            """
            SELECT t.id AS res_id,
                   COALESCE(%(tz)s, '') AS tz,
                   COALESCE(%(country)s, 0) AS country_id,
                   COALESCE(%(state)s, 0) AS state_id,
                   array_remove(ARRAY[%(phones)s]::varchar[], NULL) AS phones
              FROM %(table)s t %(joins)s
             WHERE t.id IN (%(source)s) %(missing)s
            """,
            tz=SQL("COALESCE(%s)", SQL(", ").join(tz_terms)) if tz_terms else SQL("NULL"),
            country=SQL("COALESCE(%s)", SQL(", ").join(country_terms))
            if country_terms
            else SQL("NULL"),
            state=SQL("COALESCE(%s)", SQL(", ").join(state_terms)) if state_terms else SQL("NULL"),
            phones=SQL(", ").join(phone_terms) if phone_terms else SQL("NULL"),
            table=SQL.identifier(target._table),
            joins=SQL(" ").join(joins),
            source=source,
            missing=missing,
        )

    def _crm_local_send_at(self, tz_name, country_id, earliest):
        """First instant, not before `earliest` (naive UTC), on a day of the mailing's dates in
        the zone `tz_name`, at the mailing's local time inside the contact window of
        `country_id` (crm_global's windows: business hours, working days, public holidays).
        The local time is moved to the window's opening when it is earlier, and to the next
        opening when the window is already closed at that time. None when there is no such
        instant."""
        self.ensure_one()
        zone = tz_tools.zone(tz_name)
        start = tz_tools.localize(datetime.combine(self.crm_local_date_from, time()), tz_name)
        stop = tz_tools.localize(
            datetime.combine(self.crm_local_date_to + timedelta(days=1), time()), tz_name
        )
        earliest = pytz.utc.localize(earliest)
        country = self.env["res.country"].browse(country_id)
        intervals = self.env["crm.contact.window"]._crm_open_intervals(
            country, tz_name, start.astimezone(pytz.utc), stop.astimezone(pytz.utc)
        )
        at_opening = False
        wanted_time = tz_tools.float_to_time(self.crm_local_hour)
        for open_at, close_at in intervals:
            day = open_at.astimezone(zone).date()
            wanted = tz_tools.localize(datetime.combine(day, wanted_time), tz_name)
            candidate = open_at if at_opening else max(open_at, wanted.astimezone(pytz.utc))
            at_opening = False
            if candidate >= close_at:
                at_opening = True  # the window closed before that time: its next opening
                continue
            if candidate < earliest:
                continue
            return candidate.replace(tzinfo=None)
        return None

    def _crm_local_send_times(self):
        """{res_id: (send_at, tz, fallback)} of the mailing's scheduled recipients."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.res_id, s.send_at, s.tz, s.tz_fallback
                  FROM crm_mailing_schedule s CROSS JOIN unnest(s.res_ids) AS r(res_id)
                 WHERE s.mailing_id = %s
                """,
                self.id,
            )
        )
        return {res_id: rest for res_id, *rest in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # What the form shows
    # ------------------------------------------------------------

    @api.model
    def _crm_company_tz(self):
        return self.env.company.resource_calendar_id.tz or self.env.user.tz or "UTC"

    @api.depends(*LOCAL_FIELDS, "state", "mailing_domain", "mailing_model_id", "contact_list_ids")
    def _compute_crm_local_summary(self):
        for mailing in self:
            if not mailing.crm_local_time or not (
                mailing.crm_local_date_from and mailing.crm_local_date_to
            ):
                mailing.crm_local_summary = False
                mailing.crm_local_fallback_count = 0
                mailing.crm_local_no_slot_count = 0
                continue
            values = mailing._crm_local_summary_values()
            mailing.crm_local_fallback_count = values["fallback"]
            mailing.crm_local_no_slot_count = values["no_slot"]
            mailing.crm_local_summary = self.env["ir.qweb"]._render(
                "crm_global_mass_mailing.crm_mailing_schedule_summary", values
            )

    def _crm_local_summary_values(self):
        """Before sending: recipients by company time at which they leave. Once launched:
        per zone, the company time its mails leave, how many were sent, refused and wait."""
        self.ensure_one()
        company_tz = self._crm_company_tz()
        lang = self.env.lang or "en_US"
        direction = self.env["res.lang"]._get_data(code=lang).direction or "ltr"

        def company_time(utc):
            return format_datetime(self.env, utc, tz=company_tz, dt_format="EEE d MMM HH:mm")

        launched = self._origin.id and self.state in ("in_queue", "sending", "done")
        if launched:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                    SELECT s.tz, bool_or(s.tz_fallback), min(s.send_at),
                           count(t.id) FILTER (WHERE t.trace_status != 'cancel'),
                           count(t.id) FILTER (WHERE t.trace_status = 'cancel'),
                           count(*) FILTER (WHERE t.id IS NULL AND s.send_at IS NOT NULL),
                           count(*) FILTER (WHERE t.id IS NULL AND s.send_at IS NULL),
                           count(*) FILTER (WHERE s.tz_fallback)
                      FROM crm_mailing_schedule s
                     CROSS JOIN unnest(s.res_ids) AS r(res_id)
                      LEFT JOIN mailing_trace t
                        ON t.mass_mailing_id = s.mailing_id AND t.model = %s
                       AND t.res_id = r.res_id
                     WHERE s.mailing_id = %s
                     GROUP BY s.tz
                     ORDER BY min(s.send_at) NULLS LAST, s.tz
                    """,
                    self.mailing_model_real,
                    self._origin.id,
                )
            )
            rows = self.env.cr.fetchall()
            zones = [
                {
                    "tz": tz_name,
                    "fallback": fallback,
                    "leaves": company_time(first) if first else "",
                    "sent": sent,
                    "refused": refused,
                    "queued": queued,
                    "no_slot": no_slot,
                }
                for tz_name, fallback, first, sent, refused, queued, no_slot, _fallbacks in rows
            ]
            fallback = sum(row[7] for row in rows)
            no_slot = sum(row[6] for row in rows)
            return {
                "launched": True,
                "zones": zones,
                "bars": [],
                "fallback": fallback,
                "no_slot": no_slot,
                "company_tz": company_tz,
                "fallback_tz": self.crm_local_fallback_tz,
                "direction": direction,
            }
        now = fields.Datetime.now()
        groups = (
            self._crm_local_groups(self._crm_local_zone_sql(), now)
            if self.mailing_model_real
            else []
        )
        by_time = defaultdict(lambda: {"count": 0, "zones": set()})
        fallback = no_slot = 0
        for group in groups:
            if group["fallback"]:
                fallback += group["count"]
            if not group["send_at"]:
                no_slot += group["count"]
                continue
            entry = by_time[group["send_at"]]
            entry["count"] += group["count"]
            entry["zones"].add(group["tz"])
        top = max((entry["count"] for entry in by_time.values()), default=1)
        bars = [
            {
                "leaves": company_time(send_at),
                "count": entry["count"],
                "zones": ", ".join(sorted(entry["zones"])),
                "width": max(round(100 * entry["count"] / top), 1),
            }
            for send_at, entry in sorted(by_time.items())
        ]
        return {
            "launched": False,
            "zones": [],
            "bars": bars,
            "fallback": fallback,
            "no_slot": no_slot,
            "company_tz": company_tz,
            "fallback_tz": self.crm_local_fallback_tz,
            "direction": direction,
        }
