import hashlib
import re

from odoo import api, models
from odoo.tools import SQL

# Tables never rewritten by the residual pass: the consent proof (hash chained), Odoo's own
# metadata and configuration. An identifier found there is reported, never replaced.
PROTECTED_TABLES = {
    "crm_gdpr_receipt",
    "crm_gdpr_receipt_chain",
    "ir_model",
    "ir_model_fields",
    "ir_model_fields_selection",
    "ir_model_data",
    "ir_model_constraint",
    "ir_model_relation",
    "ir_model_access",
    "ir_ui_view",
    "ir_ui_menu",
    "ir_module_module",
    "ir_module_module_dependency",
    "ir_module_category",
    "ir_config_parameter",
    "ir_cron",
    "ir_sequence",
    "ir_rule",
    "ir_asset",
    "res_lang",
    "res_groups",
}
# Columns covered by the accounting inalterability hash or numbering: never rewritten.
PROTECTED_COLUMNS = {
    ("account_move", "name"),
    ("account_move", "inalterable_hash"),
    ("account_move", "sequence_prefix"),
}
# Where a row holds one person, identified by this email column: a name-only match on a row
# that belongs to someone else (another address) is a namesake, not the person.
IDENTITY_COLUMNS = {
    "res_partner": "email_normalized",
    "crm_lead": "email_normalized",
    "mailing_contact": "email_normalized",
    "crm_gdpr_subject": "email_normalized",
}

MIN_PHONE_DIGITS = 6
PHONE_KEY_DIGITS = 9


