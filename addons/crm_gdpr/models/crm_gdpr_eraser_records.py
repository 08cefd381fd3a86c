from markupsafe import Markup

from odoo import api, fields, models

from .crm_gdpr_eraser import LEAD_FIELDS, PARTNER_FIELDS


class CrmGdprEraserRecords(models.AbstractModel):
    """Erasure: the person's records anonymised in place (contacts, leads, portal users, bank
    accounts, meetings, requests), their chatter (message bodies, tracking values,
    activities, outgoing mail) and the attachments of their records."""

    _inherit = "crm.gdpr.eraser"

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
