from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext

from .crm_lead import _DIGITS, PORTAL_READ_FIELDS, PORTAL_WRITE_FIELDS, _logger


class CrmLead(models.Model):
    """What a portal user reads of a lead: one whitelist of fields, and every channel (fields,
    messages, tracking values, notifications, followers, attachments, search, read_group,
    exports) derived from it."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Personal data: the hook a consent bridge overrides
    # ------------------------------------------------------------

    def _channel_may_share_personal_data(self):
        """Return the subset of ``self`` whose personal data (contact name, email, phone, mobile,
        address, the customer's contact data and the lead's messages holding them) may be shown
        to the assigned partner. Override to withhold it, e.g. without consent to share with
        partners; the default shares all."""
        return self

    def _channel_contact_visible_leads(self):
        """Leads of ``self`` whose personal data the assigned partner sees now: the offer is
        accepted and the hook allows it. Every path to a partner (portal pages, RPC, messages,
        emails) asks this."""
        leads = self.sudo().filtered(lambda lead: lead.channel_state == "accepted")
        return self.browse(leads._channel_may_share_personal_data().ids)

    def _channel_personal_values(self):
        """Lower-cased personal values of the lead, to spot them in a message."""
        self.ensure_one()
        lead = self.sudo()
        texts, digits = set(), set()
        for value in (lead.contact_name, lead.email_from, lead.street, lead.partner_id.email):
            if value and len(value.strip()) >= 4:
                texts.add(value.strip().lower())
        for value in (lead.phone, lead.mobile, lead.partner_id.phone, lead.partner_id.mobile):
            number = _DIGITS.sub("", value or "")
            if len(number) >= 6:
                digits.add(number[-9:])
        return texts, digits

    def _channel_message_reveals_personal_data(self, message_type, author_id, body):
        """Whether a message of this lead may hold the person's data: an email in or out, one
        written by the customer, or one quoting its name, email, phone or street."""
        self.ensure_one()
        if message_type in ("email", "email_outgoing"):
            return True
        customer = self.sudo().partner_id
        if author_id and customer and author_id in (customer | customer.commercial_partner_id).ids:
            return True
        text = html2plaintext(body or "").lower() if body else ""
        if not text:
            return False
        texts, digits = self._channel_personal_values()
        if any(value in text for value in texts):
            return True
        text_digits = _DIGITS.sub("", text)
        return any(number in text_digits for number in digits)

    def _channel_messages_hidden_from_partner(self, messages, reader=None):
        """The messages (of leads in ``self``) a partner must not read. ``reader`` is the partner
        company reading (the current user's by default). One rule, derived from what the
        partner may read of the lead (see _channel_message_hidden_for)."""
        reader = reader or self.env.user.commercial_partner_id
        hidden = messages.browse()
        leads = {lead.id: lead for lead in self.sudo()}
        memo = {}
        for message in messages.sudo():
            lead = leads.get(message.res_id)
            if lead and lead._channel_message_hidden_for(
                reader,
                memo=memo.setdefault(lead.id, {}),
                values={
                    "message_type": message.message_type,
                    "author_id": message.author_id.id,
                    "body": message.body,
                    "partner_ids": message.partner_ids.ids,
                },
            ):
                hidden |= message
        return hidden

    def _channel_message_hidden_for(self, reader, values, memo=None):
        """Whether partner company ``reader`` may not read a message of this lead, given the
        message's ``values`` (message_type, author_id, body, partner_ids). A message is hidden
        when it reveals what the partner may not read of the lead:
        - the person's data (email, customer's message, quoting contact details) while the
          partner may not see the person (``channel_*`` contact fields empty);
        - another partner company's work (written by its people, or addressed to them): after
          a reassignment the new partner does not read the previous one's notes;
        - its recipients name someone the partner may not see (the customer, another partner);
        - its body names a related record of a field outside the read whitelist (the team in
          crm's creation message, the campaign, the lost reason...).
        Tracking values are filtered field by field (mail.tracking.value). ``memo`` caches
        what does not depend on the message, for a batch of messages of the lead."""
        self.ensure_one()
        lead = self.sudo()
        memo = {} if memo is None else memo
        if "contact_visible" not in memo:
            memo["contact_visible"] = bool(lead._channel_contact_visible_leads())
            memo["people"] = lead._channel_people_visible_to(reader, memo["contact_visible"])
            memo["names"] = lead._channel_hidden_record_names()
        contact_visible = memo["contact_visible"]
        if not contact_visible and lead._channel_message_reveals_personal_data(
            values.get("message_type"), values.get("author_id"), values.get("body")
        ):
            return True
        named = set(values.get("partner_ids") or [])
        if values.get("author_id"):
            named.add(values["author_id"])
        if named - memo["people"]:
            return True
        body = values.get("body")
        if not body or not memo["names"]:
            return False
        text = html2plaintext(body).lower()
        return any(name in text for name in memo["names"])

    def _channel_people_visible_to(self, reader, contact_visible):
        """Ids of the people partner company ``reader`` may see named on this lead: the vendor's
        users, its own people, the customer when the person may be shown to it."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        visible = set(
            Partner.search([("id", "child_of", reader.commercial_partner_id.ids)]).ids
            if reader
            else []
        )
        visible |= set(
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("share", "=", False)])
            .partner_id.ids
        )
        if contact_visible and self.partner_id:
            visible |= set(
                Partner.search([("id", "child_of", self.partner_id.commercial_partner_id.ids)]).ids
            )
        return visible

    def _channel_hidden_record_names(self):
        """Display names of the records the lead points to through many2one fields a partner
        may not read (team, campaign, source, lost reason...). People are covered by the
        personal-data rule and the people rule."""
        self.ensure_one()
        readable = self._channel_portal_read_fields()
        names = set()
        lead = self.sudo()
        for name, field in self._fields.items():
            if (
                field.type != "many2one"
                or name in readable
                or field.comodel_name in ("res.partner", "res.users", "res.company")
                or not field.store
            ):
                continue
            record = lead[name]
            if record:
                label = (record.display_name or "").strip().lower()
                if len(label) >= 4:
                    names.add(label)
        return names

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if len(self) != 1 or not recipients:
            return recipients
        share_ids = [recipient["id"] for recipient in recipients if recipient.get("share")]
        channel_people = (
            self.env["res.partner"].sudo().browse(sorted(self._channel_partner_people(share_ids)))
        )
        if not channel_people:
            return recipients
        values = msg_vals or {}
        message_sudo = message.sudo()
        message_values = {
            "message_type": values.get("message_type") or message_sudo.message_type,
            "author_id": values.get("author_id") or message_sudo.author_id.id,
            "body": values.get("body") if "body" in values else message_sudo.body,
            "partner_ids": message_sudo.partner_ids.ids,
        }
        lead = self.sudo()
        dropped = set()
        for company in channel_people.commercial_partner_id:
            people = channel_people.filtered(lambda p, c=company: p.commercial_partner_id == c)
            if company != lead.partner_assigned_id.commercial_partner_id or (
                self._channel_message_hidden_for(company, message_values)
            ):
                # another partner's people (a former reseller of the deal) or a message the
                # partner may not read: no notification
                dropped |= set(people.ids)
            elif (
                (not message_values["body"] or not html2plaintext(message_values["body"]).strip())
                and message_sudo.tracking_value_ids
                and not (message_sudo.tracking_value_ids._channel_readable_by_partner())
            ):
                # a tracking message of fields the partner may not read: nothing to tell it
                dropped |= set(people.ids)
        return [recipient for recipient in recipients if recipient["id"] not in dropped]

    def _notify_by_email_render_layout(
        self, message, recipients_group, msg_vals=False, render_values=None
    ):
        # the tracking summary of a notification is built once per language as the sender:
        # recipients outside the vendor get only the tracking values a partner may read
        if (
            render_values
            and render_values.get("tracking_values")
            and recipients_group.get("recipients")
        ):
            users = self.env["res.partner"].sudo().browse(recipients_group["recipients"]).user_ids
            if not users or any(user.share for user in users):
                trackings = message.sudo().tracking_value_ids._channel_readable_by_partner()
                render_values = {
                    **render_values,
                    "tracking_values": [
                        (
                            values["changedField"],
                            values["oldValue"]["value"],
                            values["newValue"]["value"],
                        )
                        for values in trackings._tracking_value_format()
                    ],
                }
        return super()._notify_by_email_render_layout(
            message, recipients_group, msg_vals=msg_vals, render_values=render_values
        )

    @api.model
    def _channel_partner_people(self, partner_ids):
        """Ids of ``partner_ids`` that belong to a channel partner company (one with a tier)."""
        if not partner_ids:
            return set()
        people = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("id", "in", partner_ids),
                    ("commercial_partner_id.grade_id", "!=", False),
                ]
            )
        )
        return set(people.ids)

    # ------------------------------------------------------------
    # Portal security: whitelist of fields, ownership of leads
    # ------------------------------------------------------------

    def _channel_is_portal_env(self):
        return not self.env.su and self.env.user.share

    @api.model
    def _channel_portal_read_fields(self):
        """Fields a portal user may read on a lead. Another addon giving partners more (a bridge
        preparing quotes in the portal) extends this set."""
        return PORTAL_READ_FIELDS

    @api.model
    def _channel_portal_write_fields(self):
        """Fields a portal user may write on the deals it works."""
        return PORTAL_WRITE_FIELDS

    @api.model
    def check_field_access_rights(self, operation, field_names):
        if not self._channel_is_portal_env():
            return super().check_field_access_rights(operation, field_names)
        allowed = (
            self._channel_portal_read_fields()
            if operation == "read"
            else self._channel_portal_write_fields()
        )
        if not field_names:
            return [
                name
                for name in super().check_field_access_rights(operation, field_names)
                if name in allowed
            ]
        forbidden = sorted(
            name for name in field_names if name in self._fields and name not in allowed
        )
        if forbidden:
            _logger.info(
                "Portal user %s denied %s of lead fields %s", self.env.uid, operation, forbidden
            )
            raise AccessError(
                self.env._(
                    "Partners cannot %(operation)s these fields of a lead: %(fields)s.",
                    operation=operation,
                    fields=", ".join(forbidden),
                )
            )
        return super().check_field_access_rights(operation, field_names)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # a domain or an order on a field a partner may not read would answer yes/no about it:
        # every leaf is checked, x2many ones and those reached from another model included
        # (record rules are applied as superuser and are not concerned)
        if self._channel_is_portal_env():
            fnames = {
                leaf[0].split(".")[0]
                for leaf in domain or []
                if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str)
            }
            fnames |= {
                part.split()[0].split(".")[0] for part in (order or "").split(",") if part.strip()
            }
            fnames.discard("id")
            if fnames:
                self.check_field_access_rights("read", sorted(fnames))
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _fetch_field(self, field):
        # the ORM prefetches every field of the same group with the one asked; a partner
        # fetches the field asked only (check_field_access_rights() then accepts it or not)
        if self._channel_is_portal_env():
            return super(CrmLead, self.with_context(prefetch_fields=False))._fetch_field(field)
        return super()._fetch_field(field)

    def _determine_fields_to_fetch(self, field_names, ignore_when_in_cache=False):
        # the ORM prefetches the dependencies of computed fields (contact details behind the
        # channel_* fields): a partner only fetches whitelisted columns, computes run as sudo
        fields_to_fetch = super()._determine_fields_to_fetch(
            field_names, ignore_when_in_cache=ignore_when_in_cache
        )
        if self._channel_is_portal_env():
            allowed = self._channel_portal_read_fields()
            fields_to_fetch = [field for field in fields_to_fetch if field.name in allowed]
        return fields_to_fetch

    def _read_group_groupby(self, groupby_spec, query):
        # stock groups by a many2many without checking the field's access: close it
        if self._channel_is_portal_env():
            fname = groupby_spec.split(":")[0].split(".")[0]
            self.check_field_access_rights("read", [fname])
        return super()._read_group_groupby(groupby_spec, query)

    def _read_group_select(self, aggregate_spec, query):
        if self._channel_is_portal_env() and aggregate_spec != "__count":
            fname = aggregate_spec.split(":")[0].split(".")[0]
            self.check_field_access_rights("read", [fname])
        return super()._read_group_select(aggregate_spec, query)
