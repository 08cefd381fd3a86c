import logging
import re
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, html2plaintext

from .channel_router import ChannelRouter

_logger = logging.getLogger(__name__)

# What a portal user may read on a lead, whatever the route or RPC call. Contact details are not
# in it: the partner reads them through the channel_* fields below, which are empty until the
# offer is accepted and the lead may share personal data (see _channel_contact_visible_leads).
PORTAL_READ_FIELDS = frozenset(
    {
        "id",
        "display_name",
        "name",
        "type",
        "active",
        "priority",
        "stage_id",
        "probability",
        "expected_revenue",
        "company_currency",
        "company_id",
        "date_deadline",
        "create_date",
        "write_date",
        "date_partner_assign",
        "partner_assigned_id",
        "country_id",
        "state_id",
        "channel_state",
        "channel_user_id",
        "channel_offer_id",
        "channel_offer_deadline",
        "channel_industry_id",
        "channel_product_ids",
        "channel_registration_id",
        "channel_protected_until",
        "channel_contact_visible",
        "channel_partner_name",
        "channel_contact_name",
        "channel_email",
        "channel_phone",
        "channel_mobile",
        "channel_street",
        "channel_street2",
        "channel_city",
        "channel_zip",
        # the portal chatter and followers
        "message_ids",
        "website_message_ids",
        "message_follower_ids",
        "message_partner_ids",
        "message_is_follower",
        "message_needaction",
        "message_needaction_counter",
        "message_has_error",
        "message_has_error_counter",
        "message_attachment_count",
        "has_message",
    }
)
# What a portal user may change on a lead it works (any other change goes through a method).
PORTAL_WRITE_FIELDS = frozenset({"stage_id", "expected_revenue", "date_deadline", "priority"})
# Personal data of the person behind a lead: shown to a partner only through the channel_*
# fields, when _channel_contact_visible_leads() allows it.
PERSONAL_DATA_FIELDS = (
    "contact_name",
    "email_from",
    "phone",
    "mobile",
    "street",
    "street2",
    "city",
    "zip",
)
MAX_PORTAL_AMOUNT = 10**12
_DIGITS = re.compile(r"\D")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    date_deadline = fields.Date(tracking=True)
    channel_state = fields.Selection(
        [
            ("queued", "Waiting for Routing"),
            ("offered", "Offered"),
            ("accepted", "Accepted"),
            ("no_partner", "No Partner Available"),
        ],
        string="Channel Status",
        index="btree_not_null",
        copy=False,
        help="Waiting for Routing: the next routing run offers it to a partner. Offered: a "
        "partner has until the deadline to accept it. Accepted: the partner works it.",
    )
    channel_user_id = fields.Many2one(
        "res.users",
        string="Partner Salesperson",
        index="btree_not_null",
        copy=False,
        tracking=True,
        help="The person of the partner company who works this deal.",
    )
    channel_offer_ids = fields.One2many("crm.channel.offer", "lead_id", string="Offer History")
    channel_offer_id = fields.Many2one(
        "crm.channel.offer",
        string="Current Offer",
        compute="_compute_channel_offer_id",
        store=True,
        index="btree_not_null",
    )
    channel_offer_deadline = fields.Datetime(
        related="channel_offer_id.date_deadline", string="Offer Deadline"
    )
    channel_decision_ids = fields.One2many(
        "crm.channel.routing.decision", "lead_id", string="Routing Decisions"
    )
    channel_registration_ids = fields.One2many(
        "crm.channel.registration", "lead_id", string="Deal Registrations"
    )
    channel_registration_id = fields.Many2one(
        "crm.channel.registration",
        string="Deal Registration",
        compute="_compute_channel_registration_id",
        store=True,
        index="btree_not_null",
        help="The approved registration of the deal, the latest if several.",
    )
    channel_protected_until = fields.Date(
        related="channel_registration_id.protected_until", string="Protected Until"
    )
    channel_industry_id = fields.Many2one(
        "res.partner.industry",
        string="Industry",
        compute="_compute_channel_industry_id",
        store=True,
        readonly=False,
    )
    channel_product_ids = fields.Many2many(
        "product.template",
        "crm_lead_channel_product_rel",
        "lead_id",
        "product_id",
        string="Products of Interest",
    )
    # contact details as a partner sees them: empty until it may see them
    channel_contact_visible = fields.Boolean(
        "Contact Visible to Partner", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_partner_name = fields.Char(
        "Customer Company (Partner View)", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_contact_name = fields.Char(
        "Contact", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_email = fields.Char(
        "Contact Email", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_phone = fields.Char(
        "Contact Phone", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_mobile = fields.Char(
        "Contact Mobile", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_street = fields.Char(
        "Contact Street", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_street2 = fields.Char(
        "Contact Street 2", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_city = fields.Char(
        "Contact City", compute="_compute_channel_contact", compute_sudo=True
    )
    channel_zip = fields.Char("Contact Zip", compute="_compute_channel_contact", compute_sudo=True)

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("channel_offer_ids")
    def _compute_channel_offer_id(self):
        for lead in self:
            offers = lead.channel_offer_ids
            lead.channel_offer_id = max(offers, key=lambda offer: offer.id) if offers else False

    @api.depends("channel_registration_ids.state")
    def _compute_channel_registration_id(self):
        for lead in self:
            decided = lead.channel_registration_ids.filtered(
                lambda registration: registration.state in ("approved", "won", "expired")
            )
            lead.channel_registration_id = max(decided, key=lambda r: r.id) if decided else False

    @api.depends("partner_id.industry_id")
    def _compute_channel_industry_id(self):
        for lead in self:
            industry = lead.partner_id.commercial_partner_id.industry_id
            lead.channel_industry_id = industry or lead.channel_industry_id

    @api.depends("channel_state", "partner_name", *PERSONAL_DATA_FIELDS)
    def _compute_channel_contact(self):
        accepted = self.filtered(lambda lead: lead.channel_state == "accepted")
        visible = accepted._channel_contact_visible_leads()
        for lead in self:
            shown = lead in visible
            lead.channel_contact_visible = shown
            lead.channel_partner_name = lead.partner_name if lead in accepted else False
            lead.channel_contact_name = lead.contact_name if shown else False
            lead.channel_email = lead.email_from if shown else False
            lead.channel_phone = lead.phone if shown else False
            lead.channel_mobile = lead.mobile if shown else False
            lead.channel_street = lead.street if shown else False
            lead.channel_street2 = lead.street2 if shown else False
            lead.channel_city = lead.city if shown else False
            lead.channel_zip = lead.zip if shown else False

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

    def _channel_messages_hidden_from_partner(self, messages):
        """The messages (of leads in ``self``) a partner must not read: those revealing personal
        data of a lead whose personal data it may not see."""
        visible = self._channel_contact_visible_leads()
        hidden = messages.browse()
        by_lead = {lead.id: lead for lead in self - visible}
        for message in messages.sudo():
            lead = by_lead.get(message.res_id)
            if lead and lead._channel_message_reveals_personal_data(
                message.message_type, message.author_id.id, message.body
            ):
                hidden |= message
        return hidden

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if len(self) != 1 or not recipients or self in self._channel_contact_visible_leads():
            return recipients
        values = msg_vals or {}
        message_type = values.get("message_type") or message.sudo().message_type
        author_id = values.get("author_id") or message.sudo().author_id.id
        body = values.get("body") if "body" in values else message.sudo().body
        if not self._channel_message_reveals_personal_data(message_type, author_id, body):
            return recipients
        channel_people = self._channel_partner_people(
            [recipient["id"] for recipient in recipients if recipient.get("share")]
        )
        return [recipient for recipient in recipients if recipient["id"] not in channel_people]

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

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if self._channel_is_portal_env():
            self.check_access("write")
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def message_unsubscribe(self, partner_ids=None):
        if self._channel_is_portal_env():
            self.check_access("write")
        return super().message_unsubscribe(partner_ids=partner_ids)

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

    def _channel_check_partner_access(self, states=("accepted",)):
        """The caller is a portal user of the partner company the leads are with (a partner
        salesperson: on its own leads or on offers nobody took), and the leads are in one of
        ``states``. Raises AccessError otherwise, so every public method can start with it."""
        user = self.env.user
        if not user.share or self.env.su:
            raise AccessError(self.env._("Only the partner's portal users can do this."))
        self.check_access("write")
        company = user.commercial_partner_id
        manager = user.partner_id._channel_is_manager()
        for lead in self.sudo():
            if lead.partner_assigned_id.commercial_partner_id != company:
                raise AccessError(self.env._("This lead is not assigned to your company."))
            if not manager and lead.channel_user_id not in (user, self.env["res.users"]):
                raise AccessError(self.env._("This deal is another salesperson's."))
            if lead.channel_state not in states:
                raise AccessError(
                    self.env._(
                        "Lead %s cannot be changed at this step; accept the offer first.",
                        lead.name,
                    )
                )

    def write(self, vals):
        if self._channel_is_portal_env():
            # a partner's change of its deals: whitelisted fields, its own accepted deals,
            # checked values; then written with a narrow sudo (tracking reads fields partners
            # cannot read)
            self.check_field_access_rights("write", list(vals))
            self._channel_check_partner_access()
            values = self._channel_validate_portal_values(vals)
            amount = values.pop("expected_revenue", None)
            if values:
                super(CrmLead, self.sudo()).write(values)
            if amount is not None:
                self._channel_partner_set_expected_revenue(amount)
            self._channel_flush_as_sudo()
            return True
        reassigned = self.browse()
        if vals.get("partner_assigned_id") and not self.env.context.get("channel_routing"):
            reassigned = self.filtered(
                lambda lead: lead.partner_assigned_id.id != vals["partner_assigned_id"]
            )
        result = super().write(vals)
        if reassigned:
            partner = self.env["res.partner"].browse(vals["partner_assigned_id"])
            reassigned._channel_offer_manually(partner)
        return result

    def _channel_offer_manually(self, partner):
        """The vendor assigned a partner by hand (lead form, stock forward wizard): the lead is
        offered to it like a routed one, with a deadline, and the decision says who chose."""
        company = partner.commercial_partner_id
        if not company.grade_id:
            return
        leads = self.sudo().filtered(lambda lead: lead.active)
        open_offers = leads.channel_offer_id.filtered(lambda offer: offer.state == "offered")
        open_offers.write({"state": "cancelled", "date_answered": fields.Datetime.now()})
        now = fields.Datetime.now()
        decisions = (
            self.env["crm.channel.routing.decision"]
            .sudo()
            .create(
                [
                    {
                        "lead_id": lead.id,
                        "date": now,
                        "partner_id": company.id,
                        "grade_id": company.grade_id.id,
                        "outcome": "manual",
                        "explanation": {
                            "steps": [],
                            "candidates": [],
                            "reason": self.env._(
                                "Assigned by hand to %(partner)s by %(user)s.",
                                partner=company.name,
                                user=self.env.user.name,
                            ),
                        },
                    }
                    for lead in leads
                ]
            )
        )
        hours = company.grade_id.channel_offer_hours or 48
        self.env["crm.channel.offer"].sudo().create(
            [
                {
                    "lead_id": decision.lead_id.id,
                    "partner_id": company.id,
                    "grade_id": company.grade_id.id,
                    "date_offered": now,
                    "date_deadline": now + timedelta(hours=hours),
                    "decision_id": decision.id,
                }
                for decision in decisions
            ]
        )
        leads.with_context(channel_routing=True).write(
            {
                "partner_assigned_id": company.id,
                "channel_state": "offered",
                "channel_user_id": False,
            }
        )

    def _channel_flush_as_sudo(self):
        """Recompute what a partner's action changed now, as superuser: a recompute left for
        later would run as the partner and read fields it may not read."""
        self.sudo().env.flush_all()

    def _channel_validate_portal_values(self, vals):
        values = dict(vals)
        if "stage_id" in values:
            stage = self.env["crm.stage"].sudo().browse(values["stage_id"]).exists()
            if not stage or stage.is_won:
                raise UserError(self.env._("Choose an open stage; the vendor marks deals as won."))
            for lead in self.sudo():
                if stage.team_id and stage.team_id != lead.team_id:
                    raise UserError(
                        self.env._("Stage %s is not used by this deal's team.", stage.name)
                    )
            values["stage_id"] = stage.id
        if "expected_revenue" in values:
            try:
                amount = float(values["expected_revenue"] or 0.0)
            except (TypeError, ValueError) as error:
                raise UserError(
                    self.env._("The expected revenue must be a number, e.g. 12500.")
                ) from error
            if not 0 <= amount < MAX_PORTAL_AMOUNT:
                raise UserError(self.env._("The expected revenue must be a positive amount."))
            values["expected_revenue"] = amount
        if values.get("date_deadline"):
            try:
                deadline = fields.Date.to_date(values["date_deadline"])
            except (TypeError, ValueError) as error:
                raise UserError(
                    self.env._("The expected closing date must be a date, e.g. 2025-06-30.")
                ) from error
            if deadline < fields.Date.context_today(self) - timedelta(days=1):
                raise UserError(self.env._("The expected closing date cannot be in the past."))
            values["date_deadline"] = deadline
        if "priority" in values and values["priority"] not in ("0", "1", "2", "3"):
            raise UserError(self.env._("The priority must be 0 to 3 stars."))
        return values

    def _channel_partner_set_expected_revenue(self, amount):
        """The one way a partner's expected revenue reaches a deal (a deal-currency bridge
        overrides it). The caller has checked the partner's access."""
        return self.sudo().write({"expected_revenue": amount})

    # ------------------------------------------------------------
    # Offers: accept and decline (portal), withdraw (vendor)
    # ------------------------------------------------------------

    def action_channel_accept(self):
        """The partner takes the offer. Exactly one of concurrent callers wins (see
        _channel_claim_offer); the others get a clear message and change nothing."""
        self._channel_check_partner_access(states=("offered",))
        user = self.env.user
        for lead in self.sudo():
            offer = lead.channel_offer_id
            if (
                not offer
                or offer.state != "offered"
                or offer.partner_id != lead.partner_assigned_id
            ):
                raise UserError(self.env._("This offer is no longer open."))
            offer.flush_recordset()
            now = fields.Datetime.now()
            if not lead._channel_claim_offer(offer, "accepted", now):
                raise UserError(
                    self.env._(
                        "This offer was taken or has expired meanwhile; it is no longer open."
                    )
                )
            offer.invalidate_recordset(["state"])
            offer.write({"state": "accepted", "date_answered": now, "answered_by_id": user.id})
            lead.write({"channel_state": "accepted", "channel_user_id": user.id})
            lead.convert_opportunity(lead.partner_id)
            lead.message_subscribe(partner_ids=user.partner_id.ids)
            lead.message_post(
                body=self.env._("Offer accepted by %s.", user.name),
                author_id=user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        self._channel_flush_as_sudo()
        return True

    def action_channel_decline(self, reason_id=False, comment=False):
        """The partner declines the offer, saying why; the next routing run re-offers it."""
        self._channel_check_partner_access(states=("offered",))
        reason = self.env["crm.channel.decline.reason"].browse(int(reason_id or 0)).exists()
        if not reason:
            raise UserError(self.env._("Choose why you decline this offer."))
        comment = (comment or "").strip()[:2000]
        user = self.env.user
        for lead in self.sudo():
            offer = lead.channel_offer_id
            if not offer or offer.state != "offered":
                raise UserError(self.env._("This offer is no longer open."))
            offer.flush_recordset()
            if not lead._channel_claim_offer(offer, "declined"):
                raise UserError(self.env._("This offer is no longer open."))
            now = fields.Datetime.now()
            offer.invalidate_recordset(["state"])
            offer.write(
                {
                    "state": "declined",
                    "date_answered": now,
                    "answered_by_id": user.id,
                    "decline_reason_id": reason.id,
                    "decline_comment": comment,
                }
            )
            message = Markup("<p>%s</p>") % self.env._(
                "Offer declined by %(user)s (%(partner)s): %(reason)s",
                user=user.name,
                partner=offer.partner_id.name,
                reason=reason.name,
            )
            if comment:
                message += Markup("<p>%s</p>") % comment
            lead.message_post(body=message, subtype_xmlid="mail.mt_note")
            lead._channel_release(offer.partner_id)
        self._channel_flush_as_sudo()
        return True

    def _channel_claim_offer(self, offer, state, before=None):
        """Move an open offer to ``state`` in one conditional UPDATE, the row locked without
        waiting: of concurrent callers exactly one gets True. A caller that finds the row locked
        or changed since its transaction began gets False instead of a database error."""
        deadline = SQL("AND date_deadline > %s", before) if before else SQL()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """SELECT id FROM crm_channel_offer
                            WHERE id = %s AND state = 'offered' %s
                              FOR UPDATE NOWAIT""",
                        offer.id,
                        deadline,
                    ),
                    log_exceptions=False,
                )
                if not self.env.cr.fetchall():
                    return False
                self.env.cr.execute(
                    SQL("UPDATE crm_channel_offer SET state = %s WHERE id = %s", state, offer.id)
                )
        except (errors.LockNotAvailable, errors.SerializationFailure):
            _logger.info("Offer %s is being answered by someone else", offer.id)
            return False
        return True

    def _channel_release(self, partners):
        """Take leads back from partners (declined, expired, withdrawn): they lose access, are
        never offered the lead again, and the next routing run re-offers it."""
        people = (
            self.env["res.partner"]
            .sudo()
            .search([("id", "child_of", partners.commercial_partner_id.ids)])
        )
        self.sudo().message_unsubscribe(partner_ids=people.ids)
        self.sudo().write(
            {
                "partner_assigned_id": False,
                "channel_user_id": False,
                "channel_state": "queued",
                "partner_declined_ids": [(4, partner.id) for partner in partners],
            }
        )

    def action_channel_withdraw(self):
        """Vendor: withdraw the current offer and route the lead again."""
        self._channel_check_vendor()
        for lead in self:
            offer = lead.channel_offer_id
            if offer.state != "offered":
                raise UserError(self.env._("Lead %s has no open offer to withdraw.", lead.name))
            offer.sudo().write({"state": "cancelled", "date_answered": fields.Datetime.now()})
            lead._channel_release(offer.partner_id)
        return True

    def action_channel_route(self):
        """Vendor: offer the selected leads to partners now."""
        self._channel_check_vendor()
        leads = self.filtered(lambda lead: lead.channel_state in (False, "queued", "no_partner"))
        if not leads:
            raise UserError(
                self.env._("These leads are already offered to or worked by a partner.")
            )
        leads._channel_route()
        return True

    def _channel_check_vendor(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(self.env._("Only the vendor's salespeople can do this."))
        self.check_access("write")

    # ------------------------------------------------------------
    # Working the deal in the portal
    # ------------------------------------------------------------

    def action_channel_set_stage(self, stage_id):
        return self.write({"stage_id": int(stage_id)})

    def action_channel_update(self, values):
        """The portal's edit form: expected revenue, expected closing, priority."""
        allowed = {"expected_revenue", "date_deadline", "priority"}
        unknown = set(values) - allowed
        if unknown:
            raise AccessError(self.env._("Partners cannot change: %s.", ", ".join(sorted(unknown))))
        return self.write(dict(values))

    def action_channel_post_note(self, body):
        """A partner's note on the deal's thread, which the vendor follows."""
        self._channel_check_partner_access()
        text = (body or "").strip()
        if not text:
            raise UserError(self.env._("Write something before posting."))
        if len(text) > 10000:
            raise UserError(self.env._("A note is limited to 10,000 characters."))
        self.ensure_one()
        return (
            self.sudo()
            .message_post(
                body=text,
                author_id=self.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            .id
        )

    def action_channel_schedule_activity(self, activity_type_id, summary, date_deadline):
        """A partner plans its next step on the deal; the vendor sees it in the activities."""
        self._channel_check_partner_access()
        self.ensure_one()
        activity_type = self.env["mail.activity.type"].sudo().browse(int(activity_type_id or 0))
        if not activity_type.exists() or activity_type.res_model not in (False, "crm.lead"):
            raise UserError(self.env._("Choose the kind of activity to plan."))
        try:
            deadline = fields.Date.to_date(date_deadline)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("The activity date must be a date.")) from error
        if not deadline:
            raise UserError(self.env._("Give the date of the activity."))
        if deadline < fields.Date.context_today(self) - timedelta(days=1):
            raise UserError(self.env._("The activity date cannot be in the past."))
        activity = (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.id,
                    "user_id": self.env.user.id,
                    "activity_type_id": activity_type.id,
                    "summary": (summary or "").strip()[:200] or activity_type.name,
                    "date_deadline": deadline,
                }
            )
        )
        self._channel_flush_as_sudo()
        return activity.id

    def action_channel_activity_done(self, activity_id):
        self._channel_check_partner_access()
        self.ensure_one()
        activity = self.env["mail.activity"].sudo().browse(int(activity_id or 0)).exists()
        if not activity or activity.res_model != "crm.lead" or activity.res_id != self.id:
            raise AccessError(self.env._("This activity is not on this deal."))
        if activity.user_id != self.env.user:
            raise AccessError(self.env._("You can only close your own activities."))
        activity.action_feedback(feedback=self.env._("Done in the partner portal."))
        self._channel_flush_as_sudo()
        return True

    def _channel_portal_activities(self):
        """The caller's own open activities on the deal (partners cannot read activities)."""
        self.ensure_one()
        return self.sudo().activity_ids.filtered(lambda activity: activity.user_id == self.env.user)

    def action_channel_assign_salesperson(self, user_id):
        """A partner manager hands a deal to a salesperson of its company."""
        self._channel_check_partner_access(states=("offered", "accepted"))
        if not self.env.user.partner_id._channel_is_manager():
            raise AccessError(self.env._("Only your partner manager can reassign deals."))
        user = self.env["res.users"].sudo().browse(int(user_id or 0)).exists()
        if (
            not user
            or not user.share
            or user.commercial_partner_id != self.env.user.commercial_partner_id
        ):
            raise AccessError(self.env._("Choose a colleague of your company."))
        self.sudo().write({"channel_user_id": user.id})
        self._channel_flush_as_sudo()
        return True

    # ------------------------------------------------------------
    # Stock portal methods: the holes, closed
    # ------------------------------------------------------------

    def partner_interested(self, comment=False):
        if not self.env.user.share or self.env.su:
            return super().partner_interested(comment=comment)
        self.action_channel_accept()
        if comment:
            self.action_channel_post_note(comment)
        return True

    def partner_desinterested(self, comment=False, contacted=False, spam=False):
        if not self.env.user.share or self.env.su:
            return super().partner_desinterested(comment=comment, contacted=contacted, spam=spam)
        reason = self.env.ref(
            "crm_partner_channel.decline_reason_other", raise_if_not_found=False
        ) or self.env["crm.channel.decline.reason"].search([], limit=1)
        return self.action_channel_decline(reason.id, comment)

    def update_lead_portal(self, values):
        if not self.env.user.share or self.env.su:
            return super().update_lead_portal(values)
        self._channel_check_partner_access()
        update = {
            key: values[key]
            for key in ("expected_revenue", "date_deadline", "priority")
            if key in values
        }
        self.action_channel_update(update)
        if values.get("activity_date_deadline"):
            for lead in self:
                lead.action_channel_schedule_activity(
                    values.get("activity_type_id"),
                    values.get("activity_summary"),
                    values["activity_date_deadline"],
                )
        return True

    def update_contact_details_from_portal(self, values):
        if not self.env.user.share or self.env.su:
            return super().update_contact_details_from_portal(values)
        self._channel_check_partner_access()
        if self - self._channel_contact_visible_leads():
            raise AccessError(self.env._("You cannot see or change this contact's details."))
        return super().update_contact_details_from_portal(values)

    @api.model
    def create_opp_portal(self, values):
        if self.env.user.share and not self.env.su:
            raise AccessError(
                self.env._("Register your deals on the Deal Registration page of your portal.")
            )
        return super().create_opp_portal(values)

    def _channel_vendor_only(self):
        if self.env.user.share and not self.env.su:
            raise AccessError(self.env._("Only the vendor assigns leads to partners."))

    def assign_partner(self, partner_id=False):
        self._channel_vendor_only()
        return super().assign_partner(partner_id=partner_id)

    def action_assign_partner(self):
        self._channel_vendor_only()
        return super().action_assign_partner()

    def search_geo_partner(self):
        self._channel_vendor_only()
        return super().search_geo_partner()

    def assign_geo_localize(self, latitude=False, longitude=False):
        self._channel_vendor_only()
        return super().assign_geo_localize(latitude=latitude, longitude=longitude)

    def assign_salesman_of_assigned_partner(self):
        self._channel_vendor_only()
        return super().assign_salesman_of_assigned_partner()

    def _get_access_action(self, access_uid=None, force_website=False):
        action = super()._get_access_action(access_uid=access_uid, force_website=force_website)
        if action.get("type") == "ir.actions.act_url" and self.type == "lead":
            action["url"] = f"/my/lead/{self.id}"
        return action

    # ------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------

    def _channel_route(self):
        """Offer each lead of ``self`` to one partner, in one batch: partners, tiers, open offers
        and rules are loaded once, the choice is made in memory, and decisions, offers and lead
        updates are written in bulk. Returns the decisions."""
        leads = self.sudo().filtered(lambda lead: lead.active and lead.probability < 100)
        if not leads:
            return self.env["crm.channel.routing.decision"]
        router = self.env["crm.lead"]._channel_router(leads.company_id)
        now = fields.Datetime.now()
        category_paths = leads._channel_category_paths()
        decisions_vals, offers_vals, offered, unrouted = [], [], defaultdict(list), []
        for lead in leads:
            data = {
                "company_id": lead.company_id.id,
                "country_id": lead.country_id.id,
                "state_id": lead.state_id.id,
                "zip": lead.zip,
                "industry_id": lead.channel_industry_id.id,
                "category_paths": category_paths.get(lead.id, ()),
                "expected_revenue": lead.expected_revenue,
                "declined": set(lead.partner_declined_ids.ids),
            }
            choice = router.choose(data)
            decisions_vals.append(
                {
                    "lead_id": lead.id,
                    "date": now,
                    "partner_id": choice["partner_id"],
                    "grade_id": choice["grade_id"],
                    "outcome": choice["outcome"],
                    "candidate_count": choice["candidate_count"],
                    "explanation": choice["explanation"],
                }
            )
            if choice["partner_id"]:
                offered[choice["partner_id"]].append(lead.id)
                offers_vals.append(
                    {
                        "lead_id": lead.id,
                        "partner_id": choice["partner_id"],
                        "grade_id": choice["grade_id"],
                        "state": "offered",
                        "date_offered": now,
                        "date_deadline": now + timedelta(hours=choice["hours"]),
                    }
                )
            else:
                unrouted.append(lead.id)
        decisions = self.env["crm.channel.routing.decision"].sudo().create(decisions_vals)
        for values, decision in zip(offers_vals, decisions.filtered("partner_id"), strict=True):
            values["decision_id"] = decision.id
        self.env["crm.channel.offer"].sudo().create(offers_vals)
        quiet = leads.with_context(tracking_disable=True, mail_notrack=True, channel_routing=True)
        for partner_id, lead_ids in offered.items():
            quiet.browse(lead_ids).write(
                {
                    "partner_assigned_id": partner_id,
                    "channel_state": "offered",
                    "channel_user_id": False,
                }
            )
        if unrouted:
            values = {"channel_state": "no_partner", "partner_assigned_id": False}
            tag = self.env.ref(
                "website_crm_partner_assign.tag_portal_lead_partner_unavailable",
                raise_if_not_found=False,
            )
            if tag:
                values["tag_ids"] = [(4, tag.id)]
            quiet.browse(unrouted).write(values)
        router.save()
        return decisions

    def _channel_category_paths(self):
        """{lead id: parent paths of the categories of its products of interest}."""
        paths = {}
        for lead in self:
            categories = lead.channel_product_ids.categ_id
            if categories:
                paths[lead.id] = tuple(categories.mapped("parent_path"))
        return paths

    @api.model
    def _channel_router(self, companies):
        return ChannelRouter(self.env, companies)

    # ------------------------------------------------------------
    # Scheduled work
    # ------------------------------------------------------------

    @api.model
    def _cron_channel_process_offers(self, batch_size=500):
        """Expire the offers past their deadline, then re-offer the leads waiting for routing
        (declined, expired, new), a bounded batch per run; rows are claimed with SKIP LOCKED so
        several workers never take the same one."""
        now = fields.Datetime.now()
        expired_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT id FROM crm_channel_offer
                        WHERE state = 'offered' AND date_deadline <= %s
                     ORDER BY date_deadline, id LIMIT %s
                   FOR UPDATE SKIP LOCKED""",
                    now,
                    batch_size,
                )
            )
        ]
        expired = self.env["crm.channel.offer"].sudo().browse(expired_ids)
        if expired:
            expired.write({"state": "expired"})
            for offer in expired:
                if offer.lead_id.channel_offer_id == offer:
                    offer.lead_id.message_post(
                        body=self.env._(
                            "Offer to %s expired without an answer.", offer.partner_id.name
                        ),
                        subtype_xmlid="mail.mt_note",
                    )
                    offer.lead_id._channel_release(offer.partner_id)
        self.env.flush_all()
        queued_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT id FROM crm_lead
                        WHERE channel_state = 'queued' AND active
                     ORDER BY id LIMIT %s
                   FOR UPDATE SKIP LOCKED""",
                    batch_size,
                )
            )
        ]
        queued = self.sudo().browse(queued_ids)
        if queued:
            queued._channel_route()
        remaining = self.sudo().search_count([("channel_state", "=", "queued")]) + self.env[
            "crm.channel.offer"
        ].sudo().search_count([("state", "=", "offered"), ("date_deadline", "<=", now)])
        self.env["ir.cron"]._notify_progress(
            done=len(expired_ids) + len(queued_ids), remaining=remaining
        )
        return True

    @api.model
    def _cron_channel_notify_partners(self, batch_size=200):
        """One email per partner company listing its new offers, instead of one per lead."""
        offers = (
            self.env["crm.channel.offer"]
            .sudo()
            .search(
                [("state", "=", "offered"), ("notified", "=", False)],
                order="partner_id, id",
                limit=batch_size,
            )
        )
        template = self.env.ref(
            "crm_partner_channel.mail_template_channel_new_offers", raise_if_not_found=False
        )
        by_partner = defaultdict(lambda: self.env["crm.channel.offer"])
        for offer in offers:
            by_partner[offer.partner_id] |= offer
        for partner, partner_offers in by_partner.items():
            recipients = partner._channel_offer_recipients()
            if template and recipients:
                template.with_context(channel_offers=partner_offers).send_mail(
                    partner.id,
                    email_values={"recipient_ids": [(6, 0, recipients.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
        offers.write({"notified": True})
        return True
