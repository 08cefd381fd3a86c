import base64
import csv
import io
import json
import zipfile

from odoo import fields, models
from odoo.tools import html2plaintext

# Models whose records *are* the person (their chatter, activities and attachments are theirs).
PERSON_MODELS = ("res.partner", "crm.lead", "mailing.contact", "crm.gdpr.subject")
# Found by a scan but not the person's data: the request handling itself and stock's log of it.
NOT_PERSONAL_MODELS = ("crm.gdpr.request", "privacy.log", "crm.gdpr.legal.hold")


class CrmGdprSubject(models.Model):
    """Where a person's data lives, and the access / portability archive built from it."""

    _inherit = "crm.gdpr.subject"

    # ------------------------------------------------------------------
    # Footprint
    # ------------------------------------------------------------------

    def _gdpr_emails(self):
        """Every normalized address known for the person."""
        self.ensure_one()
        sudo_self = self.sudo()
        emails = {sudo_self.email_normalized} if sudo_self.email_normalized else set()
        emails |= {email for email in sudo_self.partner_id.mapped("email_normalized") if email}
        return sorted(emails)

    def _gdpr_partners(self):
        """Contacts that are this person: their linked contact and contacts with their address
        (companies excluded: the GDPR protects people)."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partners = self.sudo().partner_id
        emails = self._gdpr_emails()
        if emails:
            partners |= Partner.search([("email_normalized", "in", emails)])
        return partners.filtered(lambda p: not p.is_company)

    def _gdpr_footprint(self):
        """The person's records, per kind, as sudo recordsets (empty when the model is absent)."""
        self.ensure_one()
        env = self.env(su=True, context=dict(self.env.context, active_test=False))
        emails = self._gdpr_emails()
        partners = self._gdpr_partners().with_env(env)
        footprint = {"partners": partners, "subject": self.with_env(env)}
        footprint["users"] = env["res.users"].search([("partner_id", "in", partners.ids)])
        footprint["leads"] = env["crm.lead"].search(
            ["|", ("email_normalized", "in", emails), ("partner_id", "in", partners.ids)]
        )
        footprint.update(self._gdpr_footprint_people(env, emails))
        footprint["requests"] = env["crm.gdpr.request"].search([("subject_id", "=", self.id)])
        records = self._gdpr_record_refs(footprint)
        message_domain = [("author_id", "in", partners.ids)]
        for model, ids in records.items():
            message_domain = [
                "|",
                "&",
                ("model", "=", model),
                ("res_id", "in", ids),
                *message_domain,
            ]
        for email in emails:
            message_domain = ["|", ("email_from", "ilike", email), *message_domain]
        footprint["messages"] = env["mail.message"].search(message_domain)
        activity_domain = [("id", "=", 0)]
        for model, ids in records.items():
            activity_domain = [
                "|",
                "&",
                ("res_model", "=", model),
                ("res_id", "in", ids),
                *activity_domain,
            ]
        footprint["activities"] = env["mail.activity"].search(activity_domain)
        footprint["events"] = env["calendar.event"].search([("partner_ids", "in", partners.ids)])
        footprint.update(self._gdpr_footprint_mailings(env, emails, footprint))
        mail_domain = [
            "|",
            ("recipient_ids", "in", partners.ids),
            ("mail_message_id", "in", footprint["messages"].ids),
        ]
        for email in emails:
            mail_domain = ["|", ("email_to", "ilike", email), *mail_domain]
        footprint["mails"] = env["mail.mail"].search(mail_domain)
        footprint["blacklist"] = env["mail.blacklist"].search([("email", "in", emails)])
        footprint["consents"] = self.with_env(env).consent_ids
        footprint["receipts"] = env["crm.gdpr.receipt"].search([("subject_id", "=", self.id)])
        footprint.update(self._gdpr_footprint_documents(env, partners))
        footprint["orders"] = (
            env["sale.order"].search([("partner_id", "in", partners.ids)])
            if "sale.order" in env
            else None
        )
        return footprint

    def _gdpr_footprint_people(self, env, emails):
        """{footprint key: sudo recordset} of other records that are the person, found by
        their addresses (a bridge adds mailing contacts)."""
        return {}

    def _gdpr_footprint_mailings(self, env, emails, footprint):
        """{footprint key: sudo recordset} of what was sent to the person by other means than
        mail.mail (a bridge adds mailing traces)."""
        return {}

    def _gdpr_footprint_documents(self, env, partners):
        """{footprint key: sudo recordset} of business documents of the person's contacts (a
        bridge adds invoices)."""
        return {}

    def _gdpr_business_refs(self, footprint):
        """{model: ids} of the person's business documents (invoices, orders)."""
        refs = {}
        if footprint["orders"]:
            refs["sale.order"] = footprint["orders"].ids
        return refs

    def _gdpr_export_records(self, footprint):
        """Messages, activities and attachments of the person's records and business
        documents, for the archive (sudo recordsets)."""
        env = footprint["subject"].env
        refs = dict(self._gdpr_record_refs(footprint), **self._gdpr_business_refs(footprint))
        message_domain = [("id", "in", footprint["messages"].ids)]
        activity_domain = [("id", "in", footprint["activities"].ids)]
        attachment_domain = [
            ("id", "in", footprint["messages"].attachment_ids.ids),
        ]
        for model, ids in refs.items():
            message_domain = ["|", "&", ("model", "=", model), ("res_id", "in", ids)] + (
                message_domain
            )
            activity_domain = ["|", "&", ("res_model", "=", model), ("res_id", "in", ids)] + (
                activity_domain
            )
            attachment_domain = ["|", "&", ("res_model", "=", model), ("res_id", "in", ids)] + (
                attachment_domain
            )
        messages = env["mail.message"].search(message_domain)
        attachments = env["ir.attachment"].search(
            [*attachment_domain, ("res_field", "=", False)]
        ) | env["ir.attachment"].search([("id", "in", messages.attachment_ids.ids)])
        # the archives and evidence of this person's own requests are not their data
        attachments = attachments.filtered(lambda a: a.res_model != "crm.gdpr.request")
        return {
            "messages": messages,
            "activities": env["mail.activity"].search(activity_domain),
            "attachments": attachments,
            "tracking": env["mail.tracking.value"].search(
                [("mail_message_id", "in", messages.ids)]
            ),
        }

    def _gdpr_record_refs(self, footprint):
        """{model: ids} of the records that are the person."""
        refs = {
            "res.partner": footprint["partners"].ids,
            "crm.lead": footprint["leads"].ids,
            "crm.gdpr.subject": footprint["subject"].ids,
        }
        return {model: ids for model, ids in refs.items() if ids}

    # ------------------------------------------------------------------
    # Access and portability archive (Art. 15 and 20)
    # ------------------------------------------------------------------

    def _gdpr_export_sections(self):
        """{section: [row dicts]}: everything held about the person, readable and portable."""
        return self._gdpr_export_payload()[0]

    def _gdpr_export_payload(self):
        """({section: [row dicts]}, ["model,id" of every record the sections hold])."""
        self.ensure_one()
        fp = self._gdpr_footprint()
        fmt = self._gdpr_format_datetime

        def text(value):
            return html2plaintext(value or "").strip() if value else ""

        extra = self._gdpr_export_records(fp)
        changes = {}
        for tracking in extra["tracking"]:
            changes.setdefault(tracking.mail_message_id.id, []).append(
                "%s: %s -> %s"
                % (
                    tracking.field_id.field_description or "",
                    tracking._format_display_value("old")[0] or "",
                    tracking._format_display_value("new")[0] or "",
                )
            )
        sections = {
            "contact": [
                {
                    "name": p.name,
                    "email": p.email or "",
                    "phone": p.phone or "",
                    "mobile": p.mobile or "",
                    "street": p.street or "",
                    "street2": p.street2 or "",
                    "zip": p.zip or "",
                    "city": p.city or "",
                    "state": p.state_id.name or "",
                    "country": p.country_id.name or "",
                    "language": p.lang or "",
                    "job_position": p.function or "",
                    "website": p.website or "",
                    "tax_id": p.vat or "",
                    "notes": text(p.comment),
                    "created_on": fmt(p.create_date),
                }
                for p in fp["partners"]
            ],
            "leads": [
                {
                    "reference": lead.id,
                    "title": lead.name,
                    "contact_name": lead.contact_name or "",
                    "company_name": lead.partner_name or "",
                    "email": lead.email_from or "",
                    "phone": lead.phone or "",
                    "type": lead.type,
                    "stage": lead.stage_id.name or "",
                    "expected_revenue": lead.expected_revenue,
                    "salesperson": lead.user_id.name or "",
                    "notes": text(lead.description),
                    "created_on": fmt(lead.create_date),
                    "closed_on": fmt(lead.date_closed),
                    "active": lead.active,
                }
                for lead in fp["leads"]
            ],
            "messages": [
                {
                    "date": fmt(message.date),
                    "document": f"{message.model},{message.res_id}" if message.model else "",
                    "type": message.message_type,
                    "author": message.author_id.name or message.email_from or "",
                    "subject": message.subject or "",
                    "body": text(message.body),
                    "changes": "; ".join(changes.get(message.id, [])),
                }
                for message in extra["messages"]
            ],
            "activities": [
                {
                    "type": activity.activity_type_id.name or "",
                    "summary": activity.summary or "",
                    "note": text(activity.note),
                    "due": str(activity.date_deadline or ""),
                    "assigned_to": activity.user_id.name or "",
                    "document": f"{activity.res_model},{activity.res_id}",
                }
                for activity in extra["activities"]
            ],
            "events": [
                {
                    "name": event.name,
                    "start": fmt(event.start),
                    "stop": fmt(event.stop),
                    "location": event.location or "",
                    "description": text(event.description),
                }
                for event in fp["events"]
            ],
            "consents": [
                {
                    "purpose": consent.purpose_id.name,
                    "channel": consent.channel_id.name,
                    "state": consent.state,
                    "since": fmt(consent.date_state),
                    "given_on": fmt(consent.date_given),
                    "expires_on": fmt(consent.date_expiry),
                    "text_version": consent.purpose_version_id.version or "",
                }
                for consent in fp["consents"]
            ],
            "receipts": [
                {
                    "number": receipt.sequence,
                    "date": fmt(receipt.date),
                    "purpose": receipt.purpose_id.name,
                    "channel": receipt.channel_id.name,
                    "from": receipt.state_from or "",
                    "to": receipt.state_to,
                    "source": receipt.source,
                    "ip_address": receipt.ip_address or "",
                    "user_agent": receipt.user_agent or "",
                    "note": receipt.note or "",
                    "text_hash": receipt.text_hash or "",
                    "hash": receipt.hash,
                }
                for receipt in fp["receipts"]
            ],
        }
        sections["bank_accounts"] = [
            {
                "account_number": bank.acc_number,
                "bank": bank.bank_id.name or "",
                "holder": bank.acc_holder_name or "",
            }
            for bank in self.env["res.partner.bank"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", fp["partners"].ids)])
        ]
        sections["mails"] = [
            {
                "date": fmt(mail.date),
                "subject": mail.subject or "",
                "to": mail.email_to or ", ".join(mail.recipient_ids.mapped("email")),
                "state": mail.state,
                "body": text(mail.body_html),
            }
            for mail in fp["mails"]
        ]
        sections["attachments"] = [
            {
                "name": attachment.name,
                "type": attachment.mimetype or "",
                "document": f"{attachment.res_model},{attachment.res_id}"
                if attachment.res_model
                else "",
                "file": self._gdpr_attachment_path(attachment),
            }
            for attachment in extra["attachments"]
        ]
        if "website.visitor" in self.env:
            visitors = (
                self.env["website.visitor"]
                .sudo()
                .with_context(active_test=False)
                .search([("partner_id", "in", fp["partners"].ids)])
            )
            sections["website_visits"] = [
                {
                    "first_visit": fmt(visitor.create_date),
                    "last_visit": fmt(visitor.last_connection_datetime),
                    "visits": visitor.visit_count,
                    "country": visitor.country_id.name or "",
                    "pages": ", ".join(visitor.website_track_ids.mapped(lambda t: t.url or "")),
                }
                for visitor in visitors
            ]
        if fp["orders"] is not None:
            sections["order_lines"] = [
                {
                    "order": line.order_id.name,
                    "description": line.name or "",
                    "product": line.product_id.display_name or "",
                    "quantity": line.product_uom_qty,
                    "unit_price": line.price_unit,
                    "subtotal": line.price_subtotal,
                }
                for line in fp["orders"].order_line
            ]
            sections["orders"] = [
                {
                    "number": order.name,
                    "date": fmt(order.date_order),
                    "state": order.state,
                    "total": order.amount_total,
                    "currency": order.currency_id.name,
                }
                for order in fp["orders"]
            ]
        sections.update(self._gdpr_export_more_sections(fp, extra))
        sections["other_records"] = self._gdpr_other_records(fp)
        sections["other_records"] += self._gdpr_scanned_records(fp, sections, extra)
        records = {
            f"{model},{record_id}"
            for model, ids in self._gdpr_exported_refs(fp, extra).items()
            for record_id in ids
        }
        records |= {row["reference"] for row in sections["other_records"]}
        return sections, sorted(records)

    def _gdpr_export_more_sections(self, fp, extra):
        """{section: [row dicts]} of what bridges add to the archive (mailings, invoices)."""
        return {}

    def _gdpr_exported_refs(self, fp, extra):
        """{model: ids} of the records the sections above hold."""
        refs = dict(self._gdpr_record_refs(fp), **self._gdpr_business_refs(fp))
        refs.update(
            {
                "mail.message": extra["messages"].ids,
                "mail.activity": extra["activities"].ids,
                "ir.attachment": extra["attachments"].ids,
                "mail.tracking.value": extra["tracking"].ids,
                "calendar.event": fp["events"].ids,
                "mail.mail": fp["mails"].ids,
                "crm.gdpr.consent": fp["consents"].ids,
                "crm.gdpr.receipt": fp["receipts"].ids,
                "res.partner.bank": self.env["res.partner.bank"]
                .sudo()
                .with_context(active_test=False)
                .search([("partner_id", "in", fp["partners"].ids)])
                .ids,
            }
        )
        if fp["orders"] is not None:
            refs["sale.order.line"] = fp["orders"].order_line.ids
        return refs

    def _gdpr_scanned_records(self, fp, sections, extra):
        """Records a scan of every text column finds about the person and no section above
        holds: the archive holds everything the scan finds."""
        identifiers = self.env["crm.gdpr.eraser"]._identifiers(fp["subject"], fp)
        found = self.env["crm.gdpr.scanner"]._scan_rows(identifiers)
        exported = self._gdpr_exported_refs(fp, extra)
        listed = {row["reference"] for row in sections["other_records"]}
        rows = []
        for model_name, ids in sorted(found.items()):
            if model_name in NOT_PERSONAL_MODELS:
                continue
            missing = set(ids) - set(exported.get(model_name, ()))
            records = (
                self.env[model_name].sudo().with_context(active_test=False).browse(sorted(missing))
            )
            for record in records.exists():
                reference = f"{model_name},{record.id}"
                if reference in listed:
                    continue
                rows.append(
                    {
                        "model": self.env["ir.model"]._get(model_name).name,
                        "reference": reference,
                        "name": record.display_name or "",
                    }
                )
        return rows

    @staticmethod
    def _gdpr_attachment_path(attachment):
        return f"attachments/{attachment.id}-{attachment.name or 'file'}".replace("..", "_")

    def _gdpr_other_records(self, footprint):
        """Records elsewhere that point to the person's contacts or carry their address, found
        the way privacy_lookup finds them (every model holding personal data)."""
        covered = {
            "res.partner",
            "res.users",
            "crm.lead",
            "mailing.contact",
            "mail.message",
            "mail.activity",
            "calendar.event",
            "mailing.trace",
            "mail.mail",
            "crm.gdpr.subject",
            "crm.gdpr.consent",
            "crm.gdpr.receipt",
            "account.move",
            "account.move.line",
            "sale.order",
            "sale.order.line",
            "crm.gdpr.request",
            "mail.blacklist",
            "crm.gdpr.optin.token",
            "calendar.attendee",
            "privacy.log",
        }
        rows = []
        partners = footprint["partners"]
        emails = self._gdpr_emails()
        if not partners and not emails:
            return rows
        lookup = (
            self.env["privacy.lookup.wizard"]
            .sudo()
            .create(
                {
                    "name": partners[:1].name or self.name,
                    "email": emails[0] if emails else (partners[:1].email or "-"),
                }
            )
        )
        self.env.flush_all()
        self.env.cr.execute(lookup._get_query())
        by_model = {}
        for row in self.env.cr.dictfetchall():
            by_model.setdefault(row["res_model_id"], []).append(row["res_id"])
        for model in self.env["ir.model"].sudo().browse(list(by_model)):
            if model.model in covered or model.model not in self.env:
                continue
            records = self.env[model.model].sudo().browse(by_model[model.id]).exists()
            rows += [
                {
                    "model": model.name,
                    "reference": f"{model.model},{record.id}",
                    "name": record.display_name or "",
                }
                for record in records
            ]
        lookup.unlink()
        return rows

    def _gdpr_export_archive(self, request):
        """A zip with data.json (all sections) and one CSV per section, attached to
        `request`."""
        self.ensure_one()
        sections, records = self.with_context(lang=self._gdpr_lang())._gdpr_export_payload()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            payload = {
                "request": request.name,
                "controller": request.company_id.name,
                "generated_on": fields.Datetime.to_string(fields.Datetime.now()),
                "sections": sections,
                "records": records,
            }
            archive.writestr(
                "data.json", json.dumps(payload, indent=2, ensure_ascii=False, default=str)
            )
            for name, rows in sections.items():
                archive.writestr(f"{name}.csv", self._csv(rows))
            attachments = self.env["ir.attachment"].sudo()
            for row in sections.get("attachments", []):
                attachment = attachments.browse(int(row["file"].split("/")[1].split("-")[0]))
                archive.writestr(row["file"], attachment.raw or b"")
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{request.name.replace('/', '-')}-data.zip",
                    "datas": base64.b64encode(buffer.getvalue()),
                    "mimetype": "application/zip",
                    "res_model": request._name,
                    "res_id": request.id,
                    # stored as the officer-only field's file: ir.attachment checks its group
                    "res_field": "archive_file",
                }
            )
        )

    @staticmethod
    def _csv(rows):
        output = io.StringIO()
        if rows:
            writer = csv.DictWriter(output, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({key: str(value) for key, value in row.items()})
        return output.getvalue()
