import re

import phonenumbers

from odoo import api, models

from .crm_gdpr_scanner import _DIALECTS, LOOSE_KINDS

# Text as the LIKE prefilter reads it, in Python: ASCII letters lowered, and the two characters
# Python's case-insensitive expressions pair with an ASCII letter other than i (a wildcard of
# the prefilter) that lowering leaves alone: the Kelvin sign (k) and the long s (s).
PREFILTER_FOLD = {
    **{code: code + 32 for code in range(ord("A"), ord("Z") + 1)},
    0x212A: "k",
    0x017F: "s",
}

# The separators the loose kinds' Python expressions allow between their characters
# ([-\s./()], \s: the characters of str.isspace()), deleted.
PREFILTER_SEPARATORS = dict.fromkeys(
    map(
        ord,
        "-./()"
        + "".join(
            map(
                chr,
                [
                    *range(0x09, 0x0E),
                    *range(0x1C, 0x21),
                    0x85,
                    0xA0,
                    0x1680,
                    *range(0x2000, 0x200B),
                    0x2028,
                    0x2029,
                    0x202F,
                    0x205F,
                    0x3000,
                ],
            )
        ),
    )
)


class CrmGdprScanner(models.AbstractModel):
    """The scanner's regular expressions (PostgreSQL and Python dialects) for the identifiers."""

    _inherit = "crm.gdpr.scanner"

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
    # Prefilter: LIKE patterns every match of the regular expressions satisfies
    # ------------------------------------------------------------------

    @api.model
    def _like_patterns(self, identifiers, kinds=None):
        """LIKE patterns, one per identifier of `kinds`, to compare with the text lowered by
        lower(text COLLATE "C") (ASCII letters only): whatever `_pattern` matches in a text, one
        of them matches too. Loose kinds (phone, IBAN, VAT) allow anything between their
        characters, as the expression allows separators; a phone keeps its national number
        only, as the expression's country code and trunk 0 are optional."""
        patterns = []
        for kind, values in identifiers.items():
            if kinds is not None and kind not in kinds:
                continue
            for value in values:
                if kind in LOOSE_KINDS:
                    chars = value
                    if kind == "phone" and value.startswith("+"):
                        chars = phonenumbers.national_significant_number(phonenumbers.parse(value))
                    pattern = "%".join(self._like_char(char) for char in chars)
                else:
                    pattern = "".join(self._like_char(char) for char in value)
                patterns.append(f"%{pattern}%")
        return sorted(set(patterns))

    @api.model
    def _text_prefilter(self, identifiers):
        """A function telling whether a text (outside the database: a file) may hold one of the
        identifiers: true wherever the expressions of _python_patterns match, and cheap (a few
        passes of C code over the text). The prefilter of the LIKE patterns, written for Python:
        on the text lowered for ASCII letters only, an exact kind's characters follow each other
        (any one character where _like_char says so); a loose kind's too, on the text without
        the separators its expression allows between them."""
        exact, loose = [], []
        for kind, values in identifiers.items():
            for value in values:
                chars = value
                if kind == "phone" and value.startswith("+"):
                    chars = phonenumbers.national_significant_number(phonenumbers.parse(value))
                piece = "".join(
                    "." if self._like_char(char) == "_" else re.escape(char.lower())
                    for char in chars
                )
                (loose if kind in LOOSE_KINDS else exact).append(re.compile(piece, re.DOTALL))

        def may_match(text):
            text = text.translate(PREFILTER_FOLD)
            if any(pattern.search(text) for pattern in exact):
                return True
            if loose:
                text = text.translate(PREFILTER_SEPARATORS)
                return any(pattern.search(text) for pattern in loose)
            return False

        return may_match

    @api.model
    def _like_char(self, char):
        """One character of a LIKE pattern matching what PostgreSQL's case-insensitive regular
        expressions match for it, in text lowered for ASCII letters only: any one character
        (_) for those whose case partner may be another letter than their ASCII one (non-ASCII
        letters; i and I, paired with dotted and dotless i in Turkish locales)."""
        if not char.isascii() or char in "iI":
            return "_"
        if char in "\\%_":
            return "\\" + char
        return char.lower()
