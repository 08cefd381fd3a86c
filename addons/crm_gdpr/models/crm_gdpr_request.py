from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..claim import claim

REQUEST_TYPES = [
    ("access", "Access (Art. 15)"),
    ("portability", "Portability (Art. 20)"),
    ("rectification", "Rectification (Art. 16)"),
    ("erasure", "Erasure (Art. 17)"),
    ("restriction", "Restriction (Art. 18)"),
    ("objection", "Objection (Art. 21)"),
]

OPEN_STATES = ("new", "verified")

IDENTITY_METHODS = [
    ("email", "Confirmed from the email address we hold"),
    ("account", "Signed in to their customer account"),
    ("document", "Identity document shown (not kept)"),
    ("known", "Known person (phone or in person)"),
]


class CrmGdprRequest(models.Model):
    """A data-subject request: received on a date, identity verified, assigned, answered within
    the legal deadline (one month, extended by up to two months with a recorded reason)."""

    _name = "crm.gdpr.request"
    _description = "Data-Subject Request"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "deadline, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    request_type = fields.Selection(REQUEST_TYPES, string="Type", required=True, tracking=True)
    state = fields.Selection(
        [
            ("new", "Received"),
            ("verified", "Identity Verified"),
            ("done", "Answered"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="new",
        readonly=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    subject_id = fields.Many2one(
        "crm.gdpr.subject", string="Person", tracking=True, index=True, ondelete="restrict"
    )
    partner_id = fields.Many2one("res.partner", string="Contact", check_company=True, tracking=True)
    requester_name = fields.Char(string="Name Given", tracking=True)
    requester_email = fields.Char(string="Email Given", tracking=True)
    received_via = fields.Selection(
        [
            ("email", "Email"),
            ("letter", "Letter"),
            ("phone", "Phone"),
            ("portal", "Customer Portal"),
            ("web", "Web Form"),
            ("in_person", "In Person"),
        ],
        default="email",
        required=True,
    )
    date_received = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The legal deadline runs from this day.",
    )
    description = fields.Text(string="What Was Asked")
    user_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    # Identity
    identity_method = fields.Selection(
        IDENTITY_METHODS,
        string="Identity Checked By",
        tracking=True,
    )
    identity_note = fields.Text()
    identity_verified_by = fields.Many2one("res.users", readonly=True)
    identity_verified_date = fields.Datetime(readonly=True)
    # Deadline
    deadline_original = fields.Date(
        string="Legal Deadline",
        compute="_compute_deadline",
        store=True,
        help="One month after the request was received (Art. 12(3)).",
    )
    extension_months = fields.Integer(
        string="Extension (months)",
        default=0,
        tracking=True,
        help="Up to two more months for complex or numerous requests; the person must be told "
        "why within the first month.",
    )
    extension_reason = fields.Text(tracking=True)
    deadline = fields.Date(compute="_compute_deadline", store=True, tracking=True, index=True)
    days_left = fields.Integer(compute="_compute_days_left")
    is_overdue = fields.Boolean(compute="_compute_days_left", search="_search_is_overdue")
    reminder_state = fields.Selection(
        [("none", "None"), ("due_soon", "Reminded"), ("overdue", "Overdue Reminded")],
        default="none",
        readonly=True,
        copy=False,
    )
    # Outcome
    date_done = fields.Datetime(string="Answered On", readonly=True, copy=False)
    response = fields.Text(string="Answer")
    rejection_reason = fields.Text()
    # The archive holds everything about the person: the officer's only (its file is stored as
    # the attachment of a field of the officer's group, which ir.attachment checks too).
    archive_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Data Archive Attachment",
        readonly=True,
        copy=False,
        groups="crm_gdpr.group_gdpr_dpo",
    )
    archive_file = fields.Binary(
        string="Data Archive",
        attachment=True,
        readonly=True,
        copy=False,
        groups="crm_gdpr.group_gdpr_dpo",
    )
    archive_filename = fields.Char(readonly=True, copy=False)
    archive_sent_date = fields.Datetime(
        string="Archive Sent On", readonly=True, copy=False, tracking=True
    )
    evidence_attachment_id = fields.Many2one(
        "ir.attachment", string="Erasure Evidence", readonly=True, copy=False
    )

    @api.constrains("extension_months", "extension_reason")
    def _check_extension(self):
        for request in self:
            if not 0 <= request.extension_months <= 2:
                raise ValidationError(
                    self.env._("The deadline can be extended by two months at most (Art. 12(3)).")
                )
            if request.extension_months and not (request.extension_reason or "").strip():
                raise ValidationError(
                    self.env._("Write down why the deadline is extended: the person is told why.")
                )

    @api.depends("date_received", "extension_months", "company_id")
    def _compute_deadline(self):
        for request in self:
            if not request.date_received:
                request.deadline_original = request.deadline = False
                continue
            request.deadline_original = request._legal_deadline(request.date_received, 0)
            request.deadline = request._legal_deadline(
                request.date_received, request.extension_months
            )

    def _legal_deadline(self, date_received, extension_months):
        """The same day `1 + extension_months` months later (the last day of the month when that
        month is shorter); a deadline on a weekend or a public holiday of the company's working
        calendar moves to the next working day (Regulation 1182/71, Art. 3(4))."""
        deadline = date_received + relativedelta(months=1 + (extension_months or 0))
        holidays = self._company_holidays(deadline, deadline + timedelta(days=14))
        while deadline.weekday() >= 5 or deadline in holidays:
            deadline += timedelta(days=1)
        return deadline

    def _company_holidays(self, date_from, date_to):
        calendar = (self.company_id or self.env.company).resource_calendar_id
        days = set()
        for leave in calendar.global_leave_ids.filtered(
            lambda leave: leave.date_from.date() <= date_to and leave.date_to.date() >= date_from
        ):
            day = leave.date_from.date()
            while day <= leave.date_to.date():
                days.add(day)
                day += timedelta(days=1)
        return days

    @api.depends("deadline", "state")
    @api.depends_context("tz")
    def _compute_days_left(self):
        today = fields.Date.context_today(self)
        for request in self:
            open_request = request.state in OPEN_STATES and request.deadline
            request.days_left = (request.deadline - today).days if open_request else 0
            request.is_overdue = bool(open_request and request.deadline < today)

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        today = fields.Date.context_today(self)
        domain = [("state", "in", OPEN_STATES), ("deadline", "<", today)]
        return domain if (operator == "=") == value else ["!", *domain]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("crm.gdpr.request") or "/"
        requests = super().create(vals_list)
        requests._link_subject()
        return requests

    # Moved by the workflow methods only (they write them as superuser after their checks).
    WORKFLOW_FIELDS = frozenset(
        {
            "state",
            "identity_verified_by",
            "identity_verified_date",
            "date_done",
            "archive_attachment_id",
            "archive_file",
            "archive_filename",
            "archive_sent_date",
            "evidence_attachment_id",
            "reminder_state",
            "subject_id",
        }
    )

    def write(self, vals):
        if self.WORKFLOW_FIELDS & set(vals) and not self.env.su:
            raise UserError(self.env._("Use the buttons of the request to move it forward."))
        if "extension_months" in vals:
            self._check_can_extend(vals["extension_months"])
        res = super().write(vals)
        if {"partner_id", "requester_email"} & set(vals):
            self._link_subject()
        if "extension_months" in vals or "date_received" in vals:
            self.filtered(lambda r: r.reminder_state != "none" and not r.is_overdue).sudo().write(
                {"reminder_state": "none"}
            )
        return res

    def _check_can_extend(self, months):
        today = fields.Date.context_today(self)
        for request in self:
            if months == request.extension_months:
                continue
            if request.state not in OPEN_STATES:
                raise ValidationError(self.env._("Only an open request can be extended."))
            if months > request.extension_months and request.deadline_original < today:
                raise ValidationError(
                    self.env._(
                        "The deadline of %s has already passed: an extension had to be decided "
                        "and told to the person within the first month.",
                        request.name,
                    )
                )

    def _link_subject(self):
        Subject = self.env["crm.gdpr.subject"].sudo()
        for request in self.filtered(lambda r: not r.subject_id):
            if not request.partner_id and not tools.email_normalize(request.requester_email or ""):
                continue
            # A new request about a contact already erased is about the same (erased) person.
            erased = (
                Subject.with_context(active_test=False).search(
                    [("partner_id", "=", request.partner_id.id), ("erased", "=", True)], limit=1
                )
                if request.partner_id
                else Subject
            )
            if erased:
                request.sudo().subject_id = erased
                continue
            request.sudo().subject_id = Subject._find_or_create(
                partner=request.partner_id.sudo(),
                email=request.requester_email,
                name=request.requester_name,
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_new(self):
        if any(request.state != "new" for request in self):
            raise UserError(
                self.env._("A request that was worked on is kept as evidence: reject it instead.")
            )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def _check_dpo(self):
        if not self.env.is_superuser() and not self.env.user.has_group("crm_gdpr.group_gdpr_dpo"):
            raise AccessError(
                self.env._("Only a data protection officer can do this for a data-subject request.")
            )

    def _check_open(self):
        for request in self:
            if request.state not in OPEN_STATES:
                raise UserError(self.env._("The request %s is already closed.", request.name))

    def action_open_identity_check(self):
        """Ask how the identity was checked, then verify (the button of the form)."""
        self.ensure_one()
        self._check_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("How was the identity checked?"),
            "res_model": "crm.gdpr.identity.check",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_request_id": self.id,
                "default_identity_method": self.identity_method,
                "default_identity_note": self.identity_note,
            },
        }

    def action_verify_identity(self):
        self._check_open()
        for request in self:
            if not request.identity_method:
                raise UserError(self.env._("Say how the identity of the person was checked first."))
            if not request.subject_id:
                raise UserError(
                    self.env._("Link the request to a contact or an email address first.")
                )
        self.sudo().write(
            {
                "state": "verified",
                "identity_verified_by": self.env.user.id,
                "identity_verified_date": fields.Datetime.now(),
            }
        )

    def _check_verified(self):
        self._check_open()
        for request in self:
            if request.state != "verified":
                raise UserError(
                    self.env._(
                        "Verify the identity of the person behind %s before acting on it.",
                        request.name,
                    )
                )

    def action_process(self):
        """Do what the request asks, depending on its type."""
        self.ensure_one()
        self._check_verified()
        handler = getattr(self, f"_process_{self.request_type}")
        return handler()

    def _process_access(self):
        # The archive holds everything about the person, whoever's records hold it: it is
        # built by the officer, and only the officer's group can read it.
        self._check_dpo()
        archive = self.subject_id._gdpr_export_archive(self)
        self.sudo().write({"archive_attachment_id": archive.id, "archive_filename": archive.name})
        self._mark_done(self.env._("The archive of the person's data is ready: send it to them."))

    def action_send_archive(self):
        """Send the archive to the person, at the address they are known by."""
        self.ensure_one()
        self._check_dpo()
        request = self.sudo()
        if request.request_type not in ("access", "portability") or not (
            request.archive_attachment_id
        ):
            raise UserError(self.env._("Build the data archive first."))
        email = request.requester_email or request.partner_id.email or request.subject_id.email
        if not tools.email_normalize(email or ""):
            raise UserError(
                self.env._("The person has no email address: hand the archive over otherwise.")
            )
        template = self.env.ref("crm_gdpr.mail_template_request_archive")
        mail_id = template.sudo().send_mail(
            request.id,
            email_values={
                "email_to": email,
                "recipient_ids": [],
                "attachment_ids": [fields.Command.link(request.archive_attachment_id.id)],
            },
        )
        request.write({"archive_sent_date": fields.Datetime.now()})
        request.message_post(body=self.env._("The data archive was sent to the person."))
        return mail_id

    def _process_portability(self):
        self._process_access()

    def _process_rectification(self):
        if not (self.response or "").strip():
            raise UserError(
                self.env._("Correct the data, then write in the answer what was corrected.")
            )
        self._mark_done()

    def _process_restriction(self):
        self.subject_id.sudo().write({"processing_restricted": True})
        self._mark_done(
            self.env._("Processing is restricted: no mailing, sharing or profiling any more.")
        )

    def _process_objection(self):
        self.subject_id.sudo().write({"objected": True})
        self._mark_done(
            self.env._("The objection is recorded: no mailing, sharing or profiling any more.")
        )

    def _process_erasure(self):
        self._check_dpo()
        return self.env["crm.gdpr.eraser"]._erase_for_request(self)

    def _erasure_certificate_data(self):
        """The erasure evidence, for the certificate (no personal data: it never holds any)."""
        self.ensure_one()
        attachment = self.sudo().evidence_attachment_id
        if not attachment:
            return {}
        return self.env["crm.gdpr.eraser"]._evidence_payload(attachment)

    def action_print_erasure_certificate(self):
        self.ensure_one()
        self._check_dpo()
        if not self.sudo().evidence_attachment_id:
            raise UserError(self.env._("Erase the person's data first."))
        return self.env.ref("crm_gdpr.action_report_erasure_certificate").report_action(self)

    def action_lift_restriction(self):
        self.ensure_one()
        self._check_dpo()
        if self.request_type != "restriction" or self.state != "done":
            raise UserError(self.env._("Only an answered restriction request can be lifted."))
        self.subject_id.sudo().write({"processing_restricted": False})
        self.message_post(body=self.env._("The restriction of processing was lifted."))

    def action_reject(self):
        for request in self:
            request._check_open()
            if not (request.rejection_reason or "").strip():
                raise UserError(
                    self.env._("Write down why the request is rejected: the person is told why.")
                )
        self.sudo().write({"state": "rejected", "date_done": fields.Datetime.now()})

    def _mark_done(self, note=None):
        self.sudo().write({"state": "done", "date_done": fields.Datetime.now()})
        self.activity_ids.action_feedback(feedback=note or self.env._("Answered"))
        if note:
            self.message_post(body=note)

    # ------------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_remind_deadlines(self, batch_size=500):
        """Give the assignee an activity before a deadline passes, and again when it has
        passed. Each reminder is given once (reminder_state), so running twice adds nothing;
        the requests are claimed (SKIP LOCKED), so two workers never remind the same one."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        done = remaining = 0
        for company in self.env["res.company"].search([]):
            days = company.gdpr_request_reminder_days
            overdue_domain = [
                ("company_id", "=", company.id),
                ("state", "in", OPEN_STATES),
                ("deadline", "<", today),
                ("reminder_state", "!=", "overdue"),
            ]
            overdue, lost_race = claim(self, overdue_domain, limit=batch_size)
            for request in overdue:
                request._remind(
                    activity_type,
                    self.env._(
                        "Overdue: %(name)s was due on %(date)s",
                        name=request.name,
                        date=tools.format_date(self.env, request.deadline),
                    ),
                )
            overdue.sudo().write({"reminder_state": "overdue"})
            due_soon_domain = [
                ("company_id", "=", company.id),
                ("state", "in", OPEN_STATES),
                ("deadline", ">=", today),
                ("deadline", "<=", today + timedelta(days=days)),
                ("reminder_state", "=", "none"),
            ]
            due_soon = self.browse()
            if not lost_race:
                due_soon, lost_race = claim(self, due_soon_domain, limit=batch_size)
            for request in due_soon:
                request._remind(
                    activity_type,
                    self.env._(
                        "%(name)s is due on %(date)s",
                        name=request.name,
                        date=tools.format_date(self.env, request.deadline),
                    ),
                )
            due_soon.sudo().write({"reminder_state": "due_soon"})
            done += len(overdue) + len(due_soon)
            remaining += self.search_count(overdue_domain) + self.search_count(due_soon_domain)
            if lost_race:
                break
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _remind(self, activity_type, summary):
        self.ensure_one()
        self.activity_schedule(
            activity_type_id=activity_type.id,
            summary=summary,
            date_deadline=min(self.deadline, fields.Date.context_today(self) + timedelta(days=1)),
            user_id=(
                self.user_id or self.company_id.gdpr_dpo_partner_id.user_ids[:1] or self.env.user
            ).id,
        )
