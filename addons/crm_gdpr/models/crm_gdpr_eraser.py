import base64
import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

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
        file_counts, rewritten_files = self._erase_attachment_contents(
            identifiers | surnames, pseudonyms, held_attachments
        )
        counts.update(file_counts)
        env["privacy.log"].create(
            {
                "anonymized_name": pseudonyms["name"],
                "anonymized_email": pseudonyms["email"],
                "execution_details": self.env._("Erased under %s", request.name),
                "records_description": "\n".join(f"{key}: {n}" for key, n in counts.items()),
            }
        )
        passes = [(identifiers, None)]
        if surnames:
            passes.append((surnames, self._surname_scope(footprint)))
        # The text columns are read once for every scan, rewrite and the evidence below.
        eraser = self.with_env(env).with_context(
            crm_gdpr_text_columns=env["crm.gdpr.scanner"]._frozen_text_columns()
        )
        residual, replaced, kept = eraser._residual_pass(passes, pseudonyms)
        files = self._attachment_hits(
            identifiers | surnames, held_attachments, rewritten=rewritten_files
        )
        if files:
            residual.append(("ir_attachment", "file contents", files))
        evidence = eraser._evidence(request, identifiers, counts, replaced, residual, hold, kept)
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
    def _residual_pass(self, passes, pseudonyms):
        """What the structured pass could not reach: free text anywhere in the database, and
        the surname alone on the rows that are the person's. `passes`: [(identifiers, rows)],
        rows ({table: ids}) None for the whole database. Returns (residual, replaced, kept)
        as the scanner gives them.

        One scan of every text column finds what is left; only the tables where something
        is left are rewritten and scanned again. Rewriting writes pseudonyms, never an
        identifier, so a table where the first scan found nothing stays clean, and the
        second scan of the rewritten tables completes the evidence of the whole database."""
        scanner = self.env["crm.gdpr.scanner"]
        found = []
        for values, rows in passes:
            kept = []
            hits = scanner._scan(values, rows=rows, kept=kept)
            found.append((values, rows, hits, kept))
        replaced = []
        for values, rows, hits, _kept in found:
            if hits:
                tables = {table for table, _column, _count in hits}
                replaced += scanner._replace(values, pseudonyms, tables=tables, rows=rows)
        residual, kept = [], []
        for values, rows, hits, first_kept in found:
            if not hits:
                kept += first_kept
                continue
            tables = {table for table, _column, _count in hits}
            kept += [entry for entry in first_kept if entry[0] not in tables]
            residual += scanner._scan(values, tables=tables, rows=rows, kept=kept)
        return residual, replaced, kept

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
    def _pseudonyms(self, subject, request):
        return {
            "name": self.env._("Erased person %s", request.name),
            "email": f"erased-{subject.id}@erased.invalid",
            "phone": "[erased]",
        }

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
