import hashlib
import re

import phonenumbers

from odoo import api, models
from odoo.tools import SQL, html2plaintext

# Tables never rewritten by the residual pass: the consent proof (hash chained), Odoo's own
# metadata and configuration. An identifier found there is reported as kept, never replaced.
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
# Columns of the accounting numbering and hash themselves: never rewritten, whatever the row.
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
# Kinds of identifiers and the pseudonym kind replacing them.
KINDS = ("email", "name", "phone", "iban", "vat", "street", "surname")
# Kinds matched loosely (separators between characters), the others as whole words.
LOOSE_KINDS = ("phone", "iban", "vat")
# Kinds a name-only match is checked against the row's own address for.
NAME_KINDS = ("name",)

# Tables probed for the person in one query (EXISTS per table, joined with UNION ALL).
PROBE_BATCH = 50

MIN_PHONE_DIGITS = 6
MIN_SURNAME_LENGTH = 4

# Regular expression pieces, per dialect: PostgreSQL's ARE and Python's re.
_DIALECTS = {
    "pg": {"word": "[[:alnum:]_]", "sep": "[-[:space:]./()]"},
    "py": {"word": r"\w", "sep": r"[-\s./()]"},
}


class CrmGdprScanner(models.AbstractModel):
    """Scans every text column of the database (text, varchar, jsonb) for a person's
    identifiers, and optionally replaces what it finds by a pseudonym. The scan is the evidence
    of an erasure; its result never contains the identifiers, only their SHA-256.

    What must never be rewritten (`_protected_rows`: with crm_gdpr_account, what Odoo's
    accounting integrity hash covers and what a legal hold keeps) is reported as kept, with its
    reason, never as residual."""

    _name = "crm.gdpr.scanner"
    _description = "Personal Data Scanner"

    # ------------------------------------------------------------------
    # Identifiers
    # ------------------------------------------------------------------

    @api.model
    def _identifier_set(
        self,
        emails=(),
        names=(),
        phones=(),
        ibans=(),
        vats=(),
        streets=(),
        surnames=(),
        region=None,
    ):
        """Normalised identifiers worth scanning for: emails, full names (two words at least,
        a lone first name would hit everyone sharing it), phone numbers (parsed: matched in any
        written form), IBANs and VAT numbers (with or without separators), streets (two words at
        least) and surnames (only ever matched on the person's own rows)."""
        result = {kind: set() for kind in KINDS}
        for email in emails:
            if email and "@" in email:
                result["email"].add(email.strip().lower())
        for name in names:
            name = " ".join((name or "").split())
            if len(name.split(" ")) >= 2 and len(name) >= 5:
                result["name"].add(name)
        for phone in phones:
            result["phone"].update(self._phone_keys(phone, region))
        for iban in ibans:
            iban = re.sub(r"[^0-9A-Za-z]", "", iban or "").upper()
            if len(iban) >= 12:
                result["iban"].add(iban)
        for vat in vats:
            vat = re.sub(r"[^0-9A-Za-z]", "", vat or "").upper()
            if len(vat) >= 8:
                result["vat"].add(vat)
                national = vat[2:] if vat[:2].isalpha() else vat
                # the number without its country code, as e-invoicing identifiers write it
                if len(national) >= 8 and national != vat:
                    result["vat"].add(national)
        for street in streets:
            street = " ".join((street or "").split())
            if len(street.split(" ")) >= 2 and len(street) >= 6:
                result["street"].add(street)
        for surname in surnames:
            surname = (surname or "").strip()
            if len(surname) >= MIN_SURNAME_LENGTH and " " not in surname:
                result["surname"].add(surname)
        return {kind: sorted(values) for kind, values in result.items() if values}

    @api.model
    def _phone_keys(self, phone, region=None):
        """A phone number as the scanner keeps it: E.164 when it parses (then matched in any
        written form: national or international, with or without the trunk 0, any separators),
        else its digits."""
        phone = (phone or "").strip()
        digits = re.sub(r"\D", "", phone)
        if len(digits) < MIN_PHONE_DIGITS:
            return set()
        try:
            number = phonenumbers.parse(phone, (region or "").upper() or None)
        except phonenumbers.NumberParseException:
            number = None
        if number and phonenumbers.is_possible_number(number):
            return {phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)}
        return {digits}

    @api.model
    def _phones_in_text(self, texts, region=None):
        """Valid phone numbers written in free text (PhoneNumberMatcher on its plain text: not
        the digits of links or attributes), as E.164."""
        found = set()
        for text in texts:
            if not text:
                continue
            for match in phonenumbers.PhoneNumberMatcher(
                html2plaintext(str(text)),
                (region or "").upper() or None,
                leniency=phonenumbers.Leniency.VALID,
            ):
                found.add(
                    phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                )
        return found

    # ------------------------------------------------------------------
    # Patterns
    # ------------------------------------------------------------------

    @api.model
    def _alternative(self, kind, value, dialect="pg"):
        """A regular expression (without word boundaries) for one identifier."""
        sep = _DIALECTS[dialect]["sep"] + "{0,3}"

        def loose(chars):
            return sep.join(re.escape(char) for char in chars)

        if kind == "phone":
            if value.startswith("+"):
                number = phonenumbers.parse(value)
                country = str(number.country_code)
                national = phonenumbers.national_significant_number(number)
                # +49 (0)30 123 45 67, 0049-30-1234567, 030 1234567, 4930123...
                prefix = rf"(?:(?:\+|00)?{sep}{loose(country)}{sep}(?:0{sep})?|0{sep})?"
                return prefix + loose(national)
            return loose(value)
        if kind in LOOSE_KINDS:
            return loose(value)
        return re.escape(value)

    @api.model
    def _pattern(self, identifiers, kinds=None, dialect="pg"):
        """Case-insensitive regular expression matching any identifier of `kinds` as a whole
        word."""
        alternatives = [
            self._alternative(kind, value, dialect)
            for kind, values in identifiers.items()
            if kinds is None or kind in kinds
            for value in values
        ]
        if not alternatives:
            return None
        alternatives.sort(key=len, reverse=True)
        word = _DIALECTS[dialect]["word"]
        return rf"(?<!{word})({'|'.join(alternatives)})(?!{word})"

    @api.model
    def _python_patterns(self, identifiers):
        """[(kind, compiled pattern)] in replacement order, for text outside the database
        columns (attachment files)."""
        result = []
        for kind in self._replacement_order():
            pattern = self._pattern(identifiers, kinds=(kind,), dialect="py")
            if pattern:
                result.append((kind, re.compile(pattern, re.IGNORECASE)))
        return result

    @api.model
    def _replacement_order(self):
        # emails first (they contain names), numbers before phones (they contain digit runs)
        return ("email", "iban", "vat", "phone", "street", "name", "surname")

    # ------------------------------------------------------------------
    # What is never rewritten
    # ------------------------------------------------------------------

    @api.model
    def _protected_rows(self):
        """{table: (columns, SQL condition of the rows where they are kept, reason)}: what is
        never rewritten (crm_gdpr_account: what the accounting integrity hash covers and what
        a legal hold keeps)."""
        return {}

    # ------------------------------------------------------------------
    # Scan and replace
    # ------------------------------------------------------------------

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
    def _open_column_sql(self, table, column, data_type, protected):
        """The column's text where it may be rewritten (NULL where it is kept), or None when it
        is kept on every row."""
        if table in PROTECTED_TABLES or (table, column) in PROTECTED_COLUMNS:
            return None
        value = self._column_sql(column, data_type)
        if table in protected and column in protected[table][0]:
            return SQL("CASE WHEN %s THEN NULL ELSE %s END", protected[table][1], value)
        return value

    @api.model
    def _row_condition(self, table, columns, identifiers, protected=None):
        """SQL condition true for rows of `table` holding one of the identifiers where they may
        be rewritten (every row holding one when `protected` is None)."""
        values = []
        for column, data_type in columns:
            if protected is None:
                values.append(self._column_sql(column, data_type))
            else:
                value = self._open_column_sql(table, column, data_type, protected)
                if value is not None:
                    values.append(value)
        if not values:
            return None
        concat = SQL("concat_ws(' ', %s)", SQL(", ").join(values))
        conditions = []
        strong = self._pattern(identifiers, kinds=[k for k in KINDS if k not in NAME_KINDS])
        if strong:
            conditions.append(SQL("%s ~* %s", concat, strong))
        names = self._pattern(identifiers, kinds=NAME_KINDS)
        if names:
            name_condition = SQL("%s ~* %s", concat, names)
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
    def _scope(self, table, rows):
        """SQL restricting `table` to the rows of `rows` ({table: ids}); None when no row is."""
        if rows is None:
            return SQL("TRUE")
        ids = rows.get(table)
        return SQL("id = ANY(%s)", list(ids)) if ids else None

    @api.model
    def _scan(self, identifiers, tables=None, rows=None, kept=None):
        """[(table, column, rows)] where an identifier is still found and could be rewritten.
        `identifiers` as returned by _identifier_set. Reads every text column of every table
        (or of `tables`, or the rows of `rows`: {table: ids}). Hits in places that are never
        rewritten (receipts, metadata, what the accounting hash covers or a hold keeps) are
        appended to `kept` as (table, column, rows, reason) when a list is given."""
        if not identifiers:
            return []
        self.env.flush_all()
        protected = self._protected_rows()
        candidates = []
        for table, columns in self._text_columns().items():
            if tables is not None and table not in tables:
                continue
            if kept is None and table in PROTECTED_TABLES:
                continue  # never rewritten: nothing there is a hit, only what was kept
            scope = self._scope(table, rows)
            if scope is None:
                continue
            condition = self._row_condition(table, columns, identifiers)
            candidates.append((table, columns, SQL("%s AND %s", scope, condition)))
        found = self._tables_with_rows(candidates)
        hits = []
        for table, columns, condition in candidates:
            if table not in found:
                continue
            table_hits, table_kept = self._hits_per_column(
                table, columns, identifiers, condition, protected
            )
            hits += table_hits
            if kept is not None:
                kept += table_kept
        return hits

    @api.model
    def _tables_with_rows(self, candidates):
        """The tables of `candidates` ([(table, columns, condition)]) having a row where the
        condition holds: a few queries for the whole database (one per batch of tables), each
        table's probe stopping at its first row."""
        found = set()
        for start in range(0, len(candidates), PROBE_BATCH):
            batch = candidates[start : start + PROBE_BATCH]
            self._execute(
                SQL(" UNION ALL ").join(
                    SQL(
                        "SELECT %s WHERE EXISTS (SELECT 1 FROM %s WHERE %s)",
                        table,
                        SQL.identifier(table),
                        condition,
                    )
                    for table, _columns, condition in batch
                )
            )
            found.update(row[0] for row in self.env.cr.fetchall())
        return found

    @api.model
    def _scan_rows(self, identifiers):
        """{model: ids} of the records whose text columns hold one of the identifiers (tables
        of Odoo's metadata and the consent proof excepted)."""
        if not identifiers:
            return {}
        self.env.flush_all()
        models_by_table = self._models_by_table()
        candidates = [
            (table, columns, self._row_condition(table, columns, identifiers))
            for table, columns in self._text_columns().items()
            if models_by_table.get(table) and table not in PROTECTED_TABLES
        ]
        tables = self._tables_with_rows(candidates)
        found = {}
        for table, _columns, condition in candidates:
            if table not in tables:
                continue
            self._execute(SQL("SELECT id FROM %s WHERE %s", SQL.identifier(table), condition))
            ids = [row[0] for row in self.env.cr.fetchall()]
            if ids:
                found[models_by_table[table][0]._name] = ids
        return found

    @api.model
    def _hits_per_column(self, table, columns, identifiers, condition, protected):
        pattern = self._pattern(identifiers)
        counts = []
        for column, data_type in columns:
            value = self._column_sql(column, data_type)
            open_value = self._open_column_sql(table, column, data_type, protected)
            counts.append(
                SQL("count(*) FILTER (WHERE %s ~* %s)", open_value, pattern)
                if open_value is not None
                else SQL("0")
            )
            counts.append(SQL("count(*) FILTER (WHERE %s ~* %s)", value, pattern))
        self._execute(
            SQL(
                "SELECT %s FROM %s WHERE %s",
                SQL(", ").join(counts),
                SQL.identifier(table),
                condition,
            )
        )
        row = self.env.cr.fetchone()
        hits, kept = [], []
        for index, (column, _type) in enumerate(columns):
            open_count, all_count = row[2 * index], row[2 * index + 1]
            if open_count:
                hits.append((table, column, open_count))
            if all_count > open_count:
                if table in PROTECTED_TABLES or (table, column) in PROTECTED_COLUMNS:
                    reason = "protected table or column"
                else:
                    reason = protected[table][2]
                kept.append((table, column, all_count - open_count, reason))
        return hits, kept

    @api.model
    def _replace(self, identifiers, replacements, tables=None, rows=None):
        """Replace the identifiers found in text columns by their pseudonyms, in every table but
        the protected ones, and never in what the accounting hash covers or a hold keeps.
        replacements: {kind: str} ('name' for names and surnames, 'email', 'phone', others
        default to '[erased]'). `rows` ({table: ids}) restricts the rows. Returns
        [(table, rows updated)]."""
        if not identifiers:
            return []
        self.env.flush_all()
        protected = self._protected_rows()
        updated = []
        rewritten = {}
        models_by_table = self._models_by_table()
        candidates = []
        for table, columns in self._text_columns().items():
            if table in PROTECTED_TABLES or (tables is not None and table not in tables):
                continue
            scope = self._scope(table, rows)
            condition = self._row_condition(table, columns, identifiers, protected)
            if scope is None or condition is None:
                continue
            candidates.append((table, columns, SQL("%s AND %s", scope, condition)))
        # Only the tables holding the person are rewritten: one probe for the whole database.
        found = self._tables_with_rows(candidates)
        for table, columns, where in candidates:
            if table not in found:
                continue
            assignments = self._assignments(table, columns, identifiers, replacements, protected)
            if not assignments:
                continue
            models_ = models_by_table.get(table)
            self._execute(
                SQL(
                    "UPDATE %s SET %s WHERE %s %s",
                    SQL.identifier(table),
                    SQL(", ").join(assignments),
                    where,
                    SQL("RETURNING id") if models_ else SQL(),
                )
            )
            if self.env.cr.rowcount:
                updated.append((table, self.env.cr.rowcount))
                if models_:
                    ids = [row[0] for row in self.env.cr.fetchall()]
                    rewritten[table] = (models_, ids, {column for column, _type in columns})
        if updated:
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            self._recompute_derived(rewritten)
        return updated

    @api.model
    def _assignments(self, table, columns, identifiers, replacements, protected):
        """SET clauses rewriting the identifiers in the open columns of `table`."""
        assignments = []
        for column, data_type in columns:
            if self._open_column_sql(table, column, data_type, protected) is None:
                continue
            value = self._column_sql(column, data_type)
            for kind in self._replacement_order():
                pattern = self._pattern(identifiers, kinds=(kind,))
                if pattern:
                    value = SQL(
                        "regexp_replace(%s, %s, %s, 'gi')",
                        value,
                        pattern,
                        self._replacement(replacements, kind),
                    )
            if data_type == "jsonb":
                value = SQL("%s::jsonb", value)
            if table in protected and column in protected[table][0]:
                value = SQL(
                    "CASE WHEN %s THEN %s ELSE %s END",
                    protected[table][1],
                    SQL.identifier(column),
                    value,
                )
            assignments.append(SQL("%s = %s", SQL.identifier(column), value))
        return assignments

    @api.model
    def _replacement(self, replacements, kind):
        if kind == "surname":
            kind = "name"
        return replacements.get(kind) or replacements.get("other") or "[erased]"

    @api.model
    def _replace_in_text(self, text, patterns, replacements):
        """`text` with the identifiers replaced (patterns from _python_patterns)."""
        for kind, pattern in patterns:
            text = pattern.sub(self._replacement(replacements, kind).replace("\\", r"\\"), text)
        return text

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
