import logging

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..claim import claim
from .crm_gdpr_eraser import LEAD_FIELDS, PARTNER_FIELDS, QUIET

_logger = logging.getLogger(__name__)

SUPPORTED_MODELS = ("crm.lead", "mailing.contact", "res.partner")


class CrmGdprRetentionRule(models.Model):
    """How long personal data is kept: records of a model matching a filter and untouched for N
    months are anonymised, archived or deleted by a scheduled job, in bounded batches. Running
    it again changes nothing; the preview lists what the next run would process."""

    _name = "crm.gdpr.retention.rule"
    _description = "Retention Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Only records of this company; empty for every company."
    )
    model_id = fields.Many2one(
        "ir.model",
        string="Applies To",
        required=True,
        ondelete="cascade",
        domain=[("model", "in", SUPPORTED_MODELS)],
    )
    model_name = fields.Char(related="model_id.model", string="Model Name")
    domain = fields.Char(string="Records", default="[]", help="Which records the rule considers.")
    date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Untouched Since",
        required=True,
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime')), "
        "('store', '=', True)]",
        help="The date compared with the retention period (e.g. Last Updated on).",
    )
    months = fields.Integer(string="Retention (months)", required=True, default=24)
    action = fields.Selection(
        [("anonymise", "Anonymise"), ("archive", "Archive"), ("delete", "Delete")],
        required=True,
        default="anonymise",
    )
    batch_size = fields.Integer(default=500, required=True)
    purpose_id = fields.Many2one(
        "crm.gdpr.purpose", help="The purpose whose register entry states this retention."
    )
    last_run = fields.Datetime(readonly=True)
    last_count = fields.Integer(string="Processed Last Run", readonly=True)
    total_count = fields.Integer(string="Processed in Total", readonly=True)
    preview_count = fields.Integer(string="Due Now", compute="_compute_preview_count")

    @api.constrains("months", "batch_size", "model_id", "date_field_id", "domain")
    def _check_rule(self):
        for rule in self:
            if rule.months < 1:
                raise ValidationError(self.env._("A retention period is one month at least."))
            if rule.batch_size < 1:
                raise ValidationError(self.env._("A batch holds one record at least."))
            if rule.model_id.model not in SUPPORTED_MODELS:
                raise ValidationError(
                    self.env._("Retention rules apply to leads, contacts and mailing contacts.")
                )
            if rule.date_field_id.model_id != rule.model_id:
                raise ValidationError(
                    self.env._("Choose a date of the records the rule applies to.")
                )
            try:
                domain = safe_eval(rule.domain or "[]")
                self.env[rule.model_id.model].search_count(domain, limit=1)
            except (ValueError, SyntaxError, TypeError, NameError, KeyError) as error:
                raise ValidationError(
                    self.env._(
                        "The filter of the rule %(name)s is not valid: %(error)s",
                        name=rule.name,
                        error=error,
                    )
                ) from None

    def _cutoff(self):
        self.ensure_one()
        return fields.Datetime.now() - relativedelta(months=self.months)

    def _effective_domain(self):
        """What the next run processes: the filter, older than the period, not done already."""
        self.ensure_one()
        Model = self.env[self.model_name]
        domain = list(safe_eval(self.domain or "[]"))
        domain.append((self.date_field_id.name, "<", self._cutoff()))
        if self.company_id and "company_id" in Model._fields:
            domain.append(("company_id", "in", [self.company_id.id, False]))
        if self.action == "anonymise":
            if "gdpr_anonymised" in Model._fields:
                domain.append(("gdpr_anonymised", "=", False))
        elif self.action == "archive":
            domain.append(("active", "=", True))
        if self.model_name == "res.partner":
            domain += self._partner_safety_domain()
        return domain

    def _partner_safety_domain(self):
        """Contacts that are users, companies of this database, company contacts, named on an
        invoice (as its contact or its commercial entity: a billing address of the person
        counts) or kept by a legal hold are never processed by a retention rule (erasure
        requests handle them)."""
        company_partners = self.env["res.company"].sudo().search([]).partner_id.ids
        return [
            ("is_company", "=", False),
            ("user_ids", "=", False),
            ("id", "not in", company_partners),
            ("id", "not in", self._kept_partner_ids()),
        ]

    def _kept_partner_ids(self):
        """Contacts a legal hold keeps: the people of active legal holds (crm_gdpr_account adds
        the contacts named on an invoice)."""
        holds = self.env["crm.gdpr.legal.hold"].sudo().search([("state", "=", "active")])
        return sorted(set(holds.subject_id.partner_id.ids))

    def _compute_preview_count(self):
        for rule in self:
            if not rule.model_name or not rule.date_field_id:
                rule.preview_count = 0
                continue
            rule.preview_count = (
                self.env[rule.model_name]
                .sudo()
                .with_context(active_test=False)
                .search_count(rule._effective_domain())
            )

    def action_preview(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Due for %(action)s: %(rule)s",
                action=dict(self._fields["action"]._description_selection(self.env))[self.action],
                rule=self.name,
            ),
            "res_model": self.model_name,
            "view_mode": "list,form",
            "domain": self._effective_domain(),
            "context": {"active_test": False, "create": False},
        }

    def action_run_now(self):
        for rule in self:
            rule._apply()

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------

    def _apply(self):
        """Process one batch; returns the number of records processed. The rule itself is
        claimed first (SKIP LOCKED): a worker applying it keeps the others off this rule until
        its batch is committed, and its run counters are never written by two at once."""
        self.ensure_one()
        rule, _lost_race = claim(
            self.sudo().with_context(active_test=False), [("id", "=", self.id)]
        )
        if not rule:
            return 0
        Model = self.env[self.model_name].sudo().with_context(active_test=False, **QUIET)
        query = Model._search(self._effective_domain(), limit=self.batch_size, order="id")
        # Rows another worker is processing are skipped, not waited for.
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id IN (%s) FOR UPDATE SKIP LOCKED",
                SQL.identifier(Model._table),
                query.subselect(),
            )
        )
        records = Model.browse([row[0] for row in rows])
        if records:
            getattr(self, f"_apply_{self.action}")(records)
        self.sudo().write(
            {
                "last_run": fields.Datetime.now(),
                "last_count": len(records),
                "total_count": self.total_count + len(records),
            }
        )
        _logger.info(
            "Retention rule %s processed %s %s records", self.id, len(records), self.model_name
        )
        return len(records)

    def _apply_archive(self, records):
        records.action_archive()

    def _apply_delete(self, records):
        records.unlink()

    def _apply_anonymise(self, records):
        """Everything personal of the records goes, derived fields and free text included (the
        records' own identifiers are replaced in every text column of their rows); leads lose
        their contact link, so that stock never copies a contact's data into them again."""
        identifiers = self._record_identifiers(records)
        label = self.env._("Anonymised contact")
        if records._name == "crm.lead":
            values = dict.fromkeys(LEAD_FIELDS, False)
            values["partner_id"] = False
        elif records._name == "res.partner":
            values = dict.fromkeys(PARTNER_FIELDS, False)
            values["name"] = label
        else:
            values = {"email": False, "name": label}
        if "gdpr_anonymised" in records._fields:
            values["gdpr_anonymised"] = True
        if records._name == "crm.lead":
            # the flag last: the contact link is cut before the lead becomes anonymous
            records.write({key: value for key, value in values.items() if key != "gdpr_anonymised"})
            records.write({"gdpr_anonymised": True})
        else:
            records.write(values)
        if records._name == "res.partner":
            banks = self.env["res.partner.bank"].sudo().with_context(active_test=False)
            self.env["crm.gdpr.eraser"]._unlink_quietly(
                banks.search([("partner_id", "in", records.ids)]), records
            )
        self.env["crm.gdpr.scanner"]._replace(
            identifiers,
            {"name": label, "email": "anonymised@anonymised.invalid", "phone": "[anonymised]"},
            rows={records._table: records.ids},
        )
        self.env["crm.gdpr.eraser"]._erase_threads(records)

    def _record_identifiers(self, records):
        """The personal values the records hold, as scanner identifiers (their own rows only
        are rewritten with them, so a surname alone is safe to match)."""
        names, emails, phones, streets, vats = set(), set(), set(), set(), set()
        for record in records:
            person_names = []
            if record._name == "crm.lead":
                person_names.append(record.contact_name)
                if record.partner_id and not record.partner_id.is_company:
                    person_names.append(record.partner_id.name)
                emails.add(record.email_normalized)
                phones.update({record.phone, record.mobile})
                streets.update({record.street, record.street2})
            elif record._name == "res.partner":
                person_names.append(record.name)
                emails.add(record.email_normalized)
                phones.update({record.phone, record.mobile})
                streets.update({record.street, record.street2})
                vats.add(record.vat)
            else:
                person_names.append(record.name)
                emails.add(record.email_normalized)
            names.update(person_names)
        surnames = {name.split()[-1] for name in names if name and len(name.split()) >= 2}
        return self.env["crm.gdpr.scanner"]._identifier_set(
            emails=[e for e in emails if e],
            names=[n for n in names if n],
            phones=[p for p in phones if p],
            vats=[v for v in vats if v],
            streets=[s for s in streets if s],
            surnames=surnames,
            region=self.env.company.country_id.code,
        )

    @api.model
    def _cron_apply(self):
        """Apply every active rule, one batch each; asks the cron to run again while some rule
        still has records due."""
        done = remaining = 0
        for rule in self.search([]):
            done += rule._apply()
            remaining += rule.preview_count
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
