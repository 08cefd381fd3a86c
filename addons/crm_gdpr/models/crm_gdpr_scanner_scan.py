from odoo import api, models
from odoo.tools import SQL

from .crm_gdpr_scanner import (
    EMPTY_CHECK_MIN,
    IDENTITY_COLUMNS,
    KINDS,
    MODULE_DATA_EXTRA,
    MODULE_DATA_FIRST,
    NAME_KINDS,
    PROBE_BATCH,
    PROTECTED_COLUMNS,
    PROTECTED_TABLES,
)


class CrmGdprScanner(models.AbstractModel):
    """The scan: which rows and columns of the database's text columns still hold one of the
    identifiers, and what is kept there."""

    _inherit = "crm.gdpr.scanner"

    @api.model
    def _protected_rows(self):
        """{table: (columns, SQL condition of the rows where they are kept, reason)}: what is
        never rewritten (crm_gdpr_account: what the accounting integrity hash covers and what
        a legal hold keeps)."""
        return {}

    @api.model
    def _text_columns(self):
        """{table: [(column, data type)]} for every text-like column of every table. An
        erasure reads them once (`crm_gdpr_text_columns` in the context, from
        _frozen_text_columns): nothing it does changes the database's schema."""
        frozen = self.env.context.get("crm_gdpr_text_columns")
        if frozen is not None:
            return {table: list(columns) for table, columns in frozen}
        # Read from the catalog: information_schema's views cost more than the scan of a small
        # database. Ordinary and partitioned tables of the current schema, as
        # information_schema.tables lists them as BASE TABLE.
        self.env.cr.execute(
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, NULL)
              FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = current_schema()::regnamespace
               AND c.relkind IN ('r', 'p')
               AND a.attnum > 0
               AND NOT a.attisdropped
               AND a.atttypid IN ('text'::regtype, 'character varying'::regtype, 'jsonb'::regtype)
             ORDER BY c.relname, a.attnum
            """
        )
        columns = {}
        for table, column, data_type in self.env.cr.fetchall():
            columns.setdefault(table, []).append((column, data_type))
        return columns

    @api.model
    def _frozen_text_columns(self):
        """_text_columns() as a context value (hashable)."""
        return tuple((table, tuple(columns)) for table, columns in self._text_columns().items())

    @api.model
    def _module_data_condition(self, table, models_by_table):
        """SQL condition true for the rows of the protected `table` that are module data only
        (see MODULE_DATA_EXTRA's comment): the scan for the evidence skips them. None when no
        row of the table may be skipped."""
        if table not in PROTECTED_TABLES:
            return None
        modules = SQL("(SELECT name FROM ir_module_module)")
        if table == "ir_model_data":
            return SQL("%s IN %s", SQL.identifier(table, "module"), modules)
        models_ = models_by_table.get(table) or []
        if not models_ or not all(model._log_access for model in models_):
            return None
        if table in MODULE_DATA_FIRST:
            # Read for every row: the module's rows listed once (a hashed subplan) rather than
            # their xmlid looked up row by row.
            return SQL(
                """%s IN (SELECT r.id FROM %s AS r
                            JOIN ir_model_data d ON d.res_id = r.id
                            JOIN ir_module_module m ON m.name = d.module
                           WHERE d.model = ANY(%s) AND NOT d.noupdate
                             AND coalesce(r.write_date, '-infinity')
                                 <= greatest(d.write_date, m.write_date)%s)""",
                SQL.identifier(table, "id"),
                SQL.identifier(table),
                [model._name for model in models_],
                SQL(" AND r.%s IS NOT TRUE", SQL.identifier(MODULE_DATA_EXTRA[table]))
                if table in MODULE_DATA_EXTRA
                else SQL(),
            )
        condition = SQL(
            """EXISTS (SELECT 1 FROM ir_model_data d
                          JOIN ir_module_module m ON m.name = d.module
                        WHERE d.model = ANY(%s) AND d.res_id = %s AND NOT d.noupdate
                          AND coalesce(%s, '-infinity') <= greatest(d.write_date, m.write_date))""",
            [model._name for model in models_],
            SQL.identifier(table, "id"),
            SQL.identifier(table, "write_date"),
        )
        if table in MODULE_DATA_EXTRA:
            condition = SQL(
                "%s AND %s IS NOT TRUE",
                condition,
                SQL.identifier(table, MODULE_DATA_EXTRA[table]),
            )
        return condition

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
    def _expressions(self, identifiers):
        """What _row_condition matches, built once per pass rather than once per table:
        {'strong': pattern of every kind but names, 'names': pattern of names, 'like': LIKE
        patterns of the prefilter}."""
        return {
            "strong": self._pattern(identifiers, kinds=[k for k in KINDS if k not in NAME_KINDS]),
            "names": self._pattern(identifiers, kinds=NAME_KINDS),
            "like": self._like_patterns(identifiers),
            "all": self._pattern(identifiers),
        }

    @api.model
    def _row_condition(self, table, columns, identifiers, protected=None, expressions=None):
        """SQL condition true for rows of `table` holding one of the identifiers where they may
        be rewritten (every row holding one when `protected` is None). `expressions`: from
        _expressions(identifiers), built here when not given."""
        expressions = expressions or self._expressions(identifiers)
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
        strong = expressions["strong"]
        if strong:
            conditions.append(SQL("%s ~* %s", concat, strong))
        names = expressions["names"]
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
        # The regular expressions run only on the rows the prefilter lets through (CASE: in this
        # order, whatever the planner's estimate of each side's cost).
        return SQL(
            "(CASE WHEN %s THEN %s ELSE FALSE END)",
            self._prefilter(concat, expressions["like"]),
            SQL(" OR ").join(conditions),
        )

    @api.model
    def _prefilter(self, text, like_patterns):
        """SQL condition true on every `text` where an identifier's pattern may match
        (`like_patterns` from _like_patterns), and cheap: one pass of lower() for ASCII letters
        and of LIKE. Most rows fail it; the regular expressions (lookarounds, separators between
        the characters of numbers) are costly on every row they read."""
        return SQL('lower(%s COLLATE "C") LIKE ANY(%s)', text, like_patterns)

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
        expressions = self._expressions(identifiers)
        models_by_table = self._models_by_table()
        candidates = []
        selected = {
            table: columns
            for table, columns in self._text_columns().items()
            if (tables is None or table in tables)
            # never rewritten: nothing there is a hit, only what was kept
            and not (kept is None and table in PROTECTED_TABLES)
            and (rows is None or rows.get(table))
        }
        for table, columns in self._with_rows(selected).items():
            scope = self._scope(table, rows)
            if scope is None:
                continue
            condition = self._row_condition(table, columns, identifiers, expressions=expressions)
            module_data = self._module_data_condition(table, models_by_table)
            if module_data is not None and table in MODULE_DATA_FIRST:
                # CASE: the module's rows are left out before their texts are read
                condition = SQL("(CASE WHEN %s THEN FALSE ELSE %s END)", module_data, condition)
            elif module_data is not None:
                # the texts are short: the prefilter first, the xmlid only of the rows it keeps
                condition = SQL("(%s AND NOT coalesce(%s, FALSE))", condition, module_data)
            candidates.append((table, columns, SQL("%s AND %s", scope, condition)))
        found = self._tables_with_rows(candidates)
        hits = []
        for table, columns, condition in candidates:
            if table not in found:
                continue
            table_hits, table_kept = self._hits_per_column(
                table, columns, identifiers, condition, protected, expressions["all"]
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
    def _with_rows(self, columns):
        """`columns` ({table: columns}) without the empty tables, left out before their probes
        are written (_empty_tables: one query, when they are many)."""
        if len(columns) < EMPTY_CHECK_MIN:
            return columns
        empty = self._empty_tables(list(columns))
        return {table: cols for table, cols in columns.items() if table not in empty}

    @api.model
    def _empty_tables(self, tables):
        """The tables of `tables` that hold no row at all, committed or not: their file is
        empty. PostgreSQL grows a table's file when it adds its first page, before the row
        written there is committed, and shrinks it only when VACUUM truncates pages left empty:
        an empty file is a table without any row. Reading the file's size costs a system call;
        planning a probe of the table costs more than the probe itself (a few hundred tables of
        a database are empty: modules installed and not used)."""
        self._execute(
            SQL(
                "SELECT t FROM unnest(%s::text[]) AS t"
                " WHERE pg_relation_size(quote_ident(t)::regclass) = 0",
                list(tables),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _scan_rows(self, identifiers):
        """{model: ids} of the records whose text columns hold one of the identifiers (tables
        of Odoo's metadata and the consent proof excepted)."""
        if not identifiers:
            return {}
        self.env.flush_all()
        models_by_table = self._models_by_table()
        expressions = self._expressions(identifiers)
        selected = {
            table: columns
            for table, columns in self._text_columns().items()
            if models_by_table.get(table) and table not in PROTECTED_TABLES
        }
        candidates = [
            (table, columns, self._row_condition(table, columns, identifiers, None, expressions))
            for table, columns in self._with_rows(selected).items()
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
    def _hits_per_column(self, table, columns, identifiers, condition, protected, pattern=None):
        pattern = pattern or self._pattern(identifiers)
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
