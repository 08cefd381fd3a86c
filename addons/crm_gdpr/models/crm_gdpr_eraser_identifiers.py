import re

from stdnum import iban as stdnum_iban

from odoo import api, models
from odoo.tools import html2plaintext

# Something that may be an IBAN in free text (checked with stdnum before use).
IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Digits of the shortest valid phone number of any country (Austria, Germany, Niue...: 4).
MIN_PHONE_TEXT_DIGITS = 4


class CrmGdprEraserIdentifiers(models.AbstractModel):
    """Erasure: who the person is. The identifiers (emails, names, phones, IBANs, tax ids,
    streets) and surnames the erasure removes, and the rows that are the person's."""

    _inherit = "crm.gdpr.eraser"

    @api.model
    def _region(self, subject, footprint):
        """Country code used to read phone numbers written without their country code."""
        country = footprint["partners"].country_id[:1] or self.env.company.country_id
        return country.code or None

    @api.model
    def _pseudonym_values(self, subject, footprint):
        """Pseudonyms of earlier erasures of the person: never identifiers themselves."""
        values = set()
        for request in footprint["requests"]:
            values.update(self._pseudonyms(subject, request).values())
        return values

    @api.model
    def _own_texts(self, footprint):
        """Free text the person's own records hold (where they wrote their numbers)."""
        partners, leads = footprint["partners"], footprint["leads"]
        texts = [*partners.mapped("comment"), *leads.mapped("description")]
        texts += (
            footprint["messages"]
            .filtered(lambda m: m.author_id in partners or m.model in ("crm.lead", "res.partner"))
            .mapped("body")
        )
        return [str(text) for text in texts if text]

    @api.model
    def _identifiers(self, subject, footprint):
        partners, leads = footprint["partners"], footprint["leads"]
        skip = self._pseudonym_values(subject, footprint)
        emails = set(subject._gdpr_emails())
        emails |= {email for email in leads.mapped("email_normalized") if email}
        other_emails, other_names = self._other_identities(footprint)
        emails |= {email for email in other_emails if email}
        emails |= {email for email in footprint["requests"].mapped("requester_email") if email}
        names = {
            subject.name,
            *partners.mapped("name"),
            *leads.mapped("contact_name"),
            *footprint["requests"].mapped("requester_name"),
            *other_names,
        }
        region = self._region(subject, footprint)
        scanner = self.env["crm.gdpr.scanner"]
        texts = self._own_texts(footprint)
        plain_texts = [html2plaintext(text) for text in texts]
        # A text with fewer digits than the shortest phone number holds none: the phone
        # number matcher, the costly part, reads only the others.
        phone_texts = [
            text
            for text, plain in zip(texts, plain_texts, strict=True)
            if sum(char.isdigit() for char in plain) >= MIN_PHONE_TEXT_DIGITS
        ]
        phones = {
            *partners.mapped("phone"),
            *partners.mapped("mobile"),
            *leads.mapped("phone"),
            *leads.mapped("mobile"),
            *scanner._phones_in_text(phone_texts, region),
        }
        banks = (
            self.env["res.partner.bank"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids)])
        )
        ibans = {*banks.mapped("acc_number"), *self._ibans_in_text(plain_texts)}
        vats = set(partners.mapped("vat"))
        streets = {
            *partners.mapped("street"),
            *partners.mapped("street2"),
            *leads.mapped("street"),
            *leads.mapped("street2"),
        }
        identifiers = scanner._identifier_set(
            emails=[e for e in emails if e not in skip],
            names=[n for n in names if n and n not in skip],
            phones=[p for p in phones if p],
            ibans=[i for i in ibans if i],
            vats=[v for v in vats if v],
            streets=[s for s in streets if s],
            region=region,
        )
        return identifiers

    @api.model
    def _other_identities(self, footprint):
        """(emails, names) of other records that are the person (a bridge adds mailing
        contacts)."""
        return set(), set()

    @api.model
    def _ibans_in_text(self, texts):
        """IBANs written in free text (`texts`: plain text), checked with their check digits."""
        found = set()
        for text in texts:
            for candidate in IBAN_CANDIDATE.findall(text):
                compact = re.sub(r"[^0-9A-Za-z]", "", candidate).upper()
                # a candidate may run into the next word: try the longest valid prefix
                for end in range(len(compact), 14, -1):
                    if stdnum_iban.is_valid(compact[:end]):
                        found.add(compact[:end])
                        break
        return found

    @api.model
    def _surnames(self, subject, footprint):
        """The person's surname(s) alone: the last word of each of their full names, matched on
        their own rows only (elsewhere a surname is everybody's). A surname that is a word of
        the pseudonyms ("Person" in "Erased person ...") is left: it would match the pseudonym
        that replaced the name."""
        skip = self._pseudonym_values(subject, footprint)
        skip_words = {word.lower() for value in skip for word in re.findall(r"\w+", value)}
        names = {
            subject.name,
            *footprint["partners"].mapped("name"),
            *footprint["leads"].mapped("contact_name"),
            *footprint["requests"].mapped("requester_name"),
        }
        surnames = {
            name.split()[-1]
            for name in names
            if name
            and name not in skip
            and len(name.split()) >= 2
            and name.split()[-1].lower() not in skip_words
        }
        return self.env["crm.gdpr.scanner"]._identifier_set(surnames=surnames)

    @api.model
    def _surname_scope(self, footprint):
        """{table: ids}: the rows that are about the person (their records, the messages,
        tracking values and activities of those, their meetings, mails, requests, invoices and
        orders with their lines)."""
        env = footprint["subject"].env
        subject = footprint["subject"]
        refs = dict(subject._gdpr_record_refs(footprint), **subject._gdpr_business_refs(footprint))
        orders = footprint["orders"]
        activity_domain = [("id", "=", 0)]
        message_domain = [("id", "in", footprint["messages"].ids)]
        for model, ids in refs.items():
            activity_domain = [
                "|",
                "&",
                ("res_model", "=", model),
                ("res_id", "in", ids),
                *activity_domain,
            ]
            message_domain = [
                "|",
                "&",
                ("model", "=", model),
                ("res_id", "in", ids),
                *message_domain,
            ]
        messages = env["mail.message"].search(message_domain)
        scope = {
            "res_partner": footprint["partners"].ids,
            "crm_lead": footprint["leads"].ids,
            "crm_gdpr_request": footprint["requests"].ids,
            "mail_message": messages.ids,
            "mail_tracking_value": env["mail.tracking.value"]
            .search([("mail_message_id", "in", messages.ids)])
            .ids,
            "mail_activity": env["mail.activity"].search(activity_domain).ids,
            "calendar_event": footprint["events"].ids,
            "mail_mail": footprint["mails"].ids,
        }
        scope.update(self._surname_scope_more(footprint))
        if orders is not None:
            scope["sale_order"] = orders.ids
            scope["sale_order_line"] = orders.order_line.ids
        return {table: ids for table, ids in scope.items() if ids}

    @api.model
    def _surname_scope_more(self, footprint):
        """{table: ids} of other rows about the person (bridges add mailing contacts and
        traces, invoices and their lines)."""
        return {}
