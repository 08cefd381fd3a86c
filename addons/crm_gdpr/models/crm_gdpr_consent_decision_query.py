from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize


class CrmGdprConsent(models.Model):
    """The SQL of the consent decision: index probes for a few targets, hash joins for a
    mailing, and how the people behind records of any model are found."""

    _inherit = "crm.gdpr.consent"

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
