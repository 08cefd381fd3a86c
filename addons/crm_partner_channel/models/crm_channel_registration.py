import re
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, email_normalize

from odoo.addons.iap.tools import iap_tools

from .. import matching, portal_input
from ..claim import claim

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
CONFLICT_DECISIONS = [
    ("attach", "Give the existing opportunity to the partner"),
    ("merge", "Merge the registration into the existing opportunity"),
    ("create", "Create a new opportunity anyway"),
]
MAX_AMOUNT = 10**12
MAX_MATCHES_PER_TYPE = 5
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"\D")
MAX_CANDIDATES = 200
MAX_PRODUCTS = 50  # products of interest of one registration
SEARCH_PRODUCTS_LIMIT = 20  # products the portal's search answers at most
SEARCH_TERM_MAX = 100
_MAX_ID = 2**31 - 1


def _channel_ids(values):
    """The set of record ids in ``values`` as a form submits them, or None when one of them
    is not an id (text, zero, negative, beyond PostgreSQL's integers)."""
    if isinstance(values, str | int):
        values = [values]
    ids = set()
    for value in values:
        try:
            record_id = int(str(value).strip())
        except (TypeError, ValueError):
            return None
        if not 0 < record_id <= _MAX_ID:
            return None
        ids.add(record_id)
    return ids


def vat_key(vat):
    """Letters and digits of a tax ID, to check its length (the matching key is
    matching.vat_key, with the country)."""
    return _NOT_ALNUM.sub("", (vat or "").upper())


def company_name_key(name):
    """The words of a company name that say who it is (see matching.name_words)."""
    return " ".join(matching.name_words(name))


