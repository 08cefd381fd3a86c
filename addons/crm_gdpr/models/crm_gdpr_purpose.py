from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Art. 6(1) GDPR, points (a) to (f).
LAWFUL_BASES = [
    ("consent", "Consent (Art. 6(1)(a))"),
    ("contract", "Contract (Art. 6(1)(b))"),
    ("legal_obligation", "Legal obligation (Art. 6(1)(c))"),
    ("vital_interests", "Vital interests (Art. 6(1)(d))"),
    ("public_task", "Public task (Art. 6(1)(e))"),
    ("legitimate_interests", "Legitimate interests (Art. 6(1)(f))"),
]


class CrmGdprPurpose(models.Model):
    """Why personal data is processed. The text shown to people is versioned; each purpose has
    its lawful basis, the channels it may use, how long a consent stays valid, and what the
    register of processing activities (Art. 30) says about it."""

    _name = "crm.gdpr.purpose"
    _description = "Processing Purpose"
    _inherit = ("mail.thread",)
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty for a purpose shared by every company of the database.",
    )
    description = fields.Text(
        string="Text Shown to People",
        required=True,
        translate=True,
        help="The exact wording shown on forms and on the preference page. Changing it publishes "
        "a new version; consents keep the version they were given for.",
    )
    lawful_basis = fields.Selection(LAWFUL_BASES, required=True, default="consent", tracking=True)
    channel_ids = fields.Many2many(
        "crm.gdpr.channel",
        string="Channels",
        required=True,
        help="Channels people can consent to for this purpose.",
    )
    validity_months = fields.Integer(
        string="Consent Valid For (months)",
        default=24,
        help="Consent expires this many months after it was given and people are flagged to be "
        "asked again. 0 means it does not expire.",
    )
    is_mailing_default = fields.Boolean(
        string="Default for Mailings",
        help="New mass mailings to leads and contacts use this purpose unless another is chosen.",
    )
    version_ids = fields.One2many("crm.gdpr.purpose.version", "purpose_id", string="Versions")
    current_version_id = fields.Many2one(
        "crm.gdpr.purpose.version", compute="_compute_current_version"
    )
    consent_ids = fields.One2many("crm.gdpr.consent", "purpose_id", string="Consents")
    consent_given_count = fields.Integer(compute="_compute_consent_counts")
    consent_pending_count = fields.Integer(compute="_compute_consent_counts")
    # Register of processing activities (Art. 30(1))
    subject_categories = fields.Text(
        string="Categories of Data Subjects", translate=True, default="Customers and prospects"
    )
    data_categories = fields.Text(
        string="Categories of Personal Data",
        translate=True,
        default="Identity and contact details",
    )
    recipient_categories = fields.Text(string="Categories of Recipients", translate=True)
    third_country_transfers = fields.Text(
        string="Transfers to Third Countries",
        translate=True,
        help="Countries or international organisations outside the EEA, and the safeguards used.",
    )
    retention_period = fields.Text(
        string="Time Limits for Erasure",
        translate=True,
        help="How long the data is kept for this purpose (see also the retention rules).",
    )
    security_measures = fields.Text(translate=True)

    @api.depends("version_ids.version")
    def _compute_current_version(self):
        for purpose in self:
            purpose.current_version_id = purpose.version_ids.sorted("version")[-1:]

    def _compute_consent_counts(self):
        counts = {
            (purpose.id, state): count
            for purpose, state, count in self.env["crm.gdpr.consent"]._read_group(
                [("purpose_id", "in", self.ids)], ["purpose_id", "state"], ["__count"]
            )
        }
        for purpose in self:
            purpose.consent_given_count = counts.get((purpose.id, "given"), 0)
            purpose.consent_pending_count = counts.get((purpose.id, "pending"), 0)

    @api.constrains("validity_months")
    def _check_validity_months(self):
        for purpose in self:
            if purpose.validity_months < 0:
                raise ValidationError(
                    self.env._("The validity of a consent cannot be negative (0 means no expiry).")
                )

    @api.constrains("is_mailing_default", "company_id", "active")
    def _check_single_mailing_default(self):
        for purpose in self.filtered(lambda p: p.is_mailing_default and p.active):
            others = self.search_count(
                [
                    ("id", "!=", purpose.id),
                    ("is_mailing_default", "=", True),
                    ("company_id", "=", purpose.company_id.id),
                ]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "Only one purpose can be the default for mailings (per company). Untick "
                        "it on the other purpose first."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        purposes = super().create(vals_list)
        purposes._publish_version()
        return purposes

    def write(self, vals):
        res = super().write(vals)
        if "description" in vals or "lawful_basis" in vals:
            self._publish_version()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_consents(self):
        if self.env["crm.gdpr.consent"].sudo().search_count([("purpose_id", "in", self.ids)]):
            raise UserError(
                self.env._(
                    "People consented to this purpose: it keeps their proof. Archive the purpose "
                    "instead of deleting it."
                )
            )

    def _publish_version(self):
        """Snapshot the current text (every language) as a new immutable version."""
        Version = self.env["crm.gdpr.purpose.version"].sudo()
        self.flush_recordset(["description", "lawful_basis"])
        for purpose in self:
            last = purpose.sudo().version_ids.sorted("version")[-1:]
            if last and last.lawful_basis == purpose.lawful_basis:
                self.env.cr.execute(
                    "SELECT (SELECT text FROM crm_gdpr_purpose_version WHERE id = %s) "
                    "IS NOT DISTINCT FROM (SELECT description FROM crm_gdpr_purpose WHERE id = %s)",
                    (last.id, purpose.id),
                )
                if self.env.cr.fetchone()[0]:
                    continue
            version = Version.create(
                {
                    "purpose_id": purpose.id,
                    "version": (last.version or 0) + 1,
                    "lawful_basis": purpose.lawful_basis,
                }
            )
            # Copy the text in every language at once; versions are never written afterwards.
            self.env.cr.execute(
                "UPDATE crm_gdpr_purpose_version SET text = "
                "(SELECT description FROM crm_gdpr_purpose WHERE id = %s) WHERE id = %s",
                (purpose.id, version.id),
            )
            version.invalidate_recordset(["text"])
        self.invalidate_recordset(["version_ids", "current_version_id"])

    def _expiry_date(self, given_on):
        """When a consent given on `given_on` for this purpose stops being valid (False: never)."""
        self.ensure_one()
        if not self.validity_months:
            return False
        return given_on + relativedelta(months=self.validity_months)

    @api.model
    def _get_mailing_default(self, company=None):
        company = company or self.env.company
        return self.search(
            [("is_mailing_default", "=", True), ("company_id", "in", [company.id, False])],
            order="company_id",
            limit=1,
        )

    @api.model
    def _web_form_purposes(self):
        """Purposes a visitor can subscribe to on the web form."""
        return self.search(
            [
                ("lawful_basis", "=", "consent"),
                ("company_id", "in", [False, self.env.company.id]),
            ]
        )

    def _retention_rules(self):
        """Active retention rules stating this purpose's time limits (register)."""
        self.ensure_one()
        return self.env["crm.gdpr.retention.rule"].sudo().search([("purpose_id", "=", self.id)])

    def action_print_register(self):
        purposes = self or self.search([])
        return self.env.ref("crm_gdpr.action_report_processing_register").report_action(purposes)

    def _preference_mode(self):
        """How the preference page offers this purpose: 'consent' (agree / withdraw),
        'objection' (active unless the person objects, Art. 21) or 'info' (needed)."""
        self.ensure_one()
        if self.lawful_basis == "consent":
            return "consent"
        if self.lawful_basis in ("legitimate_interests", "public_task"):
            return "objection"
        return "info"
