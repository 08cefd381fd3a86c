from odoo import api, models
from odoo.tools import SQL

# Attachments whose file is text, read and rewritten by erasure (larger ones are reported).
TEXT_MIMETYPES = ("text/", "application/json", "application/xml", "application/csv")
MAX_TEXT_FILE = 10 * 1024 * 1024


class CrmGdprEraserFiles(models.AbstractModel):
    """Erasure: the contents of files. Text files naming the person are rewritten with the
    pseudonyms, other files whose extracted text names them are deleted."""

    _inherit = "crm.gdpr.eraser"

    @api.model
    def _text_attachments(self, excluded):
        """Attachments whose file is text (read and rewritten by the erasure)."""
        domain = [
            "|",
            ("res_field", "=", False),
            ("res_field", "!=", False),
            ("type", "=", "binary"),
            ("url", "=", False),  # web assets and other served files are not people's data
            ("id", "not in", excluded.ids),
            ("file_size", "<=", MAX_TEXT_FILE),
            *(["|"] * (len(TEXT_MIMETYPES) - 1)),
            *[("mimetype", "=like", f"{mimetype}%") for mimetype in TEXT_MIMETYPES],
        ]
        return self.env["ir.attachment"].sudo().search(domain)

    @api.model
    def _indexed_attachments(self, identifiers, excluded):
        """Other attachments whose extracted text (index_content) names the person."""
        scanner = self.env["crm.gdpr.scanner"]
        pattern = scanner._pattern(identifiers)
        if not pattern:
            return self.env["ir.attachment"]
        self.env.flush_all()
        # the regular expression only on the texts the scanner's LIKE prefilter lets through
        text = SQL.identifier("index_content")
        scanner._execute(
            SQL(
                "SELECT id FROM ir_attachment WHERE NOT id = ANY(%s)"
                " AND (CASE WHEN %s THEN %s ~* %s ELSE FALSE END)",
                excluded.ids,
                scanner._prefilter(text, scanner._like_patterns(identifiers)),
                text,
                pattern,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.env["ir.attachment"].sudo().browse(ids)

    @api.model
    def _file_texts(self, attachments, identifiers):
        """[(attachment, text)] of the files of `attachments` that may name the person: their
        text (UTF-8; other files are not read as text) passed through the scanner's prefilter.
        The regular expressions, costly on every character they read, then run on these only:
        whatever they match, the prefilter lets through."""
        may_match = self.env["crm.gdpr.scanner"]._text_prefilter(identifiers)
        texts = []
        for attachment in attachments:
            try:
                text = (attachment.raw or b"").decode()
            except UnicodeDecodeError:
                continue
            if may_match(text):
                texts.append((attachment, text))
        return texts

    @api.model
    def _file_matches(self, text, patterns):
        return any(pattern.search(text) for _kind, pattern in patterns)

    @api.model
    def _erase_attachment_contents(self, identifiers, pseudonyms, held):
        """The contents of files: text files naming the person are rewritten with the
        pseudonyms; other files whose extracted text names them are deleted. What a legal hold
        keeps is left alone."""
        scanner = self.env["crm.gdpr.scanner"]
        patterns = scanner._python_patterns(identifiers)
        text_files = self._text_attachments(held)
        rewritten = text_files.browse()
        if patterns:
            for attachment, text in self._file_texts(text_files, identifiers):
                if self._file_matches(text, patterns):
                    attachment.raw = scanner._replace_in_text(text, patterns, pseudonyms).encode()
                    rewritten |= attachment
        others = self._indexed_attachments(identifiers, held) - text_files
        others.unlink()
        counts = {"files rewritten": len(rewritten), "files deleted": len(others)}
        return counts, rewritten

    @api.model
    def _attachment_hits(self, identifiers, held, rewritten=None):
        """How many files still name the person (0 after a complete erasure). `rewritten`:
        the text files the erasure rewrote, the only ones read again (it has just read the
        others and found nothing; nothing rewrites a file in between). Files whose extracted
        text names the person are looked for again in every case."""
        patterns = self.env["crm.gdpr.scanner"]._python_patterns(identifiers)
        if not patterns:
            return 0
        text_files = self._text_attachments(held)
        to_read = text_files if rewritten is None else text_files & rewritten
        hits = sum(
            1
            for _attachment, text in self._file_texts(to_read, identifiers)
            if self._file_matches(text, patterns)
        )
        return hits + len(self._indexed_attachments(identifiers, held) - text_files)
