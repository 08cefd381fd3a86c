from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

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