def free_mail_domains():
    """Free mail providers: Odoo's list and the matching module's, of many countries."""
    return matching.FREE_MAIL_DOMAINS | frozenset(iap_tools._MAIL_DOMAIN_BLACKLIST)


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
    channel_name_key = fields.Char(
        compute="_compute_keys", store=True, index="btree_not_null", string="Name Key"
    )
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
    conflict_decision = fields.Selection(
        CONFLICT_DECISIONS,
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
        help="What the vendor decided about the known companies the registration matches.",
    )
    conflict_decision_reason = fields.Text(
        "Why a New Opportunity",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_salesman",
    )
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

    @api.depends("email", "vat", "phone", "country_id", "customer_name")
    def _compute_keys(self):
        free = free_mail_domains()
        for registration in self:
            country = registration.country_id.code
            registration.email_domain_key = (
                matching.email_domain_key(registration.email, free) or False
            )
            registration.vat_key = matching.vat_key(registration.vat, country) or False
            registration.phone_key = matching.phone_key(registration.phone, country) or False
            registration.channel_name_key = matching.name_key(registration.customer_name) or False

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
        partner = self._channel_registrant()
        clean = self._channel_validate_input(values)
        registration = self.sudo().create(
            {
                **clean,
                "company_id": self._channel_registration_company(partner).id,
                "partner_id": partner.id,
                "user_id": user.id,
                "date_submitted": fields.Datetime.now(),
            }
        )
        registration._channel_check_conflicts()
        registration._channel_ask_review()
        return registration.sudo(False)

    @api.model
    def _channel_registrant(self):
        """The partner company the current user registers deals for, or AccessError. The one
        decision of who may use deal registration, whatever asks: the form, the search of
        products of interest, the submission."""
        user = self.env.user
        if not user.share or self.env.su or user._is_public():
            raise AccessError(self.env._("Only partners register deals, from their portal."))
        partner = user.commercial_partner_id
        if not partner.grade_id:
            raise AccessError(
                self.env._("Your company is not a channel partner yet; contact your vendor.")
            )
        return partner

    @api.model
    def _channel_registration_company(self, partner):
        """The vendor company a partner registers its deals with."""
        return partner.company_id or self.env.user.company_id

    @api.model
    def _channel_open_products(self):
        """The products the current partner may choose as products of interest (sudo: portal
        users do not read products), after the access decision."""
        company = self._channel_registration_company(self._channel_registrant())
        Product = self.env["product.template"]
        return Product.sudo(), Product._channel_partner_open_domain(company)

    @api.model
    def _channel_search_products(self, term, limit=SEARCH_PRODUCTS_LIMIT):
        """Products of interest whose name or internal reference (of the product or one of its
        variants) holds ``term``, for the portal's search as the partner types: at most
        ``limit`` (bounded by SEARCH_PRODUCTS_LIMIT) dicts with id, name and reference."""
        Product, domain = self._channel_open_products()
        term = str(term or "").strip()[:SEARCH_TERM_MAX]
        if not term:
            return []
        try:
            limit = max(1, min(int(limit), SEARCH_PRODUCTS_LIMIT))
        except (TypeError, ValueError):
            limit = SEARCH_PRODUCTS_LIMIT
        domain += [
            "|",
            "|",
            ("name", "ilike", term),
            ("default_code", "ilike", term),
            ("product_variant_ids.default_code", "ilike", term),
        ]
        products = Product.search(domain, order="name, id", limit=limit)
        if len(products) < limit and (Product.env.lang or "en_US") != "en_US":
            # names as the vendor wrote them too (catalogues, data sheets), after the names in
            # the partner's language
            products += (
                Product.with_context(lang="en_US")
                .search(
                    domain + [("id", "not in", products.ids)],
                    order="name, id",
                    limit=limit - len(products),
                )
                .with_env(Product.env)
            )
        return [
            {"id": product.id, "name": product.name, "default_code": product.default_code or ""}
            for product in products
        ]

    @api.model
    def _channel_chosen_products(self, product_ids):
        """The products among ``product_ids`` (as submitted: strings, maybe garbage) that the
        current partner may choose, to show its choice again on the form."""
        Product, domain = self._channel_open_products()
        ids = _channel_ids(product_ids)
        if not ids:
            return Product.browse()
        return Product.search(domain + [("id", "in", list(ids))], order="name, id")

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
        """The amount as the partner writes it in its language ("45.000,00" from a German
        partner), or a message saying how to write it: never silently a thousand times off."""
        lang = self.env["res.lang"]._get_data(code=self.env.user.lang or "en_US")
        thousands_sep = lang.thousands_sep or ""
        decimal_point = lang.decimal_point or "."
        try:
            amount = portal_input.parse_amount(
                values.get("expected_revenue"), thousands_sep, decimal_point
            )
        except (TypeError, ValueError):
            amount = None
        if amount is None:
            errors["expected_revenue"] = self.env._(
                "Give the expected revenue as an amount written like %s.",
                portal_input.amount_example(thousands_sep, decimal_point),
            )
        elif not 0 < amount < MAX_AMOUNT:
            errors["expected_revenue"] = self.env._(
                "The expected revenue must be a positive amount."
            )
        else:
            clean["expected_revenue"] = amount

    def _channel_check_products(self, values, clean, errors):
        """Products of interest: only products open to partners (see _channel_open_products);
        an id of anything else (closed, of another company, garbage) is refused."""
        submitted = values.get("product_ids") or []
        if isinstance(submitted, str | int):
            submitted = [submitted]
        ids = _channel_ids(submitted)
        products = self.env["product.template"].sudo().browse()
        if len(submitted) > MAX_PRODUCTS:
            errors["product_ids"] = self.env._(
                "Choose at most %s products of interest.", MAX_PRODUCTS
            )
        elif ids is None:
            errors["product_ids"] = self.env._("Choose the products from the list.")
        elif ids:
            Product, domain = self._channel_open_products()
            products = Product.search(domain + [("id", "in", list(ids))])
            if len(products) != len(ids):
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
        """Known companies this registration is (matching.match_reasons), among candidates the
        database finds cheaply on each key: email domain and its parents, tax ID digits, the
        phone's last digits, the normalised name (equal, same start or end, longest word)."""
        self.ensure_one()
        me = self._channel_match_values()
        threshold = float(self.company_id.channel_name_similarity or 94)
        free = free_mail_domains()
        matches, per_type, seen = [], defaultdict(int), set()
        for field_name, others in self._channel_candidates().items():
            for other_id, other in others.items():
                # a negative id is the same record compared on its mobile number
                record_id = abs(other_id)
                for kind in matching.match_reasons(
                    me, other, name_threshold=threshold, free_domains=free
                ):
                    if (kind, field_name, record_id) in seen:
                        continue
                    if per_type[kind] >= 3 * MAX_MATCHES_PER_TYPE:
                        continue
                    seen.add((kind, field_name, record_id))
                    per_type[kind] += 1
                    matches.append({"match_type": kind, field_name: record_id})
        return matches

    def _channel_match_values(self):
        return {
            "name": self.customer_name,
            "email": self.email,
            "vat": self.vat,
            "phone": self.phone,
            "country": self.country_id.code,
        }

    def _channel_candidate_conditions(self, alias, email, vat, phones, name_key):
        """SQL conditions finding the candidates of one table. ``email``, ``vat``, ``phones`` and
        ``name_key`` are SQL expressions of the table's email, tax ID, phones and name key."""
        conditions = []
        key = self.email_domain_key
        if key and "@" in key:
            conditions.append(SQL("lower(%s) = %s", email, key))
        elif key:
            domain = SQL("split_part(lower(%s), '@', 2)", email)
            conditions.append(
                SQL(
                    "(%s IN %s OR %s LIKE %s)",
                    domain,
                    tuple(matching.parent_domains(key, free_mail_domains())),
                    domain,
                    "%." + key,
                )
            )
        digits = _NOT_DIGIT.sub("", matching.vat_number_part(self.vat_key or ""))
        if vat is not None and len(digits) >= 4:
            conditions.append(
                SQL(r"regexp_replace(coalesce(%s, ''), '\D', '', 'g') = %s", vat, digits)
            )
        last_digits = _NOT_DIGIT.sub("", self.phone_key or "")[-8:]
        if len(last_digits) >= 6:
            for phone in phones:
                conditions.append(
                    SQL(
                        r"right(regexp_replace(coalesce(%s, ''), '\D', '', 'g'), 8) = %s",
                        phone,
                        last_digits,
                    )
                )
        nkey = self.channel_name_key or ""
        if len(nkey) >= 3:
            patterns = [nkey, nkey[:5] + "%", "%" + nkey[-5:]]
            words = sorted(matching.name_words(self.customer_name), key=len, reverse=True)
            if words and len(words[0]) >= 4:
                patterns.append("%" + words[0] + "%")
            conditions.append(SQL("%s LIKE ANY(%s)", name_key, patterns))
        if not conditions:
            return None
        return SQL("(%s)", SQL(" OR ").join(conditions))

    def _channel_candidates(self):
        """{field of the conflict: {id: company values}} of the candidate leads (active),
        customers (not channel partners) and open registrations of the same company."""
        company_ids = tuple(self.company_id.ids)
        result = {"lead_id": {}, "partner_id": {}, "other_registration_id": {}}
        lead_cond = self._channel_candidate_conditions(
            "l",
            SQL("l.email_from"),
            SQL("lp.vat"),
            [SQL("l.phone"), SQL("l.mobile")],
            SQL("coalesce(l.channel_name_key, lp.channel_name_key)"),
        )
        if lead_cond is None:
            return result
        lead_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT l.id FROM crm_lead l
                    LEFT JOIN res_partner lp ON lp.id = l.partner_id
                        WHERE l.active AND (l.company_id IS NULL OR l.company_id IN %s) AND %s
                          AND (l.channel_registration_id IS NULL
                               OR l.channel_registration_id != %s)
                     ORDER BY l.id DESC LIMIT %s""",
                    company_ids,
                    lead_cond,
                    self.id,
                    MAX_CANDIDATES,
                )
            )
        ]
        for lead in self.env["crm.lead"].sudo().browse(lead_ids):
            customer = lead.partner_id.commercial_partner_id
            base = {
                "name": lead.partner_name or customer.name or "",
                "email": lead.email_from,
                "vat": customer.vat,
                "country": (lead.country_id or customer.country_id).code,
            }
            result["lead_id"][lead.id] = base | {"phone": lead.phone}
            if lead.mobile:
                result["lead_id"].setdefault(-lead.id, base | {"phone": lead.mobile})
        partner_cond = self._channel_candidate_conditions(
            "p",
            SQL("p.email"),
            SQL("p.vat"),
            [SQL("p.phone"), SQL("p.mobile")],
            SQL("p.channel_name_key"),
        )
        partner_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT p.id FROM res_partner p
                    LEFT JOIN res_partner c ON c.id = p.commercial_partner_id
                        WHERE p.active AND c.grade_id IS NULL
                          AND (p.company_id IS NULL OR p.company_id IN %s) AND %s
                     ORDER BY p.id DESC LIMIT %s""",
                    company_ids,
                    partner_cond,
                    MAX_CANDIDATES,
                )
            )
        ]
        for partner in self.env["res.partner"].sudo().browse(partner_ids):
            base = {
                "name": partner.commercial_partner_id.name if partner.parent_id else partner.name,
                "email": partner.email,
                "vat": partner.vat or partner.commercial_partner_id.vat,
                "country": partner.country_id.code,
            }
            result["partner_id"][partner.id] = base | {"phone": partner.phone}
            if partner.mobile:
                result["partner_id"].setdefault(-partner.id, base | {"phone": partner.mobile})
        registration_cond = self._channel_candidate_conditions(
            "r", SQL("r.email"), SQL("r.vat_key"), [SQL("r.phone_key")], SQL("r.channel_name_key")
        )
        registration_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT r.id FROM crm_channel_registration r
                        WHERE r.id != %s AND r.state IN ('pending', 'approved')
                          AND r.company_id IN %s AND %s
                     ORDER BY r.id DESC LIMIT %s""",
                    self.id,
                    company_ids,
                    registration_cond,
                    MAX_CANDIDATES,
                )
            )
        ]
        for other in self.browse(registration_ids):
            result["other_registration_id"][other.id] = other._channel_match_values()
        return result

    # ------------------------------------------------------------
    # Vendor decisions
    # ------------------------------------------------------------

    def _channel_check_reviewer(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers approve or reject registrations."))

    def action_approve(self):
        """Approve; a registration matching known companies, with no opportunity chosen yet,
        first asks the vendor what to do with the match (see _channel_approve)."""
        self._channel_check_reviewer()
        in_conflict = self.filtered(
            lambda registration: registration.has_conflict and not registration.lead_id
        )
        if in_conflict:
            if len(self) > 1:
                raise UserError(
                    self.env._(
                        "Registrations %s match known companies: approve them one at a time.",
                        ", ".join(in_conflict.mapped("name")),
                    )
                )
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Approve a Registration in Conflict"),
                "res_model": "crm.channel.registration.approve",
                "view_mode": "form",
                "target": "new",
                "context": {"default_registration_id": self.id},
            }
        for registration in self:
            registration._channel_approve("attach" if registration.lead_id else False)
        return True

    def _channel_approve(self, decision=False, lead=None, reason=None):
        """Approve the registration. ``decision`` says what to do with a match: "attach" gives
        ``lead`` (or the linked opportunity) to the partner, "merge" adds the registration to it,
        "create" makes a new opportunity anyway and needs a ``reason``."""
        self.ensure_one()
        self._channel_check_reviewer()
        if self.state != "pending":
            raise UserError(self.env._("Registration %s is not waiting for a decision.", self.name))
        reason = (reason or "").strip()
        if decision in ("attach", "merge"):
            lead = lead or self.lead_id
            if not lead:
                raise UserError(self.env._("Choose the existing opportunity."))
            self.lead_id = lead
        elif decision == "create":
            if not reason:
                raise UserError(
                    self.env._("Say why a new opportunity although the customer looks known.")
                )
            self.lead_id = False
        elif self.has_conflict:
            raise UserError(
                self.env._(
                    "Registration %s matches known companies: attach it to the existing "
                    "opportunity, merge it, or create a new one saying why.",
                    self.name,
                )
            )
        today = fields.Date.context_today(self)
        lead = self._channel_give_lead()
        if decision == "merge":
            self._channel_merge_into(lead)
        days = self.partner_id.grade_id.channel_protection_days
        self.sudo().write(
            {
                "state": "approved",
                "lead_id": lead.id,
                "protected_until": today + timedelta(days=days),
                "date_decided": fields.Datetime.now(),
                "decided_by_id": self.env.user.id,
                "conflict_decision": decision or False,
                "conflict_decision_reason": reason or False,
            }
        )
        self.activity_ids.action_feedback(feedback=self.env._("Approved"))
        note = self.env._("Approved; protected until %s.", self.protected_until)
        if decision == "create":
            note = self.env._(
                "Approved as a new opportunity despite possible duplicates (%(reason)s); "
                "protected until %(date)s.",
                reason=reason,
                date=self.protected_until,
            )
            lead.sudo().message_post(
                body=self.env._(
                    "Created from registration %(name)s although the customer looks known: "
                    "%(reason)s",
                    name=self.name,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        return lead

    def _channel_merge_into(self, lead):
        """Add what the partner registered to the existing opportunity, without overwriting
        what the vendor knows."""
        lead = lead.sudo()
        values = {"channel_product_ids": [(4, product.id) for product in self.product_ids]}
        if not lead.expected_revenue:
            values["expected_revenue"] = self.expected_revenue
        if not lead.date_deadline:
            values["date_deadline"] = self.date_close_expected
        for field_name, value in (
            ("partner_name", self.customer_name),
            ("contact_name", self.contact_name),
            ("email_from", self.email),
            ("phone", self.phone),
            ("country_id", self.country_id.id),
        ):
            if value and not lead[field_name]:
                values[field_name] = value
        lead.with_context(channel_routing=True).write(values)
        lead.message_post(
            body=self.env._(
                "Registration %(name)s merged into this opportunity (%(note)s).",
                name=self.name,
                note=self.note or self.env._("no note"),
            ),
            subtype_xmlid="mail.mt_note",
        )

    @api.constrains("state")
    def _check_conflict_decided(self):
        for registration in self.sudo():
            if (
                registration.state == "approved"
                and registration.has_conflict
                and not registration.conflict_decision
            ):
                raise ValidationError(
                    self.env._(
                        "Registration %s matches known companies: approve it with a decision "
                        "(attach, merge or create anyway with a reason).",
                        registration.name,
                    )
                )

    def _channel_give_lead(self):
        """The opportunity of an approved registration: the existing one the vendor linked, now
        the partner's, or a new one from the registered data."""
        self.ensure_one()
        # as superuser (the reviewer's access is checked): the lead is given to the partner with
        # its channel state, not offered (see crm.lead._channel_assigns_itself)
        Lead = (
            self.env["crm.lead"].sudo().with_context(channel_routing=True, mail_create_nolog=True)
        )
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
        return self.env["crm.lead"].browse(lead.id)

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
        """Approved registrations past their protection expire, unless their deal is won.
        Claimed with SKIP LOCKED: two workers never end the same registration twice."""
        today = fields.Date.context_today(self)
        Registration = self.sudo()
        won, lost_race = claim(
            Registration,
            [("state", "=", "approved"), ("lead_id.stage_id.is_won", "=", True)],
            limit=batch_size,
        )
        won.write({"state": "won"})
        expired = Registration.browse()
        if not lost_race:
            expired, _lost_race = claim(
                Registration,
                [("state", "=", "approved"), ("protected_until", "<", today)],
                limit=batch_size,
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
