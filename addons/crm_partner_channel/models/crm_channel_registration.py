import re
from datetime import timedelta
from difflib import SequenceMatcher

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, email_normalize

from odoo.addons.iap.tools import iap_tools

REGISTRATION_STATES = [
    ("pending", "Pending Review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("expired", "Expired"),
    ("won", "Won"),
]
MATCH_TYPES = [
    ("email_domain", "Email domain"),
    ("vat", "Tax ID"),
    ("phone", "Phone"),
    ("company_name", "Company name"),
]
MAX_AMOUNT = 10**12
MAX_MATCHES_PER_TYPE = 5
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"\D")
_WORDS = re.compile(r"[^\w]+", re.UNICODE)
# legal forms that say nothing about who a company is
_LEGAL_FORMS = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "pty",
    "group",
    "holding",
    "the",
}


def vat_key(vat):
    return _NOT_ALNUM.sub("", (vat or "").upper())


def phone_key(phone):
    """The last nine digits: the same number written with or without its country code."""
    digits = _NOT_DIGIT.sub("", phone or "")
    return digits[-9:] if len(digits) >= 6 else ""


def company_name_key(name):
    words = [word for word in _WORDS.split((name or "").casefold()) if word]
    core = [word for word in words if word not in _LEGAL_FORMS]
    return " ".join(core or words)


