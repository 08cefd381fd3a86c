import base64
import json
import logging

from markupsafe import Markup

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
        if not subject or subject.erased:
            raise UserError(self.env._("This person's data was already erased."))
        env = self.env(su=True, context=dict(self.env.context, **QUIET))
        subject = subject.with_env(env)
        request = request.with_env(env)
        footprint = subject._gdpr_footprint()
        self._check_erasable(footprint)
        identifiers = self._identifiers(subject, footprint)
        pseudonyms = self._pseudonyms(subject, request)
        counts = {}

        hold = env["crm.gdpr.legal.hold"]._hold_for(request, footprint["partners"])
        held_moves = hold.move_ids
        held_attachments = hold.attachment_ids

        attachments = self._attachments(footprint) - held_attachments
        counts.update(self._erase_chatter(footprint, held_moves, pseudonyms))
        counts["attachments deleted"] = len(attachments)
        attachments.unlink()
        counts.update(self._erase_records(footprint, pseudonyms))
        counts["consents withdrawn"] = len(
            footprint["consents"]._change_state(
                "withdrawn", source="request", origin=f"crm.gdpr.request,{request.id}"
            )
        )
        self._erase_subject(subject, request, pseudonyms)
        env["privacy.log"].create(
            {
                "anonymized_name": identifiers.get("name", [subject.name])[0],
                "anonymized_email": (identifiers.get("email") or ["erased@erased.invalid"])[0],
                "execution_details": self.env._("Erased under %s", request.name),
                "records_description": "\n".join(f"{key}: {n}" for key, n in counts.items()),
            }
        )
        # What the structured pass could not reach: free text anywhere in the database.
        replaced = env["crm.gdpr.scanner"]._replace(identifiers, pseudonyms)
        residual = env["crm.gdpr.scanner"]._scan(identifiers)
        evidence = self._evidence(request, identifiers, counts, replaced, residual, hold)
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

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

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
    def _identifiers(self, subject, footprint):
        partners, leads = footprint["partners"], footprint["leads"]
        emails = set(subject._gdpr_emails())
        emails |= {email for email in leads.mapped("email_normalized") if email}
        emails |= {
            email for email in footprint["mailing_contacts"].mapped("email_normalized") if email
        }
        emails |= {email for email in footprint["requests"].mapped("requester_email") if email}
        names = {
            subject.name,
            *partners.mapped("name"),
            *leads.mapped("contact_name"),
            *footprint["requests"].mapped("requester_name"),
            *footprint["mailing_contacts"].mapped("name"),
        }
        phones = {
            *partners.mapped("phone"),
            *partners.mapped("mobile"),
            *leads.mapped("phone"),
            *leads.mapped("mobile"),
        }
        return self.env["crm.gdpr.scanner"]._identifier_set(emails, names, phones)

    @api.model
    def _pseudonyms(self, subject, request):
        return {
            "name": self.env._("Erased person %s", request.name),
            "email": f"erased-{subject.id}@erased.invalid",
            "phone": "[erased]",
        }

    @api.model
    def _erase_chatter(self, footprint, held_moves, pseudonyms):
        """Message bodies, tracking values, activities and outgoing mail of the person. Messages
        of held invoices keep their body (audit trail): only identifiers are replaced there,
        by the residual pass."""
        env = footprint["subject"].env
        messages = footprint["messages"].filtered(
            lambda m: not (m.model == "account.move" and m.res_id in held_moves.ids)
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
        banks = env["res.partner.bank"].search([("partner_id", "in", partners.ids)])
        used = env["account.move"].search([("partner_bank_id", "in", banks.ids)]).partner_bank_id
        (banks - used).unlink()
        used.write({"acc_holder_name": pseudonyms["name"]})

        lead_values = dict.fromkeys(LEAD_FIELDS, False)
        lead_values["gdpr_anonymised"] = True
        leads.write(lead_values)
        counts["leads anonymised"] = len(leads)

        counts["mailing contacts deleted"] = len(footprint["mailing_contacts"])
        footprint["mailing_contacts"].unlink()
        footprint["traces"].write({"email": pseudonyms["email"]})
        counts["mailing traces anonymised"] = len(footprint["traces"])
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
    def _erase_subject(self, subject, request, pseudonyms):
        subject.write(
            {
                "name": pseudonyms["name"],
                "email": False,
                "erased": True,
                "erased_date": fields.Datetime.now(),
                "receipt_key": False,  # receipt evidence (IP, user agent, note) is now unreadable
                "preference_salt": False,
            }
        )

    @api.model
    def _evidence(self, request, identifiers, counts, replaced, residual, hold):
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
            },
            "legal_hold": {
                "kept": bool(hold),
                "until": fields.Date.to_string(hold.hold_until) if hold else None,
                "rule": hold.rule_id.display_name if hold else None,
                "invoices": hold.move_ids.mapped("name") if hold else [],
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
