from odoo import api, models
from odoo.tools import SQL

from .crm_gdpr_scanner import PROTECTED_TABLES


class CrmGdprScanner(models.AbstractModel):
    """The rewrite: identifiers replaced by their pseudonyms where they may be rewritten."""

    _inherit = "crm.gdpr.scanner"

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
        expressions = self._expressions(identifiers)
        candidates = []
        selected = {
            table: columns
            for table, columns in self._text_columns().items()
            if table not in PROTECTED_TABLES and (tables is None or table in tables)
        }
        for table, columns in self._with_rows(selected).items():
            scope = self._scope(table, rows)
            condition = self._row_condition(
                table, columns, identifiers, protected, expressions=expressions
            )
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