class RegistrationInputError(ValidationError):
    """Bad input of the registration form: one message per field, for the form to show."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors.values()))


class CrmChannelRegistration(models.Model):
    """A deal a partner found and registers: checked for conflicts on submission, approved or
    rejected by the vendor; once approved, the deal is protected for the tier's days, then
    expires unless it is won or extended."""

    _name = "crm.channel.registration"
    _description = "Deal Registration"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char("Reference", required=True, copy=False, readonly=True, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", required=True, index=True, tracking=True)
    user_id = fields.Many2one("res.users", string="Registered By", index=True)
    grade_id = fields.Many2one(related="partner_id.grade_id", string="Tier")
    state = fields.Selection(
        REGISTRATION_STATES, required=True, default="pending", index=True, tracking=True
    )
    customer_name = fields.Char("Customer Company", required=True)
    contact_name = fields.Char("Contact", required=True)
    email = fields.Char(required=True)
    vat = fields.Char("Tax ID")
    phone = fields.Char()
    country_id = fields.Many2one("res.country")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    expected_revenue = fields.Monetary(currency_field="currency_id")
    product_ids = fields.Many2many(
        "product.template",
        "crm_channel_registration_product_rel",
        "registration_id",
        "product_id",
        string="Products of Interest",
    )
    date_close_expected = fields.Date("Expected Closing")
    note = fields.Text("Partner's Note")
    email_domain_key = fields.Char(
        compute="_compute_keys", store=True, index="btree_not_null", string="Email Key"
    )
    vat_key = fields.Char(
        compute="_compute_keys", store=True, index="btree_not_null", string="Tax ID Key"
    )
    phone_key = fields.Char(compute="_compute_keys", store=True, index="btree_not_null")
    conflict_ids = fields.One2many(
        "crm.channel.registration.conflict",
        "registration_id",
        string="Conflicts",
        groups="sales_team.group_sale_salesman",
    )
    has_conflict = fields.Boolean("Possible Conflict", readonly=True, copy=False)
    conflict_types = fields.Char("Conflict On", readonly=True, copy=False)
    conflict_message = fields.Char(compute="_compute_conflict_message")
    reject_reason = fields.Text(
        "Reason for the Partner", help="Shown to the partner; never name another partner."
    )
    date_submitted = fields.Datetime("Submitted On", readonly=True)
    date_decided = fields.Datetime("Decided On", readonly=True, copy=False)
    decided_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    protected_until = fields.Date(readonly=True, copy=False, tracking=True)
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        copy=False,
        index="btree_not_null",
        groups="sales_team.group_sale_salesman",
        help="Before approval: an existing opportunity to give to the partner instead of "
        "creating one. After: the protected opportunity.",
    )
    channel_deal_id = fields.Many2one(
        "crm.lead",
        string="Deal",
        compute="_compute_channel_deal_id",
        compute_sudo=True,
        help="The opportunity of the registration as the partner sees it: set only while the "
        "partner works it, so that a partner never reads the name of an opportunity the "
        "vendor linked but did not give it.",
    )

    @api.depends("email", "vat", "phone")
    def _compute_keys(self):
        for registration in self:
            registration.email_domain_key = (
                iap_tools.mail_prepare_for_domain_search(registration.email)
                if registration.email
                else False
            )
            registration.vat_key = vat_key(registration.vat) or False
            registration.phone_key = phone_key(registration.phone) or False

    @api.depends("lead_id.partner_assigned_id", "lead_id.channel_state", "state")
    def _compute_channel_deal_id(self):
        for registration in self:
            lead = registration.lead_id
            works_it = (
                registration.state in ("approved", "won", "expired")
                and lead.channel_state == "accepted"
                and lead.partner_assigned_id.commercial_partner_id == registration.partner_id
            )
            registration.channel_deal_id = lead if works_it else False

    @api.depends("has_conflict", "conflict_types")
    def _compute_conflict_message(self):
        labels = dict(
            self.env["crm.channel.registration.conflict"]
            ._fields["match_type"]
            ._description_selection(self.env)
        )
        for registration in self:
            if not registration.has_conflict:
                registration.conflict_message = False
                continue
            kinds = ", ".join(
                labels.get(kind, kind).lower()
                for kind in (registration.conflict_types or "").split(",")
            )
            registration.conflict_message = self.env._(
                "Possible conflict: this customer matches a lead, opportunity or customer we "
                "already know (same %s). Our channel team reviews it before deciding.",
                kinds,
            )

    # ------------------------------------------------------------
    # Submission from the portal
    # ------------------------------------------------------------

    @api.model
    def action_channel_register(self, values):
        """A partner registers a deal. Bad input raises RegistrationInputError (one message per
        field) and creates nothing; good input creates the registration, checks it for
        conflicts and asks the vendor to review it. Returns the registration."""
        user = self.env.user
        partner = user.commercial_partner_id
        if not user.share or self.env.su:
            raise AccessError(self.env._("Only partners register deals, from their portal."))
        if not partner.grade_id:
            raise AccessError(
                self.env._("Your company is not a channel partner yet; contact your vendor.")
            )
        clean = self._channel_validate_input(values)
        registration = self.sudo().create(
            {
                **clean,
                "company_id": (partner.company_id or user.company_id).id,
                "partner_id": partner.id,
                "user_id": user.id,
                "date_submitted": fields.Datetime.now(),
            }
        )
        registration._channel_check_conflicts()
        registration._channel_ask_review()
        return registration.sudo(False)

    @api.model
    def _channel_validate_input(self, values):
        """Clean values of the registration form, or RegistrationInputError with one message
        per wrong field."""
        errors, clean = {}, {}
        for check in (
            self._channel_check_names,
            self._channel_check_email,
            self._channel_check_vat_phone,
            self._channel_check_country,
            self._channel_check_amount,
            self._channel_check_products,
            self._channel_check_closing,
        ):
            check(values, clean, errors)
        if errors:
            raise RegistrationInputError(errors)
        return clean

    @staticmethod
    def _channel_text(values, key, maximum):
        # one character more than allowed, to tell "too long" from "at the limit"
        return str(values.get(key) or "").strip()[: maximum + 1]

    def _channel_check_names(self, values, clean, errors):
        _ = self.env._
        customer = self._channel_text(values, "customer_name", 200)
        if len(customer) < 2:
            errors["customer_name"] = _("Give the customer's company name.")
        elif len(customer) > 200:
            errors["customer_name"] = _("The company name is limited to 200 characters.")
        clean["customer_name"] = customer
        contact = self._channel_text(values, "contact_name", 200)
        if not contact:
            errors["contact_name"] = _("Give the name of your contact at the customer.")
        elif len(contact) > 200:
            errors["contact_name"] = _("The contact name is limited to 200 characters.")
        clean["contact_name"] = contact
        note = self._channel_text(values, "note", 5000)
        if len(note) > 5000:
            errors["note"] = _("The note is limited to 5,000 characters.")
        clean["note"] = note or False

    def _channel_check_email(self, values, clean, errors):
        email = self._channel_text(values, "email", 254)
        normalized = email_normalize(email, strict=True) if email else False
        if not email:
            errors["email"] = self.env._("Give the contact's email address.")
        elif not normalized:
            errors["email"] = self.env._(
                "%s is not a valid email address, e.g. jane@example.com.", email
            )
        clean["email"] = normalized or email

    def _channel_check_vat_phone(self, values, clean, errors):
        vat = self._channel_text(values, "vat", 30)
        if vat and not 4 <= len(vat_key(vat)) <= 20:
            errors["vat"] = self.env._(
                "The tax ID looks wrong: 4 to 20 letters and digits, e.g. BE0477472701."
            )
        clean["vat"] = vat or False
        phone = self._channel_text(values, "phone", 30)
        if phone and not 6 <= len(_NOT_DIGIT.sub("", phone)) <= 20:
            errors["phone"] = self.env._("The phone number looks wrong: 6 to 20 digits.")
        clean["phone"] = phone or False

    def _channel_check_country(self, values, clean, errors):
        country_id = values.get("country_id")
        if not country_id:
            return
        try:
            country = self.env["res.country"].browse(int(country_id)).exists()
        except (TypeError, ValueError):
            country = False
        if country:
            clean["country_id"] = country.id
        else:
            errors["country_id"] = self.env._("Choose a country from the list.")

    def _channel_check_amount(self, values, clean, errors):
        try:
            amount = float(str(values.get("expected_revenue") or "").replace(",", "").strip())
        except ValueError:
            amount = None
        if amount is None:
            errors["expected_revenue"] = self.env._(
                "Give the expected revenue as a number, e.g. 25000."
            )
        elif not 0 < amount < MAX_AMOUNT:
            errors["expected_revenue"] = self.env._(
                "The expected revenue must be a positive amount."
            )
        else:
            clean["expected_revenue"] = amount

    def _channel_check_products(self, values, clean, errors):
        product_ids = values.get("product_ids") or []
        if isinstance(product_ids, str | int):
            product_ids = [product_ids]
        try:
            product_ids = {int(product_id) for product_id in product_ids}
        except (TypeError, ValueError):
            product_ids = {-1}
        products = self.env["product.template"].sudo().browse(product_ids).exists()
        if len(products) != len(product_ids) or not all(products.mapped("sale_ok")):
            errors["product_ids"] = self.env._("Choose the products from the list.")
        clean["product_ids"] = [(6, 0, products.ids)]

    def _channel_check_closing(self, values, clean, errors):
        _ = self.env._
        today = fields.Date.context_today(self)
        try:
            closing = fields.Date.to_date(values.get("date_close_expected") or None)
        except (TypeError, ValueError):
            errors["date_close_expected"] = _("Give the expected closing as a date.")
            return
        if not closing:
            errors["date_close_expected"] = _("Give the expected closing date.")
        elif closing < today:
            errors["date_close_expected"] = _("The expected closing date cannot be in the past.")
        elif closing > today + timedelta(days=3 * 366):
            errors["date_close_expected"] = _(
                "The expected closing date is more than three years away."
            )
        clean["date_close_expected"] = closing

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("crm.channel.registration") or "/"
                )
        return super().create(vals_list)

    def _channel_ask_review(self):
        for registration in self.sudo():
            reviewer = registration.partner_id.user_id or self.env.ref(
                "base.user_admin", raise_if_not_found=False
            )
            if reviewer and not reviewer.share:
                registration.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=reviewer.id,
                    summary=self.env._("Review deal registration %s", registration.name),
                )

    # ------------------------------------------------------------
    # Conflicts
    # ------------------------------------------------------------

    def _channel_check_conflicts(self):
        """Look for the registered customer among known leads, opportunities, customers and
        other registrations (email domain, tax ID, phone, similar company name), and store each
        match for the vendor. The partner only learns that a match exists and on what."""
        Conflict = self.env["crm.channel.registration.conflict"].sudo()
        # the matching below is raw SQL on leads, partners and registrations
        self.env.flush_all()
        for registration in self.sudo():
            registration.conflict_ids.unlink()
            matches = registration._channel_find_matches()
            Conflict.create([{**match, "registration_id": registration.id} for match in matches])
            kinds = [
                kind
                for kind, _label in MATCH_TYPES
                if any(m["match_type"] == kind for m in matches)
            ]
            registration.write({"has_conflict": bool(matches), "conflict_types": ",".join(kinds)})

    def _channel_find_matches(self):
        self.ensure_one()
        matches = []
        company_ids = [self.company_id.id]
        if self.email_domain_key:
            matches += self._channel_match_email(company_ids)
        if self.vat_key:
            matches += self._channel_match_sql(
                "vat",
                SQL(
                    "regexp_replace(upper(coalesce(p.vat, '')), '[^A-Z0-9]', '', 'g') = %s",
                    self.vat_key,
                ),
                SQL("r.vat_key = %s", self.vat_key),
                company_ids,
            )
        if self.phone_key:
            lead_phone = SQL(
                "right(regexp_replace(coalesce(l.phone, ''), '\\D', '', 'g'), 9) = %(key)s "
                "OR right(regexp_replace(coalesce(l.mobile, ''), '\\D', '', 'g'), 9) = %(key)s",
                key=self.phone_key,
            )
            matches += self._channel_match_sql(
                "phone",
                SQL(
                    "right(regexp_replace(coalesce(p.phone, ''), '\\D', '', 'g'), 9) = %(key)s "
                    "OR right(regexp_replace(coalesce(p.mobile, ''), '\\D', '', 'g'), 9) = %(key)s",
                    key=self.phone_key,
                ),
                SQL("r.phone_key = %s", self.phone_key),
                company_ids,
                lead_condition=lead_phone,
            )
        matches += self._channel_match_name(company_ids)
        return matches

    def _channel_match_email(self, company_ids):
        key = self.email_domain_key
        if key.startswith("@"):
            partner_cond = SQL("p.email_normalized LIKE %s", "%" + key)
            lead_cond = SQL("l.email_domain_criterion = %s", key)
        else:
            partner_cond = SQL("p.email_normalized = %s", key)
            lead_cond = SQL("l.email_normalized = %s", key)
        return self._channel_match_sql(
            "email_domain",
            partner_cond,
            SQL("r.email_domain_key = %s", key),
            company_ids,
            lead_condition=lead_cond,
        )

    def _channel_match_sql(
        self,
        match_type,
        partner_condition,
        registration_condition,
        company_ids,
        lead_condition=None,
    ):
        """Matches of one kind among leads (active), customers (not channel partners) and open
        registrations of the same company. ``lead_condition`` defaults to the condition on the
        lead's customer."""
        matches = []
        if lead_condition is None:
            lead_condition = SQL(
                "l.partner_id IN (SELECT p.id FROM res_partner p WHERE %s)", partner_condition
            )
        rows = self.env.execute_query(
            SQL(
                """SELECT l.id FROM crm_lead l
                    WHERE l.active AND (l.company_id IS NULL OR l.company_id IN %s) AND (%s)
                      AND (l.channel_registration_id IS NULL OR l.channel_registration_id != %s)
                 ORDER BY l.id DESC LIMIT %s""",
                tuple(company_ids),
                lead_condition,
                self.id,
                MAX_MATCHES_PER_TYPE,
            )
        )
        matches += [{"match_type": match_type, "lead_id": row[0]} for row in rows]
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id FROM res_partner p
                LEFT JOIN res_partner c ON c.id = p.commercial_partner_id
                    WHERE p.active AND c.grade_id IS NULL
                      AND (p.company_id IS NULL OR p.company_id IN %s) AND (%s)
                 ORDER BY p.id DESC LIMIT %s""",
                tuple(company_ids),
                partner_condition,
                MAX_MATCHES_PER_TYPE,
            )
        )
        matches += [{"match_type": match_type, "partner_id": row[0]} for row in rows]
        rows = self.env.execute_query(
            SQL(
                """SELECT r.id FROM crm_channel_registration r
                    WHERE r.id != %s AND r.state IN ('pending', 'approved')
                      AND r.company_id IN %s AND (%s)
                 ORDER BY r.id DESC LIMIT %s""",
                self.id,
                tuple(company_ids),
                registration_condition,
                MAX_MATCHES_PER_TYPE,
            )
        )
        matches += [{"match_type": match_type, "other_registration_id": row[0]} for row in rows]
        return matches

    def _channel_match_name(self, company_ids):
        """Company names at least as similar as the company's threshold, after dropping legal
        forms ("Acme Inc." and "ACME" match); candidates come from their longest word."""
        key = company_name_key(self.customer_name)
        words = sorted(key.split(), key=len, reverse=True)
        if not words or len(words[0]) < 3:
            return []
        threshold = (self.company_id.channel_name_similarity or 85) / 100.0
        pattern = "%" + words[0] + "%"

        def similar(name):
            other = company_name_key(name)
            return other and SequenceMatcher(None, key, other).ratio() >= threshold

        matches = []
        for lead_id, name in self.env.execute_query(
            SQL(
                """SELECT l.id, l.partner_name FROM crm_lead l
                    WHERE l.active AND (l.company_id IS NULL OR l.company_id IN %s)
                      AND l.partner_name ILIKE %s
                      AND (l.channel_registration_id IS NULL OR l.channel_registration_id != %s)
                 ORDER BY l.id DESC LIMIT 200""",
                tuple(company_ids),
                pattern,
                self.id,
            )
        ):
            if similar(name):
                matches.append({"match_type": "company_name", "lead_id": lead_id})
        for partner_id, name in self.env.execute_query(
            SQL(
                """SELECT p.id, p.name FROM res_partner p
                    WHERE p.active AND p.is_company AND p.grade_id IS NULL
                      AND (p.company_id IS NULL OR p.company_id IN %s) AND p.name ILIKE %s
                 ORDER BY p.id DESC LIMIT 200""",
                tuple(company_ids),
                pattern,
            )
        ):
            if similar(name):
                matches.append({"match_type": "company_name", "partner_id": partner_id})
        for registration_id, name in self.env.execute_query(
            SQL(
                """SELECT r.id, r.customer_name FROM crm_channel_registration r
                    WHERE r.id != %s AND r.state IN ('pending', 'approved')
                      AND r.company_id IN %s AND r.customer_name ILIKE %s
                 ORDER BY r.id DESC LIMIT 200""",
                self.id,
                tuple(company_ids),
                pattern,
            )
        ):
            if similar(name):
                matches.append(
                    {"match_type": "company_name", "other_registration_id": registration_id}
                )
        return matches[: 3 * MAX_MATCHES_PER_TYPE]

    # ------------------------------------------------------------
    # Vendor decisions
    # ------------------------------------------------------------

    def _channel_check_reviewer(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers approve or reject registrations."))

    def action_approve(self):
        self._channel_check_reviewer()
        today = fields.Date.context_today(self)
        for registration in self:
            if registration.state != "pending":
                raise UserError(
                    self.env._("Registration %s is not waiting for a decision.", registration.name)
                )
            lead = registration._channel_give_lead()
            days = registration.partner_id.grade_id.channel_protection_days
            registration.write(
                {
                    "state": "approved",
                    "lead_id": lead.id,
                    "protected_until": today + timedelta(days=days),
                    "date_decided": fields.Datetime.now(),
                    "decided_by_id": self.env.user.id,
                }
            )
            registration.activity_ids.action_feedback(feedback=self.env._("Approved"))
            registration.message_post(
                body=self.env._("Approved; protected until %s.", registration.protected_until),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _channel_give_lead(self):
        """The opportunity of an approved registration: the existing one the vendor linked, now
        the partner's, or a new one from the registered data."""
        self.ensure_one()
        Lead = self.env["crm.lead"].with_context(channel_routing=True, mail_create_nolog=True)
        values = {
            "partner_assigned_id": self.partner_id.id,
            "channel_user_id": self.user_id.id,
            "channel_state": "accepted",
        }
        lead = self.lead_id
        if lead:
            other = lead.channel_registration_id
            if other and other != self and other.state == "approved":
                raise UserError(
                    self.env._(
                        "Opportunity %(lead)s is already protected by registration "
                        "%(registration)s.",
                        lead=lead.name,
                        registration=other.name,
                    )
                )
            open_offers = lead.channel_offer_ids.filtered(lambda offer: offer.state == "offered")
            open_offers.sudo().write({"state": "cancelled", "date_answered": fields.Datetime.now()})
            Lead.browse(lead.id).write(values)
        else:
            tag = self.env.ref(
                "website_crm_partner_assign.tag_portal_lead_own_opp", raise_if_not_found=False
            )
            lead = Lead.create(
                {
                    **values,
                    "name": self.customer_name,
                    "type": "opportunity",
                    "company_id": self.company_id.id,
                    "partner_name": self.customer_name,
                    "contact_name": self.contact_name,
                    "email_from": self.email,
                    "phone": self.phone,
                    "country_id": self.country_id.id,
                    "expected_revenue": self.expected_revenue,
                    "date_deadline": self.date_close_expected,
                    "channel_product_ids": [(6, 0, self.product_ids.ids)],
                    "description": self.note,
                    "user_id": self.partner_id.user_id.id or self.env.user.id,
                    "tag_ids": [(4, tag.id)] if tag else [],
                }
            )
        if self.user_id:
            lead.sudo().message_subscribe(partner_ids=self.user_id.partner_id.ids)
        return lead

    def action_reject(self):
        self._channel_check_reviewer()
        for registration in self:
            if registration.state != "pending":
                raise UserError(
                    self.env._("Registration %s is not waiting for a decision.", registration.name)
                )
            if not (registration.reject_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Write the reason for the partner before rejecting %s.", registration.name
                    )
                )
        self.write(
            {
                "state": "rejected",
                "date_decided": fields.Datetime.now(),
                "decided_by_id": self.env.user.id,
            }
        )
        self.activity_ids.action_feedback(feedback=self.env._("Rejected"))
        return True

    def action_extend(self):
        """Protect the deal for another period of the tier's days."""
        self._channel_check_reviewer()
        today = fields.Date.context_today(self)
        for registration in self:
            if registration.state not in ("approved", "expired"):
                raise UserError(
                    self.env._(
                        "Only approved or expired registrations can be extended (%s).",
                        registration.name,
                    )
                )
            start = max(today, registration.protected_until or today)
            days = registration.partner_id.grade_id.channel_protection_days
            registration.write(
                {"state": "approved", "protected_until": start + timedelta(days=days)}
            )
        return True

    @api.model
    def _cron_expire_registrations(self, batch_size=500):
        """Approved registrations past their protection expire, unless their deal is won."""
        today = fields.Date.context_today(self)
        won = self.sudo().search(
            [("state", "=", "approved"), ("lead_id.stage_id.is_won", "=", True)], limit=batch_size
        )
        won.write({"state": "won"})
        expired = self.sudo().search(
            [("state", "=", "approved"), ("protected_until", "<", today)], limit=batch_size
        )
        expired.write({"state": "expired"})
        registrations = won | expired
        for registration in expired:
            registration.message_post(
                body=self.env._("Protection ended on %s.", registration.protected_until),
                subtype_xmlid="mail.mt_note",
            )
        remaining = self.sudo().search_count(
            [("state", "=", "approved"), ("protected_until", "<", today)]
        )
        self.env["ir.cron"]._notify_progress(done=len(registrations), remaining=remaining)
        return True
