from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize

CONSENT_STATES = [
    ("pending", "Pending Confirmation"),
    ("given", "Given"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
]

CONSENT_SOURCES = [
    ("web_form", "Web Form"),
    ("portal", "Customer Portal"),
    ("preference_page", "Preference Page"),
    ("double_optin", "Double Opt-in Confirmation"),
    ("import", "Import"),
    ("phone", "Phone Call"),
    ("in_person", "In Person or on Paper"),
    ("email", "Email from the Person"),
    ("backend", "Entered by a User"),
    ("expiry", "Expiry (Scheduled Job)"),
    ("request", "Data-Subject Request"),
    ("unsubscribe", "Unsubscribe Link in an Email"),
]

# Only this module's code holds this object: internal writes of consents carry it in their
# context; a context coming from RPC can never hold it.
STATE_WRITE = object()


class Witness:
    """What the code that witnessed a change of consent says about it: the source and the
    evidence (IP address, user agent, language, text version, note, origin). Only Python code
    can build one; a context sent over RPC holds plain values, which are ignored. So the source
    and evidence of a receipt are written by the route or the job that saw them, never taken
    from context keys a user controls."""

    __slots__ = ("evidence", "source")

    def __init__(self, source, evidence=None):
        self.source = source
        self.evidence = dict(evidence or {})


WITNESS_KEY = "crm_gdpr_witness"

# Consent captured on the web proves nothing until the person confirms it from their mailbox.
WEB_SOURCES = {"web_form", "portal", "preference_page"}

# Why processing is refused, in the order they are decided (see _gdpr_reason_label).
DENIAL_REASONS = (
    "erased",
    "restricted",
    "objected",
    "no_consent",
    "pending",
    "withdrawn",
    "expired",
    "tampered",
)

# Lawful bases under which the person's objection (Art. 21) stops processing.
OBJECTABLE_BASES = {"consent", "legitimate_interests", "public_task"}

# From this many targets, the consent decision is one join the planner shapes from the tables'
# statistics (hash joins for a mailing) instead of one index probe per target.
HASH_JOIN_FROM = 2000


class CrmGdprConsent(models.Model):
    """Consent of one person to one purpose on one channel. Every change of state writes a
    receipt (crm.gdpr.receipt), whatever path changed it."""

    _name = "crm.gdpr.consent"
    _description = "Consent"
    _order = "subject_id, purpose_id, channel_id"
    _rec_name = "purpose_id"

    # A consent keeps its receipts: what it refers to cannot be deleted while it exists.
    subject_id = fields.Many2one(
        "crm.gdpr.subject", string="Person", required=True, ondelete="restrict", index=True
    )
    partner_id = fields.Many2one(related="subject_id.partner_id", string="Contact")
    email = fields.Char(related="subject_id.email", string="Email")
    purpose_id = fields.Many2one("crm.gdpr.purpose", required=True, ondelete="restrict", index=True)
    lawful_basis = fields.Selection(related="purpose_id.lawful_basis")
    channel_id = fields.Many2one("crm.gdpr.channel", required=True, ondelete="restrict")
    company_id = fields.Many2one(related="purpose_id.company_id", store=True, index=True)
    state = fields.Selection(CONSENT_STATES, required=True, default="pending", readonly=True)
    source = fields.Selection(CONSENT_SOURCES, string="Last Source", readonly=True)
    date_state = fields.Datetime(string="State Since", readonly=True)
    date_given = fields.Datetime(string="Given On", readonly=True)
    date_expiry = fields.Datetime(string="Expires On", readonly=True)
    purpose_version_id = fields.Many2one(
        "crm.gdpr.purpose.version", string="Text Version", readonly=True, ondelete="set null"
    )
    needs_renewal = fields.Boolean(
        string="To Ask Again",
        readonly=True,
        index=True,
        help="Set by the expiry job: the consent expired and the person should be asked again.",
    )
    receipt_ids = fields.One2many("crm.gdpr.receipt", "consent_id", string="Receipts")
    receipt_count = fields.Integer(compute="_compute_receipt_count")
    # Copies of the person's side of the decision, so that a mailing to thousands finds the
    # people who consented with one join on their address (see _gdpr_undecided_by_email).
    subject_email_normalized = fields.Char(
        related="subject_id.email_normalized",
        string="Person's Normalized Email",
        store=True,
        index=True,
    )
    subject_allows_processing = fields.Boolean(
        string="Person Allows Processing",
        compute="_compute_subject_allows_processing",
        store=True,
        help="The person was not erased, did not restrict processing and did not object.",
    )

    _sql_constraints = (
        (
            "subject_purpose_channel_unique",
            "UNIQUE(subject_id, purpose_id, channel_id)",
            "A person has one consent per purpose and channel.",
        ),
    )

    def _compute_receipt_count(self):
        counts = dict(
            self.env["crm.gdpr.receipt"]._read_group(
                [("consent_id", "in", self.ids)], ["consent_id"], ["__count"]
            )
        )
        for consent in self:
            consent.receipt_count = counts.get(consent, 0)

    @api.depends("subject_id.erased", "subject_id.processing_restricted", "subject_id.objected")
    def _compute_subject_allows_processing(self):
        for consent in self:
            subject = consent.subject_id
            consent.subject_allows_processing = not (
                subject.erased or subject.processing_restricted or subject.objected
            )

    @api.constrains("purpose_id", "channel_id")
    def _check_channel_of_purpose(self):
        for consent in self:
            if consent.channel_id not in consent.purpose_id.channel_ids:
                raise ValidationError(
                    self.env._(
                        "The purpose %(purpose)s does not use the channel %(channel)s. Add the "
                        "channel to the purpose first.",
                        purpose=consent.purpose_id.name,
                        channel=consent.channel_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Changes of state, each with its receipt
    # ------------------------------------------------------------------

    def _witness(self):
        """The Witness this module's code put in the context, or None."""
        witness = self.env.context.get(WITNESS_KEY)
        return witness if isinstance(witness, Witness) else None

    def _default_source(self):
        witness = self._witness()
        if witness:
            return witness.source
        return "import" if self.env.context.get("import_file") else "backend"

    def _witnessed_evidence(self):
        witness = self._witness()
        return dict(witness.evidence) if witness else {}

    @api.model
    def _check_transition(self, new_state, source):
        if new_state == "given" and source in WEB_SOURCES:
            raise ValidationError(
                self.env._(
                    "Consent captured on the web stays pending until the person confirms it "
                    "from the link sent to their mailbox."
                )
            )
        if new_state == "expired" and source != "expiry":
            raise ValidationError(self.env._("Only the expiry job marks a consent as expired."))

    @api.model_create_multi
    def create(self, vals_list):
        source = self._default_source()
        evidence = self._witnessed_evidence()
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.setdefault("state", "pending")
            self._check_transition(vals["state"], source)
            vals.update(source=source, date_state=now)
        consents = super().create(vals_list)
        for consent in consents:
            if consent.state == "given":
                consent.with_context(_crm_gdpr_state_write=STATE_WRITE).write(
                    consent._given_values(now, evidence)
                )
        self.env["crm.gdpr.receipt"]._append(
            [
                dict(consent._evidence_entry(evidence), state_to=consent.state, source=source)
                for consent in consents
            ]
        )
        return consents

    def write(self, vals):
        if self.env.context.get("_crm_gdpr_state_write") is STATE_WRITE:
            return super().write(vals)
        if set(vals) - {"state"}:
            raise UserError(
                self.env._(
                    "A consent changes only by giving or withdrawing it, which is recorded in a "
                    "receipt. Record a new consent instead of editing this one."
                )
            )
        vals = dict(vals)
        new_state = vals.pop("state")
        res = super().write(vals) if vals else True
        self._change_state(new_state)
        return res

    def copy(self, default=None):
        if self:
            raise UserError(self.env._("A consent cannot be duplicated: record a new one."))
        return super().copy(default)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proof(self):
        raise UserError(
            self.env._(
                "A consent keeps its receipts as proof and cannot be deleted. Withdraw it instead."
            )
        )

    def _given_values(self, now, evidence):
        self.ensure_one()
        version = self.env["crm.gdpr.purpose.version"].browse(evidence.get("version_id"))
        return {
            "date_given": now,
            "date_expiry": self.purpose_id._expiry_date(now),
            "purpose_version_id": (version or self.purpose_id.current_version_id).id,
            "needs_renewal": False,
        }

    def _evidence_entry(self, evidence):
        self.ensure_one()
        user = self.env.user
        return {
            "consent": self,
            "version": self.env["crm.gdpr.purpose.version"]
            .sudo()
            .browse(evidence.get("version_id")),
            "lang": evidence.get("lang"),
            "ip_address": evidence.get("ip_address"),
            "user_agent": evidence.get("user_agent"),
            "note": evidence.get("note"),
            "origin": evidence.get("origin"),
            "user": user if user.id else None,
        }

    def _change_state(self, new_state, source=None, **evidence):
        """Move these consents to `new_state`, writing one receipt each. Giving a consent that
        is already given renews it (new date, new expiry) and writes a receipt as well.

        evidence: ip_address, user_agent, note, lang, version_id (text shown), origin."""
        source = source or self._default_source()
        self._check_transition(new_state, source)
        evidence = {**self._witnessed_evidence(), **evidence}
        to_change = self.filtered(lambda c: c.state != new_state or new_state == "given")
        if not to_change:
            return self.env["crm.gdpr.receipt"]
        now = fields.Datetime.now()
        previous = {consent.id: consent.state for consent in to_change}
        common = {"state": new_state, "date_state": now, "source": source}
        if new_state == "withdrawn":
            common.update(date_expiry=False, needs_renewal=False)
        writer = to_change.with_context(_crm_gdpr_state_write=STATE_WRITE)
        if new_state == "given":
            for consent in writer:
                consent.write(dict(common, **consent._given_values(now, evidence)))
        else:
            writer.write(common)
        return self.env["crm.gdpr.receipt"]._append(
            [
                dict(
                    consent._evidence_entry(evidence),
                    state_from=previous[consent.id],
                    state_to=new_state,
                    source=source,
                )
                for consent in to_change
            ]
        )

    def action_withdraw(self):
        self._change_state("withdrawn")

    def action_open_receipts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receipts"),
            "res_model": "crm.gdpr.receipt",
            "view_mode": "list,form",
            "domain": [("consent_id", "=", self.id)],
        }

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_consents(self, batch_size=1000):
        """Mark given consents past their expiry as expired and flag the people to ask again.
        Bounded batches; rows locked with SKIP LOCKED so parallel workers share the work."""
        self.flush_model(["state", "date_expiry"])
        self.env.cr.execute(
            """
            SELECT id FROM crm_gdpr_consent
             WHERE state = 'given' AND date_expiry IS NOT NULL AND date_expiry <= %s
             ORDER BY date_expiry
             LIMIT %s
             FOR UPDATE SKIP LOCKED
            """,
            (fields.Datetime.now(), batch_size),
        )
        consents = self.browse([row[0] for row in self.env.cr.fetchall()]).sudo()
        if consents:
            consents._change_state("expired", source="expiry")
            consents.with_context(_crm_gdpr_state_write=STATE_WRITE).write({"needs_renewal": True})
        self.env.cr.execute(
            "SELECT count(*) FROM crm_gdpr_consent WHERE state = 'given' "
            "AND date_expiry IS NOT NULL AND date_expiry <= %s",
            (fields.Datetime.now(),),
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(consents), remaining=remaining)
        return consents

    # ------------------------------------------------------------------
    # The question every other feature asks: may we process this person's data?
    # ------------------------------------------------------------------

    @api.model
    def _gdpr_denials(self, targets, purpose=None, channel="email"):
        """Why the personal data of each target may NOT be processed for `purpose` on `channel`.

        :param targets: records of any model holding people (crm.lead, res.partner,
            mailing.contact, ... matched on their normalized email and their contact), or a list
            of email addresses.
        :param purpose: a crm.gdpr.purpose record, or None for "any purpose using the channel"
            (then only a valid consent on that channel allows processing).
        :param channel: a crm.gdpr.channel record or its code.
        :return: {record id or email: reason code}, reason codes being the keys of
            DENIAL_REASONS; targets missing from the dict may be processed.

        Costs one or two queries whatever the number of targets. Pending, withdrawn and expired
        consents, restriction (Art. 18), objection (Art. 21) and erasure all deny. Under a lawful
        basis other than consent, a missing or pending consent does not deny, a withdrawn one
        counts as an objection.
        """
        if not targets:
            return {}
        channel_record = self.env["crm.gdpr.channel"].sudo()._get_by_code(channel)
        if not channel_record:
            raise UserError(self.env._("Unknown consent channel: %s", channel))
        channel = channel_record
        purpose = purpose.sudo() if purpose else None
        self.env["crm.gdpr.subject"].flush_model()
        self.env["crm.gdpr.consent"].flush_model()
        self.env["crm.gdpr.receipt"].flush_model(["consent_id", "sequence", "state_to"])
        self.env["crm.gdpr.purpose"].flush_model(["active", "lawful_basis"])
        consent_filter = SQL("c.channel_id = %s", channel.id)
        if purpose:
            consent_filter = SQL("%s AND c.purpose_id = %s", consent_filter, purpose.id)
        else:
            consent_filter = SQL(
                "%s AND c.purpose_id IN (SELECT id FROM crm_gdpr_purpose WHERE active)",
                consent_filter,
            )
        basis = purpose.lawful_basis if purpose else "consent"
        if purpose and basis == "consent" and not isinstance(targets, list):
            targets = self._gdpr_undecided_by_email(targets, purpose, channel)
            if not targets:
                return {}
        reasons = self._gdpr_reason_sql(basis)
        if isinstance(targets, list) or len(targets) < HASH_JOIN_FROM:
            query = self._gdpr_probe_query(targets, reasons, consent_filter)
        else:
            query = self._gdpr_hash_query(targets, reasons, consent_filter)
        if purpose:
            query = SQL("SELECT key, reason FROM (%s) q WHERE reason IS NOT NULL", query)
        else:
            # Several consents (any purpose): one valid consent is enough.
            query = SQL(
                "SELECT key, min(reason) FROM (%s) q GROUP BY key "
                "HAVING bool_and(reason IS NOT NULL)",
                query,
            )
        return dict(self.env.execute_query(query))

    @api.model
    def _gdpr_reason_sql(self, basis):
        """SQL giving the denial reason (NULL: allowed) from subject `s` and consent `c`. The
        same rules as documented in _gdpr_denials."""
        cases = [
            SQL("WHEN s.erased THEN 'erased'"),
            SQL("WHEN s.processing_restricted THEN 'restricted'"),
        ]
        if basis in OBJECTABLE_BASES:
            cases.append(SQL("WHEN s.objected THEN 'objected'"))
        if basis == "consent":
            cases += [
                # The state must be the one its last receipt moved it to: a consent flipped to
                # "given" in SQL, without its receipt, allows nothing.
                SQL(
                    "WHEN c.state = 'given' AND (SELECT r.state_to FROM crm_gdpr_receipt r "
                    "WHERE r.consent_id = c.id ORDER BY r.sequence DESC LIMIT 1) "
                    "IS DISTINCT FROM 'given' THEN 'tampered'"
                ),
                SQL(
                    "WHEN c.state = 'given' AND (c.date_expiry IS NULL OR c.date_expiry > %s) "
                    "THEN NULL",
                    fields.Datetime.now(),
                ),
                SQL("WHEN c.state = 'given' THEN 'expired'"),
                SQL("WHEN c.state IS NULL THEN 'no_consent'"),
            ]
            default = SQL("c.state")
        else:
            cases.append(SQL("WHEN c.state = 'withdrawn' THEN 'objected'"))
            default = SQL("NULL")
        return SQL("(CASE %s ELSE %s END)", SQL(" ").join(cases), default)

    @api.model
    def _gdpr_probe_query(self, targets, reasons, consent_filter):
        """(key, reason) rows by index probes: cheap for a few targets, whatever the sizes of
        the tables and their statistics."""
        return SQL(
            """
            WITH r AS MATERIALIZED (%s)
            SELECT r.key, %s AS reason
              FROM r
         LEFT JOIN LATERAL (
                   SELECT x.erased, x.processing_restricted, x.objected
                     FROM crm_gdpr_subject x WHERE x.id = r.subject_id) s ON true
         LEFT JOIN LATERAL (
                   SELECT c.id, c.state, c.date_expiry FROM crm_gdpr_consent c
                    WHERE c.subject_id = r.subject_id AND %s) c ON true
            """,
            self._gdpr_targets_sql(targets),
            reasons,
            consent_filter,
        )

    @api.model
    def _gdpr_undecided_by_email(self, targets, purpose, channel):
        """The `targets` whose address does not lead to a valid consent to `purpose` (lawful
        basis: consent) on `channel`: one join on the address, the whole answer for people who
        opted in. Only these need the full decision (the person found by contact, the reason of
        each refusal); the others may be processed."""
        email_column, _partner_column = self._gdpr_identity_columns(targets)
        if not email_column:
            return targets
        self.env["crm.gdpr.subject"].flush_model()
        self.flush_model()
        self.env["crm.gdpr.receipt"].flush_model(["consent_id", "sequence", "state_to"])
        undecided = self.env.execute_query(
            SQL(
                """
                SELECT t.id
                  FROM unnest(%s::int[]) AS k(id) JOIN %s t ON t.id = k.id
                 WHERE NOT EXISTS (
                       SELECT 1 FROM crm_gdpr_consent c
                        WHERE c.subject_email_normalized = t.%s
                          AND c.purpose_id = %s AND c.channel_id = %s
                          AND c.state = 'given' AND c.subject_allows_processing
                          AND (c.date_expiry IS NULL OR c.date_expiry > %s)
                          AND (SELECT r.state_to FROM crm_gdpr_receipt r
                                WHERE r.consent_id = c.id
                                ORDER BY r.sequence DESC LIMIT 1) = 'given')
                """,
                self._int_array(targets.ids),
                SQL.identifier(targets._table),
                SQL.identifier(email_column),
                purpose.id,
                channel.id,
                fields.Datetime.now(),
            )
        )
        return targets.browse([row[0] for row in undecided])

    @api.model
    def _gdpr_hash_query(self, targets, reasons, consent_filter):
        """(key, reason) rows by joins the planner shapes from the statistics: for a big batch
        (a mailing), hash joins of whole tables."""
        email_column, partner_column = self._gdpr_identity_columns(targets)
        joins, aliases = [], []
        if email_column:
            joins.append(
                SQL(
                    "LEFT JOIN crm_gdpr_subject se ON se.email_normalized = t.%s",
                    SQL.identifier(email_column),
                )
            )
            aliases.append("se")
        if partner_column:
            joins.append(
                SQL(
                    # IS NOT NULL lets the planner skip the persons without a contact.
                    "LEFT JOIN crm_gdpr_subject sp "
                    "ON sp.partner_id = t.%s AND sp.partner_id IS NOT NULL",
                    SQL.identifier(partner_column),
                )
            )
            aliases.append("sp")

        def first(column):
            if len(aliases) == 1:
                return SQL("%s.%s", SQL(aliases[0]), SQL(column))
            return SQL(
                "CASE WHEN se.id IS NOT NULL THEN se.%s ELSE sp.%s END", SQL(column), SQL(column)
            )

        # The person found by email wins over the one found by contact (as in the probes).
        # The ids come as a joined array, not "id = ANY(array)": the planner would estimate the
        # selectivity of each of the thousands of elements, which costs more than the join.
        return SQL(
            """
            SELECT s.key, %s AS reason
              FROM (SELECT t.id AS key, %s AS id, %s AS erased,
                           %s AS processing_restricted, %s AS objected
                      FROM %s %s) s
         LEFT JOIN crm_gdpr_consent c ON c.subject_id = s.id AND %s
            """,
            reasons,
            first("id"),
            first("erased"),
            first("processing_restricted"),
            first("objected"),
            SQL(
                "unnest(%s::int[]) AS k(id) JOIN %s t ON t.id = k.id",
                self._int_array(targets.ids),
                SQL.identifier(targets._table),
            ),
            SQL(" ").join(joins),
            consent_filter,
        )

    @api.model
    def _gdpr_filter_allowed(self, targets, purpose=None, channel="email"):
        """The subset of `targets` (records or emails) whose personal data may be processed for
        `purpose` on `channel`. See _gdpr_denials for the rules."""
        denied = self._gdpr_denials(targets, purpose=purpose, channel=channel)
        if isinstance(targets, list):
            return [email for email in targets if email not in denied]
        return targets.filtered(lambda record: record.id not in denied)

    @api.model
    def _gdpr_targets_sql(self, targets):
        """SQL yielding (key, subject_id) for each target, one row per target, by index probes
        (the person found by email wins over the one found by contact)."""
        self.env["crm.gdpr.subject"].flush_model(["email_normalized", "partner_id"])
        if isinstance(targets, list):
            emails = [email_normalize(email) or email for email in targets]
            return SQL(
                """
                SELECT e.key, s.id AS subject_id
                  FROM unnest(%s::varchar[], %s::varchar[]) AS e(key, email)
             LEFT JOIN crm_gdpr_subject s ON s.email_normalized = e.email
                """,
                list(targets),
                emails,
            )
        email_column, partner_column = self._gdpr_identity_columns(targets)
        probes = []
        if email_column:
            probes.append(
                SQL(
                    "(SELECT id FROM crm_gdpr_subject WHERE email_normalized = t.%s)",
                    SQL.identifier(email_column),
                )
            )
        if partner_column:
            probes.append(
                SQL(
                    "(SELECT id FROM crm_gdpr_subject WHERE partner_id = t.%s)",
                    SQL.identifier(partner_column),
                )
            )
        return SQL(
            "SELECT t.id AS key, COALESCE(%s, NULL::int) AS subject_id FROM %s t "
            "WHERE t.id = ANY(%s::int[])",
            SQL(", ").join(probes),
            SQL.identifier(targets._table),
            self._int_array(targets.ids),
        )

    @api.model
    def _gdpr_identity_columns(self, model):
        """(email column, contact column) identifying the person of a `model` record."""
        email_column = "email_normalized" if self._stored(model, "email_normalized") else None
        if model._name == "res.partner":
            partner_column = "id"
        elif self._stored(model, "partner_id") and (
            model._fields["partner_id"].comodel_name == "res.partner"
        ):
            partner_column = "partner_id"
        else:
            partner_column = None
        if not email_column and not partner_column:
            raise UserError(self.env._("%s records do not identify people.", model._description))
        model.flush_model([c for c in (email_column, partner_column) if c and c != "id"])
        return email_column, partner_column

    @api.model
    def _int_array(self, ids):
        """A PostgreSQL array literal: one string parameter, cheap to parse at any size."""
        return "{%s}" % ",".join(map(str, map(int, ids)))

    @api.model
    def _stored(self, model, fname):
        field = model._fields.get(fname)
        return bool(field and field.store and field.column_type)

    @api.model
    def _gdpr_reason_label(self, reason):
        labels = {
            "erased": self.env._("The person's data was erased."),
            "restricted": self.env._("Processing is restricted at the person's request."),
            "objected": self.env._("The person objected to the processing."),
            "no_consent": self.env._("No consent was given."),
            "pending": self.env._("The consent awaits the person's confirmation."),
            "withdrawn": self.env._("The consent was withdrawn."),
            "expired": self.env._("The consent expired."),
            "tampered": self.env._(
                "The consent disagrees with its receipts: it was changed outside Odoo."
            ),
        }
        return labels.get(reason, reason)

    @api.model
    def _gdpr_activity_warning(self, activity_type, res_model, res_ids):
        """Warning text when an activity of `activity_type` (a marketing call, say) is scheduled
        on records whose person did not consent to its channel and purpose; False otherwise."""
        channel = activity_type.sudo().gdpr_channel_id
        res_ids = [res_id for res_id in res_ids or [] if isinstance(res_id, int) and res_id]
        if not channel or not res_model or not res_ids or res_model not in self.env:
            return False
        targets = self.env[res_model].browse(res_ids).exists()
        if not targets or not self._identifies_people(targets):
            return False
        purpose = activity_type.sudo().gdpr_purpose_id
        denials = self._gdpr_denials(targets, purpose=purpose or None, channel=channel)
        if not denials:
            return False
        reasons = sorted({self._gdpr_reason_label(reason) for reason in denials.values()})
        if len(targets) == 1 and purpose:
            return self.env._(
                "%(name)s has not agreed to be contacted by %(channel)s for %(purpose)s: "
                "%(reasons)s",
                name=targets.display_name,
                channel=channel.name,
                purpose=purpose.name,
                reasons=" ".join(reasons),
            )
        if len(targets) == 1:
            return self.env._(
                "%(name)s has not agreed to be contacted by %(channel)s: %(reasons)s",
                name=targets.display_name,
                channel=channel.name,
                reasons=" ".join(reasons),
            )
        return self.env._(
            "%(count)s of the %(total)s people have not agreed to be contacted by %(channel)s.",
            count=len(denials),
            total=len(targets),
            channel=channel.name,
        )

    @api.model
    def _identifies_people(self, model):
        return (
            model._name == "res.partner"
            or self._stored(model, "email_normalized")
            or (
                self._stored(model, "partner_id")
                and model._fields["partner_id"].comodel_name == "res.partner"
            )
        )

    @api.model
    def _subjects_by_target(self, targets):
        """{target id: crm.gdpr.subject} for the people behind `targets` (records)."""
        rows = self.env.execute_query(self._gdpr_targets_sql(targets))
        subjects = self.env["crm.gdpr.subject"].browse({sid for _key, sid in rows if sid})
        result = defaultdict(lambda: self.env["crm.gdpr.subject"])
        for key, subject_id in rows:
            if subject_id:
                result[key] = subjects.browse(subject_id)
        return result
