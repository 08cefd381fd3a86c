import secrets

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, Query

from odoo.addons.base.models.res_partner import _lang_get

from .crm_gdpr_consent import WITNESS_KEY, Witness


class CrmGdprSubject(models.Model):
    """A data subject: one person, known by a normalized email address and/or a contact. Consents,
    receipts and data-subject requests hang off the person, whatever record (lead, contact,
    mailing contact) holds their data."""

    _name = "crm.gdpr.subject"
    _description = "Data Subject"
    _inherit = ("mail.thread",)
    _order = "name, id"
    _rec_names_search = ("name", "email")

    name = fields.Char(required=True, tracking=True)
    email = fields.Char(tracking=True)
    email_normalized = fields.Char(
        compute="_compute_email_normalized", store=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", ondelete="set null", index=True, tracking=True
    )
    lang = fields.Selection(
        _lang_get, string="Language", help="Language of the pages and emails this person gets."
    )
    consent_ids = fields.One2many("crm.gdpr.consent", "subject_id", string="Consents")
    receipt_ids = fields.One2many("crm.gdpr.receipt", "subject_id", string="Receipts")
    consent_count = fields.Integer(compute="_compute_consent_count")
    # The leads of the person (by address or contact): consents, receipts and people follow
    # the CRM record rules through it (see crm_gdpr_security.xml).
    gdpr_lead_ids = fields.Many2many(
        "crm.lead",
        string="Leads",
        compute="_compute_gdpr_lead_ids",
        search="_search_gdpr_lead_ids",
    )
    needs_renewal = fields.Boolean(
        compute="_compute_needs_renewal",
        search="_search_needs_renewal",
        string="To Ask Again",
        help="A consent of this person expired: ask them again.",
    )
    processing_restricted = fields.Boolean(
        readonly=True,
        tracking=True,
        help="Art. 18: the data is only stored; no mailing, sharing or profiling.",
    )
    objected = fields.Boolean(
        string="Objected to Processing",
        readonly=True,
        tracking=True,
        help="Art. 21: the person objected; no mailing, sharing or profiling.",
    )
    erased = fields.Boolean(readonly=True, tracking=True)
    erased_date = fields.Datetime(readonly=True)
    active = fields.Boolean(default=True)
    # Secrets: the key of the person's receipt evidence and the salt of their preference link.
    receipt_key = fields.Char(copy=False, groups="base.group_system")
    preference_salt = fields.Char(
        copy=False, groups="base.group_system", default=lambda self: secrets.token_hex(16)
    )

    _sql_constraints = (
        (
            "email_normalized_unique",
            "UNIQUE(email_normalized)",
            "Another person already has this email address.",
        ),
        (
            "partner_unique",
            "UNIQUE(partner_id)",
            "Another person is already linked to this contact.",
        ),
    )

    @api.depends("email")
    def _compute_email_normalized(self):
        for subject in self:
            subject.email_normalized = tools.email_normalize(subject.email) or False

    def _compute_consent_count(self):
        counts = dict(
            self.env["crm.gdpr.consent"]._read_group(
                [("subject_id", "in", self.ids)], ["subject_id"], ["__count"]
            )
        )
        for subject in self:
            subject.consent_count = counts.get(subject, 0)

    @api.depends("consent_ids.needs_renewal")
    def _compute_needs_renewal(self):
        for subject in self:
            subject.needs_renewal = any(subject.consent_ids.mapped("needs_renewal"))

    def _compute_gdpr_lead_ids(self):
        Lead = self.env["crm.lead"]
        for subject in self:
            domain = []
            if subject.email_normalized:
                domain = [("email_normalized", "=", subject.email_normalized)]
            if subject.partner_id:
                domain = (
                    ["|", *domain, ("partner_id", "=", subject.partner_id.id)]
                    if domain
                    else [("partner_id", "=", subject.partner_id.id)]
                )
            subject.gdpr_lead_ids = Lead.search(domain) if domain else Lead

    def _search_gdpr_lead_ids(self, operator, value):
        """People with (operator 'any') or without ('not any') a lead matching the domain
        `value`, found by address or contact. Written as one condition on the person's table,
        so that record rules can use it."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        if operator in ("any", "not any"):
            leads = value if isinstance(value, Query) else Lead._search(value or [])
        elif operator in ("in", "not in"):
            # the ORM hands "any" over as "in" a query of leads
            leads = value if isinstance(value, Query) else Lead._search([("id", "in", value)])
        else:
            raise UserError(self.env._("Operation not supported"))
        condition = SQL(
            "(COALESCE(%s IN %s, FALSE) OR COALESCE(%s IN %s, FALSE))",
            SQL.identifier(self._table, "email_normalized"),
            leads.subselect(SQL.identifier(leads.table, "email_normalized")),
            SQL.identifier(self._table, "partner_id"),
            leads.subselect(SQL.identifier(leads.table, "partner_id")),
        )
        if operator in ("not any", "not in"):
            condition = SQL("NOT %s", condition)
        query = Query(self.env, self._table, SQL.identifier(self._table))
        query.add_where(condition)
        return [("id", "in", query)]

    def _search_needs_renewal(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        positive = (operator == "=") == value
        return [("consent_ids", "any" if positive else "not any", [("needs_renewal", "=", True)])]

    # Set by requests and erasure only (their code writes them as superuser).
    PROTECTED_FIELDS = frozenset(
        {
            "processing_restricted",
            "objected",
            "erased",
            "erased_date",
            "receipt_key",
            "preference_salt",
        }
    )

    def write(self, vals):
        if self.PROTECTED_FIELDS & set(vals) and not self.env.su:
            raise AccessError(
                self.env._(
                    "Restriction, objection and erasure are set by answering a data-subject "
                    "request, not by editing the person."
                )
            )
        moved = self.browse()
        if "email" in vals and not self.env.su:
            new_email = tools.email_normalize(vals["email"] or "") or False
            moved = self.filtered(lambda s: s.email_normalized != new_email)
        res = super().write(vals)
        moved._record_email_change()
        return res

    def _record_email_change(self):
        """The person's consents stay theirs when their address changes: one receipt per
        consent (same state) says so, naming the user. No address is written in it."""
        for subject in self.sudo():
            consents = subject.consent_ids
            if not consents or subject.erased:
                continue
            self.env["crm.gdpr.receipt"]._append(
                [
                    dict(
                        consent._evidence_entry(
                            {"note": self.env._("The person's email address was changed.")}
                        ),
                        state_from=consent.state,
                        state_to=consent.state,
                        source="backend",
                    )
                    for consent in consents
                ]
            )

    @api.model
    def _follow_partner_email(self, partner, old_email):
        """A user changed the email of `partner`: the person linked to it keeps their consents
        under the new address (with receipts). Nothing moves when the address belongs to another
        person: people are not merged by typing an address."""
        subject = self.sudo().search(
            [("partner_id", "=", partner.id), ("erased", "=", False)], limit=1
        )
        new_email = partner.email_normalized
        if not subject or not new_email or subject.email_normalized == new_email:
            return
        if subject.email_normalized and subject.email_normalized != old_email:
            return  # the person was known by another address than the contact's
        if self.sudo().search_count([("email_normalized", "=", new_email)]):
            return
        subject.write({"email": new_email})
        subject._record_email_change()

    @api.constrains("email", "partner_id")
    def _check_identity(self):
        for subject in self:
            if not subject.erased and not subject.email_normalized and not subject.partner_id:
                raise ValidationError(
                    self.env._(
                        "A person needs a valid email address or a contact. Fill one in for %s.",
                        subject.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_proof(self):
        if self.env["crm.gdpr.receipt"].sudo().search_count([("subject_id", "in", self.ids)]):
            raise UserError(
                self.env._(
                    "This person has consent receipts, which are proof and stay. To remove their "
                    "personal data, process an erasure request."
                )
            )

    # ------------------------------------------------------------------
    # Consents
    # ------------------------------------------------------------------

    def _set_consents(self, purpose, channels, state, source, **evidence):
        """Bring this person's consents for `purpose` on `channels` to `state`, creating the
        missing ones; one receipt per consent that changes. Returns the consents."""
        self.ensure_one()
        if self.sudo().erased:
            raise UserError(self.env._("This person's data was erased: no consent can be added."))
        Consent = self.env["crm.gdpr.consent"]
        existing = Consent.search(
            [
                ("subject_id", "=", self.id),
                ("purpose_id", "=", purpose.id),
                ("channel_id", "in", channels.ids),
            ]
        )
        existing._change_state(state, source=source, **evidence)
        missing = channels - existing.channel_id
        created = Consent.with_context(**{WITNESS_KEY: Witness(source, evidence)}).create(
            [
                {
                    "subject_id": self.id,
                    "purpose_id": purpose.id,
                    "channel_id": channel.id,
                    "state": state,
                }
                for channel in missing
            ]
        )
        return existing | created