class CrmGdprScanner(models.AbstractModel):
    """Scans every text column of the database (text, varchar, jsonb) for a person's
    identifiers, and optionally replaces what it finds by a pseudonym. The scan is the evidence
    of an erasure; its result never contains the identifiers, only their SHA-256."""

    _name = "crm.gdpr.scanner"
    _description = "Personal Data Scanner"

    @api.model
    def _identifier_set(self, emails=(), names=(), phones=()):
        """Normalised identifiers worth scanning for: emails, full names (two words at least,
        a lone first name would hit everyone sharing it), phone numbers (six digits at least)."""
        result = {"email": set(), "name": set(), "phone": set()}
        for email in emails:
            if email and "@" in email:
                result["email"].add(email.strip().lower())
        for name in names:
            name = " ".join((name or "").split())
            if len(name.split(" ")) >= 2 and len(name) >= 5:
                result["name"].add(name)
        for phone in phones:
            phone = (phone or "").strip()
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= MIN_PHONE_DIGITS:
                result["phone"].add(phone)
            if len(digits) >= PHONE_KEY_DIGITS:
                # the digit forms software derives from it (E.164 numbers, digits-only keys,
                # the last nine digits used for matching); shorter runs of digits would hit
                # unrelated numbers
                result["phone"].update({digits, digits[-PHONE_KEY_DIGITS:]})
        return {kind: sorted(values) for kind, values in result.items() if values}

    @api.model
    def _pattern(self, values):
        """Case-insensitive PostgreSQL regular expression matching any of `values` as whole
        words."""
        escaped = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
        return rf"(?<![[:alnum:]_])({escaped})(?![[:alnum:]_])"

    @api.model
    def _text_columns(self):
        """{table: [(column, data type)]} for every text-like column of every table."""
        self.env.cr.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema()
               AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb')
             ORDER BY c.table_name, c.ordinal_position
            """
        )
        columns = {}
        for table, column, data_type in self.env.cr.fetchall():
            columns.setdefault(table, []).append((column, data_type))
        return columns

    @api.model
    def _column_sql(self, column, data_type):
        column_sql = SQL.identifier(column)
        return SQL("%s::text", column_sql) if data_type == "jsonb" else column_sql

    @api.model
    def _row_condition(self, table, columns, identifiers):
        """SQL condition true for rows of `table` holding one of the identifiers."""
        concat = SQL(
            "concat_ws(' ', %s)",
            SQL(", ").join(self._column_sql(column, data_type) for column, data_type in columns),
        )
        strong = identifiers.get("email", []) + identifiers.get("phone", [])
        conditions = []
        if strong:
            conditions.append(SQL("%s ~* %s", concat, self._pattern(strong)))
        if identifiers.get("name"):
            name_condition = SQL("%s ~* %s", concat, self._pattern(identifiers["name"]))
            identity = IDENTITY_COLUMNS.get(table)
            if identity and identity in {column for column, _type in columns}:
                # A namesake with another address is somebody else.
                name_condition = SQL(
                    "(%s AND (%s IS NULL OR %s = '' OR lower(%s) = ANY(%s)))",
                    name_condition,
                    SQL.identifier(identity),
                    SQL.identifier(identity),
                    SQL.identifier(identity),
                    identifiers.get("email", []),
                )
            conditions.append(name_condition)
        return SQL("(%s)", SQL(" OR ").join(conditions))

    @api.model
    def _scan(self, identifiers, tables=None):
        """[(table, column, rows)] where an identifier is still found. `identifiers` as returned
        by _identifier_set. Reads every text column of every table (or of `tables`)."""
        if not identifiers:
            return []
        self.env.flush_all()
        hits = []
        for table, columns in self._text_columns().items():
            if tables is not None and table not in tables:
                continue
            condition = self._row_condition(table, columns, identifiers)
            self._execute(SQL("SELECT count(*) FROM %s WHERE %s", SQL.identifier(table), condition))
            if not self.env.cr.fetchone()[0]:
                continue
            hits += self._hits_per_column(table, columns, identifiers, condition)
        return hits

    @api.model
    def _hits_per_column(self, table, columns, identifiers, condition):
        pattern = self._pattern([value for values in identifiers.values() for value in values])
        counts = SQL(", ").join(
            SQL("count(*) FILTER (WHERE %s ~* %s)", self._column_sql(column, data_type), pattern)
            for column, data_type in columns
        )
        self._execute(SQL("SELECT %s FROM %s WHERE %s", counts, SQL.identifier(table), condition))
        row = self.env.cr.fetchone()
        return [
            (table, column, count)
            for (column, _type), count in zip(columns, row, strict=True)
            if count
        ]

    @api.model
    def _replace(self, identifiers, replacements, tables=None):
        """Replace the identifiers found in text columns by their pseudonyms, in every table but
        the protected ones. replacements: {'email': str, 'name': str, 'phone': str}. Returns
        [(table, rows updated)]."""
        if not identifiers:
            return []
        self.env.flush_all()
        updated = []
        rewritten = {}
        models_by_table = self._models_by_table()
        for table, columns in self._text_columns().items():
            if table in PROTECTED_TABLES or (tables is not None and table not in tables):
                continue
            condition = self._row_condition(table, columns, identifiers)
            assignments = []
            for column, data_type in columns:
                if (table, column) in PROTECTED_COLUMNS:
                    continue
                value = self._column_sql(column, data_type)
                for kind in ("email", "phone", "name"):
                    if identifiers.get(kind):
                        value = SQL(
                            "regexp_replace(%s, %s, %s, 'gi')",
                            value,
                            self._pattern(identifiers[kind]),
                            replacements[kind],
                        )
                if data_type == "jsonb":
                    value = SQL("%s::jsonb", value)
                assignments.append(SQL("%s = %s", SQL.identifier(column), value))
            if not assignments:
                continue
            models_ = models_by_table.get(table)
            self._execute(
                SQL(
                    "UPDATE %s SET %s WHERE %s %s",
                    SQL.identifier(table),
                    SQL(", ").join(assignments),
                    condition,
                    SQL("RETURNING id") if models_ else SQL(),
                )
            )
            if self.env.cr.rowcount:
                updated.append((table, self.env.cr.rowcount))
                if models_:
                    ids = [row[0] for row in self.env.cr.fetchall()]
                    rewritten[table] = (models_, ids, {column for column, _type in columns})
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self._recompute_derived(rewritten)
        return updated

    @api.model
    def _models_by_table(self):
        """{table: [models stored in it]} (several when one inherits another's table)."""
        result = {}
        for model in self.env.registry.values():
            if model._auto and not model._abstract:
                result.setdefault(model._table, []).append(model)
        return result

    @api.model
    def _recompute_derived(self, rewritten):
        """Stored fields computed from the rewritten columns (sanitized phone numbers, matching
        keys, ...) were derived from the identifiers: compute them again from the pseudonyms."""
        for models_, ids, columns in rewritten.values():
            for model in models_:
                fnames = [
                    name
                    for name, field in model._fields.items()
                    if field.store and field.column_type and name in columns
                ]
                if fnames:
                    self.env[model._name].browse(ids).modified(fnames)
        self.env.flush_all()

    @api.model
    def _execute(self, query):
        # These queries carry the identifiers: a failing one must not write them to the log.
        self.env.cr.execute(query, log_exceptions=False)

    @api.model
    def _fingerprints(self, identifiers):
        """What the evidence says about the identifiers: their kind and SHA-256, never them."""
        return [
            {"kind": kind, "sha256": hashlib.sha256(value.lower().encode()).hexdigest()}
            for kind, values in identifiers.items()
            for value in values
        ]
