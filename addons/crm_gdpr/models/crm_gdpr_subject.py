import secrets
import time

from cryptography.fernet import Fernet, InvalidToken
from werkzeug import urls

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, Query, consteq, format_datetime

from odoo.addons.base.models.res_partner import _lang_get

from .crm_gdpr_consent import WITNESS_KEY, Witness

# A link confirming a portal user's address works this long (seconds).
EMAIL_CONFIRMATION_VALIDITY = 72 * 3600


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
    # Identity
    # ------------------------------------------------------------------

    @api.model
    def _for_portal_partner(self, partner):
        """The person of a signed-in portal user: found by their contact only, never by the
        address typed in My Account (it may be someone else's). Created when unknown, with the
        contact's address unless another person already has it (then the choices of that address
        stay with that person)."""
        Subject = self.sudo().with_context(active_test=False)
        subject = Subject.search([("partner_id", "=", partner.id), ("erased", "=", False)], limit=1)
        if subject:
            return subject
        email = partner.email_normalized or False
        if email and Subject.search_count([("email_normalized", "=", email)]):
            email = False
        return Subject.create(
            {"name": partner.name or email, "email": email, "partner_id": partner.id}
        )

    def _portal_email_to_confirm(self, partner):
        """The address of the portal user's contact when it is not yet this person's."""
        self.ensure_one()
        email = partner.email_normalized
        return email if email and email != self.sudo().email_normalized else False

    def _email_confirmation_token(self, email, expires):
        self.ensure_one()
        return tools.hmac(self.env(su=True), "crm_gdpr-email", (self.id, email, int(expires)))

    def _send_email_confirmation(self, partner):
        """Mail a link to the contact's address: the address becomes this person's only from
        its mailbox. Returns the link (tests use it), False when there is nothing to confirm."""
        self.ensure_one()
        email = self._portal_email_to_confirm(partner)
        if not email:
            return False
        expires = int(time.time()) + EMAIL_CONFIRMATION_VALIDITY
        url = "%s/my/privacy/confirm-email?%s" % (
            self.get_base_url(),
            urls.url_encode(
                {
                    "email": email,
                    "expires": expires,
                    "token": self._email_confirmation_token(email, expires),
                }
            ),
        )
        template = self.env.ref("crm_gdpr.mail_template_email_confirmation").sudo()
        template.with_context(confirm_email=email, confirm_url=url).send_mail(
            self.id, email_values={"recipient_ids": []}
        )
        return url

    def _confirm_email(self, partner, email, expires, token):
        """The portal user opened the link sent to `email`: the address is theirs. Returns a
        message code: 'email_confirmed', 'email_taken' (the address is another contact's
        person, or both have choices: the DPO sorts it out) or 'invalid'."""
        self.ensure_one()
        try:
            expires = int(expires)
        except (TypeError, ValueError):
            return "invalid"
        if (
            not token
            or expires < time.time()
            or email != partner.email_normalized
            or email != self._portal_email_to_confirm(partner)
            or not consteq(str(token), self._email_confirmation_token(email, expires))
        ):
            return "invalid"
        me = self.sudo()
        other = me.search([("email_normalized", "=", email), ("id", "!=", me.id)], limit=1)
        if not other:
            me.write({"email": email})
            me._record_email_change()
            return "email_confirmed"
        if other.partner_id or other.erased or me.consent_ids:
            return "email_taken"
        # The person known by this address had no contact: it is this portal user, as their
        # mailbox proves. Their choices come with them; the empty person goes.
        me.unlink()
        other.partner_id = partner
        return "email_confirmed"

    @api.model
    def _find_or_create(self, partner=None, email=None, name=None):
        """The person behind a contact and/or an email address, created when unknown."""
        partner = partner or self.env["res.partner"]
        email_normalized = tools.email_normalize(email or partner.email or "") or False
        Subject = self.sudo().with_context(active_test=False)
        subject = Subject.browse()
        if email_normalized:
            subject = Subject.search(
                [("email_normalized", "=", email_normalized), ("erased", "=", False)], limit=1
            )
        if not subject and partner:
            subject = Subject.search(
                [("partner_id", "=", partner.id), ("erased", "=", False)], limit=1
            )
        if subject:
            if partner and not subject.partner_id:
                taken = Subject.search_count([("partner_id", "=", partner.id)])
                if not taken:
                    subject.partner_id = partner
            return subject.with_env(self.env)
        if not email_normalized and not partner:
            raise UserError(
                self.env._("Give a valid email address or a contact to record a consent.")
            )
        return Subject.create(
            {
                "name": name or partner.name or email_normalized,
                "email": email_normalized or False,
                "partner_id": partner.id or False,
                # A person with a contact follows the contact's language as it changes.
                "lang": False if partner else self.env.context.get("lang") or False,
            }
        ).with_env(self.env)

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

    # ------------------------------------------------------------------
    # Preference page and web form
    # ------------------------------------------------------------------

    def _preference_page_values(self, lang=None):
        """What the preference page shows, in `lang` (default: the person's language): every
        active purpose, and per channel the person's consent and the one-click action
        available."""
        self.ensure_one()
        Purpose = self.env["crm.gdpr.purpose"].sudo()
        purposes = Purpose.search([("company_id", "in", [False, *self.env.companies.ids])])
        consents = {
            (consent.purpose_id.id, consent.channel_id.id): consent
            for consent in self.sudo().consent_ids
        }
        states = dict(
            self.env["crm.gdpr.consent"]._fields["state"]._description_selection(self.env)
        )
        rows = []
        for purpose in purposes:
            mode = purpose._preference_mode()
            channels = []
            for channel in purpose.channel_ids:
                consent = consents.get((purpose.id, channel.id))
                state = consent.state if consent else False
                line = {
                    "channel": channel,
                    "consent": consent,
                    "state": state,
                    "state_label": states.get(state) or self.env._("Not given"),
                    "since": self._gdpr_format_datetime(consent.date_state) if consent else "",
                    "can_withdraw": state in ("given", "pending"),
                    "can_give": state in (False, "withdrawn", "expired"),
                }
                if mode == "objection":
                    # Legitimate interests: we may process unless the person objects.
                    objected = state == "withdrawn"
                    line.update(
                        state="withdrawn" if objected else "given",
                        state_label=self.env._("Objected") if objected else self.env._("Active"),
                        can_withdraw=not objected,
                        can_give=objected,
                    )
                elif mode == "info":
                    # Needed for a contract or by law: shown, not a choice.
                    line.update(
                        state="given",
                        state_label=self.env._("Needed"),
                        can_withdraw=False,
                        can_give=False,
                    )
                channels.append(line)
            rows.append({"purpose": purpose, "mode": mode, "channels": channels})
        lang = lang or self._gdpr_lang()
        return {
            "rows": rows,
            "lang": lang,
            "text_dir": self.env["res.lang"]._get_data(code=lang).direction or "ltr",
            "dpo": self.env.company.gdpr_dpo_partner_id,
            "has_active_consent": any(
                line["can_withdraw"]
                for row in rows
                if row["mode"] == "consent"
                for line in row["channels"]
            ),
        }

    def _preference_apply(
        self, decision, purpose_id=None, channel_id=None, source=None, evidence=None
    ):
        """Apply a choice made on the preference page. Returns a message code: 'pending'
        (confirmation email sent), 'throttled' (one was sent minutes ago), 'withdrawn',
        'withdrawn_all' or 'unchanged'. Raises UserError on bad input, changing nothing."""
        self.ensure_one()
        evidence = dict(evidence or {})
        if decision == "withdraw_all":
            active = self.sudo().consent_ids.filtered(lambda c: c.state in ("given", "pending"))
            active._change_state("withdrawn", source=source, **evidence)
            return "withdrawn_all" if active else "unchanged"
        if decision not in ("give", "withdraw"):
            raise UserError(self.env._("Choose to give or to withdraw a consent."))
        purpose, channel = self._preference_target(purpose_id, channel_id)
        if purpose._preference_mode() == "info":
            raise UserError(self.env._("This processing is not a choice: it is needed."))
        evidence["version_id"] = purpose.current_version_id.id
        consent = self.sudo().consent_ids.filtered(
            lambda c: c.purpose_id == purpose and c.channel_id == channel
        )
        if decision == "withdraw":
            if consent.state in ("withdrawn", "expired"):
                return "unchanged"
            if not consent:
                if purpose._preference_mode() != "objection":
                    return "unchanged"
                self.sudo()._set_consents(purpose, channel, "withdrawn", source, **evidence)
                return "withdrawn"
            consent._change_state("withdrawn", source=source, **evidence)
            return "withdrawn"
        if consent.state in ("given", "pending"):
            return "unchanged"
        consents = self.sudo()._set_consents(purpose, channel, "pending", source, **evidence)
        token = self.env["crm.gdpr.optin.token"]._issue(self, consents, source)
        return "pending" if token else "throttled"

    @api.model
    def _unsubscribe_from_mailing(self, email, mailing, evidence):
        """The person behind `email` unsubscribed from `mailing` (its unsubscribe link or the
        one-click List-Unsubscribe header): their email consent to the mailing's purpose is
        withdrawn (objection under legitimate interests), or every email consent when the
        mailing has no purpose; with a receipt. Returns the receipts written."""
        email_normalized = tools.email_normalize(email or "")
        if not email_normalized:
            return self.env["crm.gdpr.receipt"]
        subject = self.sudo().search(
            [("email_normalized", "=", email_normalized), ("erased", "=", False)], limit=1
        )
        purpose = mailing.sudo().gdpr_purpose_id
        channel = self.env["crm.gdpr.channel"].sudo()._get_by_code("email")
        evidence = dict(evidence or {}, origin=f"mailing.mailing,{mailing.id}")
        if purpose and channel in purpose.channel_ids:
            if purpose._preference_mode() == "info":
                return self.env["crm.gdpr.receipt"]
            if not subject and purpose._preference_mode() == "objection":
                subject = self.sudo()._find_or_create(email=email_normalized)
            if not subject:
                return self.env["crm.gdpr.receipt"]
            consent = subject.consent_ids.filtered(
                lambda c: c.purpose_id == purpose and c.channel_id == channel
            )
            if not consent:
                if purpose._preference_mode() != "objection":
                    return self.env["crm.gdpr.receipt"]
                consent = subject._set_consents(
                    purpose, channel, "withdrawn", "unsubscribe", **evidence
                )
                return consent.receipt_ids
            return consent._change_state("withdrawn", source="unsubscribe", **evidence)
        if not subject:
            return self.env["crm.gdpr.receipt"]
        consents = subject.consent_ids.filtered(
            lambda c: c.channel_id == channel and c.state in ("given", "pending")
        )
        return consents._change_state("withdrawn", source="unsubscribe", **evidence)

    def _preference_target(self, purpose_id, channel_id):
        try:
            purpose_id, channel_id = int(purpose_id), int(channel_id)
        except (TypeError, ValueError):
            raise UserError(self.env._("This choice is not available.")) from None
        purpose = self.env["crm.gdpr.purpose"].sudo().browse(purpose_id).exists()
        channel = self.env["crm.gdpr.channel"].sudo().browse(channel_id).exists()
        if not purpose or not purpose.active or channel not in purpose.channel_ids:
            raise UserError(self.env._("This choice is not available."))
        return purpose, channel

    @api.model
    def _web_form_subscribe(self, name, email, choices, evidence):
        """A person subscribes on the web form: their consents stay pending until they confirm
        from their mailbox. `choices` are 'consent_<purpose id>_<channel id>' keys."""
        email_normalized = tools.email_normalize(email or "")
        if not email_normalized:
            raise UserError(self.env._("Enter a valid email address."))
        if not choices:
            raise UserError(self.env._("Tick at least one of the choices."))
        targets = []
        for choice in choices:
            parts = choice.split("_")
            if len(parts) != 3:
                raise UserError(self.env._("This choice is not available."))
            targets.append(self._preference_target(parts[1], parts[2]))
        subject = self.sudo()._find_or_create(email=email_normalized, name=(name or "").strip())
        if subject.erased:
            raise UserError(self.env._("This choice is not available."))
        consents = self.env["crm.gdpr.consent"]
        for purpose, channel in targets:
            existing = subject.consent_ids.filtered(
                lambda c, p=purpose, ch=channel: c.purpose_id == p and c.channel_id == ch
            )
            if existing.state in ("given", "pending"):
                continue
            consents |= subject._set_consents(
                purpose,
                channel,
                "pending",
                "web_form",
                version_id=purpose.current_version_id.id,
                **evidence,
            )
        self.env["crm.gdpr.optin.token"]._issue(subject, consents, "web_form")
        return subject

    # ------------------------------------------------------------------
    # Receipt evidence encryption
    # ------------------------------------------------------------------

    def _receipt_cipher(self, create=False):
        """Fernet cipher of this person's receipt evidence; None once erased (key destroyed)."""
        self.ensure_one()
        sudo_self = self.sudo()
        key = sudo_self.receipt_key
        if not key and create and not sudo_self.erased:
            key = Fernet.generate_key().decode()
            sudo_self.receipt_key = key
        return Fernet(key.encode()) if key else None

    @api.model
    def _encrypt(self, cipher, value):
        if not value:
            return None
        return cipher.encrypt(value.encode()).decode()

    @api.model
    def _decrypt(self, cipher, token):
        if not token or not cipher:
            return False
        try:
            return cipher.decrypt(token.encode()).decode()
        except InvalidToken:
            return False

    # ------------------------------------------------------------------
    # Preference page link
    # ------------------------------------------------------------------

    def _preference_token(self):
        self.ensure_one()
        salt = self.sudo().preference_salt or ""
        return tools.hmac(self.env(su=True), "crm_gdpr-preferences", (self.id, salt))

    def _check_preference_token(self, token):
        """True when `token` signs this person's preference link."""
        self.ensure_one()
        return (
            bool(token) and not self.sudo().erased and consteq(str(token), self._preference_token())
        )

    def _preference_footer(self):
        """HTML footer of marketing emails: the signed link to the preference page, in the
        person's language and direction."""
        self.ensure_one()
        lang = self._gdpr_lang()
        return (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "crm_gdpr.mailing_preference_footer",
                {
                    "url": self._preference_url(),
                    "text_dir": self.env["res.lang"]._get_data(code=lang).direction or "ltr",
                },
                minimal_qcontext=True,
            )
        )

    def _preference_url(self):
        self.ensure_one()
        return "%s/gdpr/preferences/%s/%s" % (
            self.get_base_url(),
            self.id,
            self._preference_token(),
        )

    # ------------------------------------------------------------------
    # Language and time, in one place (a bridge may render in the person's time zone)
    # ------------------------------------------------------------------

    def _gdpr_lang(self):
        """Installed language in which pages and emails for this person are rendered."""
        self.ensure_one()
        installed = dict(self.env["res.lang"].get_installed())
        for code in (self.lang, self.partner_id.lang, self.env.context.get("lang")):
            if code and code in installed:
                return code
        return "en_US"

    def _gdpr_tz(self):
        self.ensure_one()
        return self.partner_id.tz or "UTC"

    def _gdpr_format_datetime(self, value):
        """A date and time as this person reads it (their language and time zone)."""
        self.ensure_one()
        if not value:
            return ""
        return format_datetime(
            self.env, value, tz=self._gdpr_tz(), dt_format="medium", lang_code=self._gdpr_lang()
        )
