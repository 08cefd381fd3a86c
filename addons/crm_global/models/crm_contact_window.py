from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date, format_time

from ..tools import tz as tz_tools

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CrmContactWindow(models.Model):
    """When customers of a country may be called or met: business hours and working days. The
    row without a country applies to every country without a row of its own."""

    _name = "crm.contact.window"
    _description = "Customer Contact Window"
    _order = "country_id nulls first, name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    country_id = fields.Many2one(
        "res.country", help="Leave empty for the window used where a country has none."
    )
    hour_from = fields.Float("Business Hours From", default=9.0, required=True)
    hour_to = fields.Float("Business Hours To", default=18.0, required=True)
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean()
    sunday = fields.Boolean()
    weekend_label = fields.Char("Weekend", compute="_compute_weekend_label")
    holiday_ids = fields.One2many(
        "crm.public.holiday",
        compute="_compute_holiday_ids",
        string="Public Holidays",
    )

    _sql_constraints = (
        ("country_unique", "unique(country_id)", "A country has one contact window."),
        (
            "hours_check",
            "CHECK(hour_from >= 0 AND hour_to <= 24 AND hour_from < hour_to)",
            "Business hours must start before they end, within the day (0 to 24).",
        ),
    )

    @api.constrains("country_id", "active")
    def _check_single_default(self):
        if self.search_count([("country_id", "=", False)]) > 1:
            raise ValidationError(_("Only one contact window may leave the country empty."))

    @api.depends(*WEEKDAYS)
    @api.depends_context("lang")
    def _compute_weekend_label(self):
        labels = {name: self._fields[name]._description_string(self.env) for name in WEEKDAYS}
        for window in self:
            off = [labels[name] for name in WEEKDAYS if not window[name]]
            window.weekend_label = ", ".join(off) or _("None")

    @api.depends("country_id")
    def _compute_holiday_ids(self):
        holidays = self.env["crm.public.holiday"].search(
            [("country_id", "in", self.country_id.ids)]
        )
        by_country = {}
        for holiday in holidays:
            by_country.setdefault(holiday.country_id, self.env["crm.public.holiday"])
            by_country[holiday.country_id] |= holiday
        for window in self:
            window.holiday_ids = by_country.get(window.country_id, holidays.browse())

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    @api.model
    def _crm_window_for(self, country):
        """The country's own window, else the one without a country: one query, which also
        reads what the checks need."""
        return self.search_fetch(
            [("country_id", "in", [country.id, False] if country else [False])],
            ["country_id", "hour_from", "hour_to", *WEEKDAYS],
            order="country_id NULLS LAST",
            limit=1,
        )

    def _crm_is_working_day(self, day):
        self.ensure_one()
        return bool(self[WEEKDAYS[day.weekday()]])

    @api.model
    def _crm_holidays(self, country, first_day, last_day):
        if not country:
            return {}
        holidays = self.env["crm.public.holiday"].search_fetch(
            [
                ("country_id", "=", country.id),
                ("date", ">=", first_day),
                ("date", "<=", last_day),
            ],
            ["date", "name"],
        )
        return {holiday.date: holiday.name for holiday in holidays}

    @api.model
    def _crm_check_day(self, country, day, who):
        """Why `day` (a date) is not a day to contact `who` in `country`; [] if it is."""
        window = self._crm_window_for(country)
        if not window:
            return []
        reasons = []
        holiday = self._crm_holidays(country, day, day).get(day)
        if holiday:
            reasons.append(
                _(
                    "%(date)s is a public holiday in %(country)s (%(holiday)s).",
                    date=format_date(self.env, day),
                    country=country.name,
                    holiday=holiday,
                )
            )
        elif not window._crm_is_working_day(day):
            reasons.append(
                _(
                    "%(date)s is a weekend day for %(who)s (weekend: %(weekend)s).",
                    date=format_date(self.env, day, date_format="EEEE d MMMM"),
                    who=who,
                    weekend=window.weekend_label,
                )
            )
        return reasons

    @api.model
    def _crm_check_time(self, country, tz_name, start, stop, who, allday=False):
        """Why the meeting [start, stop) (naive UTC) is outside the contact window of `who`
        (in `country`, time zone `tz_name`); [] when it fits."""
        if allday or not tz_name:
            # an all-day event, or a customer whose clock is unknown: only the day can be checked
            return self._crm_check_day(country, start.date(), who)
        window = self._crm_window_for(country)
        if not window:
            return []
        local_start = tz_tools.utc_to_local(start, tz_name)
        local_stop = tz_tools.utc_to_local(stop or start, tz_name)
        reasons = self._crm_check_day(country, local_start.date(), who)
        if reasons:
            return reasons
        open_at, close_at = tz_tools.local_day_interval(
            local_start.date(), window.hour_from, window.hour_to, tz_name
        )
        if local_start < open_at or local_stop > close_at:
            reasons.append(
                _(
                    "%(start)s-%(stop)s (%(tz)s) is outside the business hours of %(who)s "
                    "(%(hour_from)s-%(hour_to)s).",
                    start=format_time(self.env, local_start.time(), time_format="HH:mm"),
                    stop=format_time(self.env, local_stop.time(), time_format="HH:mm"),
                    tz=tz_name,
                    who=who,
                    hour_from=tz_tools.float_to_time(window.hour_from).strftime("%H:%M"),
                    hour_to=tz_tools.float_to_time(window.hour_to).strftime("%H:%M"),
                )
            )
        return reasons

    @api.model
    def _crm_open_intervals(self, country, tz_name, start, stop):
        """Aware UTC intervals between aware `start` and `stop` when the customer may be
        contacted: business hours of working days that are not public holidays, built day by day
        on the customer's own calendar (so daylight-saving changes are followed)."""
        window = self._crm_window_for(country)
        if not tz_name:
            return []
        local_first = start.astimezone(tz_tools.zone(tz_name)).date()
        local_last = stop.astimezone(tz_tools.zone(tz_name)).date()
        holidays = self._crm_holidays(country, local_first, local_last)
        intervals = []
        day = local_first
        while day <= local_last:
            if not window:
                open_at, close_at = tz_tools.local_day_interval(day, 0, 24, tz_name)
            elif window._crm_is_working_day(day) and day not in holidays:
                open_at, close_at = tz_tools.local_day_interval(
                    day, window.hour_from, window.hour_to, tz_name
                )
            else:
                day += timedelta(days=1)
                continue
            open_at, close_at = max(open_at, start), min(close_at, stop)
            if open_at < close_at:
                intervals.append((open_at, close_at))
            day += timedelta(days=1)
        return intervals
