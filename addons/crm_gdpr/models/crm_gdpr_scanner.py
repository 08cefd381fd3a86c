import hashlib
import re

import phonenumbers

from odoo import api, models
from odoo.tools import html2plaintext

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
# Where a protected table's rows are module data only, its scan for the evidence skips them
# (`_module_data_condition`): a row of Odoo's metadata (a view, a field, a menu...) carrying an
# xmlid of a module, not noupdate, and not written since that module last loaded it (its
# write_date not after the xmlid's nor the module's: an update of the module rewrites its rows
# and marks the module installed after, leaving the xmlids' dates alone), holds what the
# module's code or data file wrote: never a person's data, whatever it coincides with. A row a
# user created or edited (a view edited in the website builder or in debug mode, a manual
# field, a noupdate record such as a parameter) is scanned. ir_model_data itself: its rows of a
# module hold the module's xmlids. The receipts have no xmlid, so are always scanned.
MODULE_DATA_EXTRA = {
    # an architecture edited by a user is flagged, whatever the dates say
    "ir_ui_view": "arch_updated",
}
# Where reading the texts costs more than listing the rows' xmlids (views: architectures of
# kilobytes), the module's rows are listed once and left out first; elsewhere their xmlids are
# looked up after the LIKE prefilter, for the rows it lets through.
MODULE_DATA_FIRST = {"ir_ui_view", "ir_model_data"}
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
# Probes of this many tables or more skip the empty ones first (one query reading their sizes).
EMPTY_CHECK_MIN = 10

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
    reason, never as residual.

    By concern: the identifiers here; their regular expressions and the cheap LIKE prefilter in
    crm_gdpr_scanner_pattern; the scan in crm_gdpr_scanner_scan; the rewrite in
    crm_gdpr_scanner_replace."""

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
    # Helpers of every pass
    # ------------------------------------------------------------------

    @api.model
    def _models_by_table(self):
        """{table: [models stored in it]} (several when one inherits another's table)."""
        result = {}
        for model in self.env.registry.values():
            if model._auto and not model._abstract:
                result.setdefault(model._table, []).append(model)
        return result

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
