import base64
import json
import logging
import re

from markupsafe import Markup
from stdnum import iban as stdnum_iban

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext

_logger = logging.getLogger(__name__)

# Personal fields cleared on the person's contacts and leads (erasure and retention).
PARTNER_FIELDS = (
    "email",
    "phone",
    "mobile",
    "street",
    "street2",
    "zip",
    "city",
    "website",
    "function",
    "comment",
    "ref",
    "vat",
    "image_1920",
)
LEAD_FIELDS = (
    "contact_name",
    "email_from",
    "email_cc",
    "phone",
    "mobile",
    "street",
    "street2",
    "zip",
    "city",
    "website",
    "function",
    "description",
    "partner_name",
)
# Something that may be an IBAN in free text (checked with stdnum before use).
IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Attachments whose file is text, read and rewritten by erasure (larger ones are reported).
TEXT_MIMETYPES = ("text/", "application/json", "application/xml", "application/csv")
MAX_TEXT_FILE = 10 * 1024 * 1024
QUIET = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
}


class CrmGdprEraser(models.AbstractModel):
    """Erasure (Art. 17): the person's data is anonymised in place in every model that holds
    it, message bodies, tracking values, outgoing mail and attachments included. Posted
    invoices keep their totals, partner link and hashes; a legal hold keeps what tax law needs.
    A scan of every text column then proves nothing is left; its result is the evidence."""

    _name = "crm.gdpr.eraser"
    _description = "Personal Data Eraser"

    # ------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------

    @api.model
    def _erase_for_request(self, request):
        request.ensure_one()
        request._check_dpo()
        subject = request.subject_id.sudo()
        if not subject:
            raise UserError(self.env._("Link the request to a contact or an email address first."))
        env = self.env(su=True, context=dict(self.env.context, **QUIET))
        subject = subject.with_env(env)
        request = request.with_env(env)
        footprint = subject._gdpr_footprint()
        self._check_erasable(footprint)
        pseudonyms = self._pseudonyms(subject, request)
        identifiers = self._identifiers(subject, footprint)
        surnames = self._surnames(subject, footprint)
        scope = self._surname_scope(footprint)
        counts = {}

        hold = env["crm.gdpr.legal.hold"]._hold_for(request, footprint["partners"])
        held_documents = hold._kept_documents()
        held_attachments = (
            env["crm.gdpr.legal.hold"].search([("state", "=", "active")]).attachment_ids
        )

        attachments = self._attachments(footprint) - held_attachments
        counts.update(self._erase_chatter(footprint, held_documents, pseudonyms))
        counts["attachments deleted"] = len(attachments)
        attachments.unlink()
        counts.update(self._erase_records(footprint, pseudonyms))
        counts["consents withdrawn"] = len(
            footprint["consents"]._change_state(
                "withdrawn", source="request", origin=f"crm.gdpr.request,{request.id}"
            )
        )
        self._erase_subject(subject, request, pseudonyms)
        counts.update(
            self._erase_attachment_contents(identifiers | surnames, pseudonyms, held_attachments)
        )
        env["privacy.log"].create(
            {
                "anonymized_name": pseudonyms["name"],
                "anonymized_email": pseudonyms["email"],
                "execution_details": self.env._("Erased under %s", request.name),
                "records_description": "\n".join(f"{key}: {n}" for key, n in counts.items()),
            }
        )
        # What the structured pass could not reach: free text anywhere in the database, and
        # the surname alone on the rows that are the person's.
        scanner = env["crm.gdpr.scanner"]
        replaced = scanner._replace(identifiers, pseudonyms)
        if surnames:
            replaced += scanner._replace(surnames, pseudonyms, rows=scope)
        kept = []
        residual = scanner._scan(identifiers, kept=kept)
        if surnames:
            residual += scanner._scan(surnames, rows=scope, kept=kept)
        files = self._attachment_hits(identifiers | surnames, held_attachments)
        if files:
            residual.append(("ir_attachment", "file contents", files))
        evidence = self._evidence(request, identifiers, counts, replaced, residual, hold, kept)
        request.evidence_attachment_id = evidence
        if residual:
            request.message_post(
                body=self.env._(
                    "Erasure ran, but personal data is still found in %s column(s) that are "
                    "not rewritten automatically: see the evidence and clean them by hand, "
                    "then run the erasure check again.",
                    len(residual),
                )
            )
        else:
            request._mark_done(
                self.env._("The person's data is erased; the scan of the database is empty.")
            )
        _logger.info(
            "Erasure %s done: %s record groups processed, %s residual columns, hold %s",
            request.id,
            len(counts),
            len(residual),
            hold.id or None,
        )
        return residual

    @api.model
    def _check_erasable(self, footprint):
        internal = footprint["users"].filtered(lambda user: not user.share)
        if internal:
            raise UserError(
                self.env._(
                    "This person is a user of the database. Archive their user and handle "
                    "employee data apart before erasing them as a customer."
                )
            )
        companies = self.env["res.company"].sudo().search([]).partner_id
        if footprint["partners"] & companies:
            raise UserError(self.env._("A company of this database cannot be erased."))

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
        phones = {
            *partners.mapped("phone"),
            *partners.mapped("mobile"),
            *leads.mapped("phone"),
            *leads.mapped("mobile"),
            *scanner._phones_in_text(texts, region),
        }
        banks = (
            self.env["res.partner.bank"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids)])
        )
        ibans = {*banks.mapped("acc_number"), *self._ibans_in_text(texts)}
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
        """IBANs written in free text, checked with their check digits."""
        found = set()
        for text in texts:
            for candidate in IBAN_CANDIDATE.findall(html2plaintext(text)):
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

    @api.model
    def _pseudonyms(self, subject, request):
        return {
            "name": self.env._("Erased person %s", request.name),
            "email": f"erased-{subject.id}@erased.invalid",
            "phone": "[erased]",
        }

    @api.model
    def _erase_chatter(self, footprint, held_documents, pseudonyms):
        """Message bodies, tracking values, activities and outgoing mail of the person. Messages
        of the documents a legal hold keeps (`held_documents`: {(model, id)}, held invoices)
        keep their body (audit trail): only identifiers are replaced there, by the residual
        pass."""
        env = footprint["subject"].env
        messages = footprint["messages"].filtered(
            lambda m: (m.model, m.res_id) not in held_documents
        )
        body = Markup("<p>%s</p>") % self.env._("Content erased (data-subject request).")
        if messages:
            env.flush_all()
            # One statement: the ORM's write of mail.message is guarded by the accounting audit
            # trail, which protects accounting documents; these are the person's messages.
            env.cr.execute(
                """
                UPDATE mail_message
                   SET body = %s, subject = NULL, email_from = NULL, reply_to = NULL,
                       record_name = NULL
                 WHERE id = ANY(%s)
                """,
                (str(body), messages.ids),
            )
            env["mail.tracking.value"].search([("mail_message_id", "in", messages.ids)]).unlink()
            messages.invalidate_recordset()
        mails = footprint["mails"]
        mail_count = len(mails)
        mails.unlink()
        activities = footprint["activities"]
        activity_count = len(activities)
        activities.unlink()
        return {
            "messages erased": len(messages),
            "mails deleted": mail_count,
            "activities deleted": activity_count,
        }

    @api.model
    def _erase_threads(self, records):
        """Chatter of `records` (retention): message bodies, tracking values, activities and
        attachments. Records of other models than the person's are never passed here."""
        env = records.env
        messages = (
            env["mail.message"]
            .sudo()
            .search([("model", "=", records._name), ("res_id", "in", records.ids)])
        )
        attachments = (
            env["ir.attachment"]
            .sudo()
            .search(
                [
                    "|",
                    ("res_field", "=", False),
                    ("res_field", "!=", False),
                    "|",
                    ("id", "in", messages.attachment_ids.ids),
                    "&",
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                ]
            )
        )
        if messages:
            env.flush_all()
            body = Markup("<p>%s</p>") % self.env._("Content erased (retention rule).")
            env.cr.execute(
                """
                UPDATE mail_message
                   SET body = %s, subject = NULL, email_from = NULL, reply_to = NULL,
                       record_name = NULL
                 WHERE id = ANY(%s)
                """,
                (str(body), messages.ids),
            )
            env["mail.tracking.value"].sudo().search(
                [("mail_message_id", "in", messages.ids)]
            ).unlink()
            messages.invalidate_recordset()
        env["mail.activity"].sudo().search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        ).unlink()
        attachments.unlink()

    @api.model
    def _attachments(self, footprint):
        """Attachments of the person's records and messages, and archives sent to them."""
        env = footprint["subject"].env
        refs = footprint["subject"]._gdpr_record_refs(footprint)
        domain = [("id", "in", footprint["messages"].attachment_ids.ids)]
        for model, ids in refs.items():
            domain = ["|", "&", ("res_model", "=", model), ("res_id", "in", ids), *domain]
        attachments = env["ir.attachment"].search(
            ["|", ("res_field", "=", False), ("res_field", "!=", False), *domain]
        )
        return attachments | footprint["requests"].archive_attachment_id

    @api.model
    def _erase_records(self, footprint, pseudonyms):
        env = footprint["subject"].env
        partners, leads = footprint["partners"], footprint["leads"]
        counts = {}
        users = footprint["users"]
        for user in users:
            user.write({"active": False, "login": f"erased-user-{user.id}@erased.invalid"})
        counts["portal users closed"] = len(users)

        partner_values = dict.fromkeys(PARTNER_FIELDS, False)
        partner_values.update(name=pseudonyms["name"], active=False)
        # active_test on: res.partner refuses to archive a contact whose user, even archived,
        # a search without it would still find.
        partners.with_context(active_test=True).write(partner_values)
        counts["contacts anonymised"] = len(partners)
        env["mail.followers"].search([("partner_id", "in", partners.ids)]).unlink()
        banks = (
            env["res.partner.bank"]
            .with_context(active_test=False)
            .search([("partner_id", "in", partners.ids)])
        )
        used = self._banks_in_use(banks)
        self._unlink_quietly(banks - used, partners)
        used.write({"acc_holder_name": pseudonyms["name"]})

        lead_values = dict.fromkeys(LEAD_FIELDS, False)
        lead_values["gdpr_anonymised"] = True
        leads.write(lead_values)
        counts["leads anonymised"] = len(leads)

        counts.update(self._erase_mailing_records(footprint, pseudonyms))
        counts["blacklist entries deleted"] = len(footprint["blacklist"])
        footprint["blacklist"].unlink()

        for event in footprint["events"]:
            event.write(
                {"partner_ids": [fields.Command.unlink(p.id) for p in partners & event.partner_ids]}
            )
        counts["meetings left"] = len(footprint["events"])

        footprint["requests"].write(
            {"requester_name": pseudonyms["name"], "requester_email": pseudonyms["email"]}
        )
        return counts

    @api.model
    def _banks_in_use(self, banks):
        """The bank accounts of `banks` a document refers to: kept, their holder renamed (a
        bridge adds those of invoices)."""
        return banks.browse()

    @api.model
    def _erase_mailing_records(self, footprint, pseudonyms):
        """{count label: n}: other records of the person, deleted or anonymised (a bridge adds
        mailing contacts and traces)."""
        return {}

    @api.model
    def _unlink_quietly(self, records, partners):
        """Delete `records` without the personal data of the notes stock logs about it on the
        person's contacts (the bank account's deletion logs its number in the chatter): the
        erasure writes no personal data of its own. The notes stay (accounting audit trail),
        saying what was deleted, not what it held."""
        if not records:
            return
        env = records.env
        env.flush_all()
        env.cr.execute("SELECT COALESCE(max(id), 0) FROM mail_message")
        last_id = env.cr.fetchone()[0]
        records.unlink()
        env.flush_all()
        body = Markup("<p>%s</p>") % self.env._(
            "%s deleted (data-subject request).", records._description
        )
        # SQL: the accounting audit trail forbids changing these notes through the ORM.
        env.cr.execute(
            """
            UPDATE mail_message SET body = %s
             WHERE id > %s AND model = 'res.partner' AND res_id = ANY(%s)
            """,
            (str(body), last_id, partners.ids),
        )
        env["mail.message"].invalidate_model(["body"])

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
        scanner._execute(
            SQL(
                "SELECT id FROM ir_attachment WHERE index_content ~* %s AND NOT id = ANY(%s)",
                pattern,
                excluded.ids,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.env["ir.attachment"].sudo().browse(ids)

    @api.model
    def _file_matches(self, attachment, patterns):
        try:
            text = (attachment.raw or b"").decode()
        except UnicodeDecodeError:
            return None
        return text if any(pattern.search(text) for _kind, pattern in patterns) else None

    @api.model
    def _erase_attachment_contents(self, identifiers, pseudonyms, held):
        """The contents of files: text files naming the person are rewritten with the
        pseudonyms; other files whose extracted text names them are deleted. What a legal hold
        keeps is left alone."""
        scanner = self.env["crm.gdpr.scanner"]
        patterns = scanner._python_patterns(identifiers)
        rewritten = 0
        if patterns:
            for attachment in self._text_attachments(held):
                text = self._file_matches(attachment, patterns)
                if text is not None:
                    attachment.raw = scanner._replace_in_text(text, patterns, pseudonyms).encode()
                    rewritten += 1
        others = self._indexed_attachments(identifiers, held) - self._text_attachments(held)
        others.unlink()
        return {"files rewritten": rewritten, "files deleted": len(others)}

    @api.model
    def _attachment_hits(self, identifiers, held):
        """How many files still name the person (0 after a complete erasure)."""
        patterns = self.env["crm.gdpr.scanner"]._python_patterns(identifiers)
        if not patterns:
            return 0
        text_files = self._text_attachments(held)
        hits = sum(1 for a in text_files if self._file_matches(a, patterns) is not None)
        return hits + len(self._indexed_attachments(identifiers, held) - text_files)

    @api.model
    def _erase_subject(self, subject, request, pseudonyms):
        subject.write(
            {
                "name": pseudonyms["name"],
                "email": False,
                "erased": True,
                "erased_date": subject.erased_date or fields.Datetime.now(),
                "receipt_key": False,  # receipt evidence (IP, user agent, note) is now unreadable
                "preference_salt": False,
            }
        )

    @api.model
    def _evidence(self, request, identifiers, counts, replaced, residual, hold, kept=()):
        scanner = self.env["crm.gdpr.scanner"]
        columns = scanner._text_columns()
        evidence = {
            "request": request.name,
            "performed_on": fields.Datetime.to_string(fields.Datetime.now()),
            "performed_by": self.env.user.login,
            "identifiers": scanner._fingerprints(identifiers),
            "records": counts,
            "residual_rewrites": [{"table": t, "rows": n} for t, n in replaced],
            "scan": {
                "tables": len(columns),
                "columns": sum(len(c) for c in columns.values()),
                "hits": [{"table": t, "column": c, "rows": n} for t, c, n in residual],
                "result": "empty" if not residual else "not empty",
                # never rewritten: what the accounting hash covers, what a hold keeps, receipts
                "kept": [
                    {"table": t, "column": c, "rows": n, "reason": reason}
                    for t, c, n, reason in kept
                ],
            },
            "legal_hold": {
                "kept": bool(hold),
                "until": fields.Date.to_string(hold.hold_until) if hold else None,
                "rule": hold.rule_id.display_name if hold else None,
                "invoices": hold._kept_document_names() if hold else [],
                "documents": len(hold.attachment_ids) if hold else 0,
                "note": "Posted invoices keep totals, partner link and hashes; their PDF "
                "documents stay in the file store and the billing identity is sealed until "
                "the hold ends."
                if hold
                else None,
            },
        }
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{request.name.replace('/', '-')}-erasure-evidence.json",
                    "raw": json.dumps(evidence, indent=2).encode(),
                    "mimetype": "application/json",
                    "res_model": request._name,
                    "res_id": request.id,
                }
            )
        )

    # ------------------------------------------------------------------
    # A scan on demand (used by the DPO after manual clean-up)
    # ------------------------------------------------------------------

    @api.model
    def _evidence_payload(self, attachment):
        return json.loads(base64.b64decode(attachment.datas))
