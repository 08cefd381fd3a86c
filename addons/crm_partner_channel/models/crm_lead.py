import logging
import re
from datetime import timedelta

from babel.dates import format_timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import babel_locale_parse

from .. import matching

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
        "channel_offer_time_left",
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
# Set by the channel's own code only (offers, registrations, routing, release): see
# crm.lead._channel_check_own_fields.
CHANNEL_OWN_FIELDS = ("channel_state", "channel_user_id")
MAX_PORTAL_AMOUNT = 10**12
# Context keys that would let a change go untracked: a partner's change is always tracked.
UNTRACKED_CONTEXT_KEYS = (
    "tracking_disable",
    "mail_notrack",
    "mail_create_nolog",
    "mail_notify_noemail",
)
_DIGITS = re.compile(r"\D")


def channel_int(value):
    """An id from a portal form: a bad one (text, empty, negative) is 0, which matches no
    record, so that the caller answers with a message instead of a server error."""
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # every field a partner writes is tracked (see _channel_portal_write_fields)
    date_deadline = fields.Date(tracking=True)
    priority = fields.Selection(tracking=True)
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
    channel_offer_time_left = fields.Char(
        "Time Left to Answer", compute="_compute_channel_offer_time_left", compute_sudo=True
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

    channel_name_key = fields.Char(
        "Customer Name Key",
        compute="_compute_channel_name_key",
        store=True,
        index="btree_not_null",
        help="The customer's company name as deal registration compares it.",
    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("partner_name")
    def _compute_channel_name_key(self):
        for lead in self:
            lead.channel_name_key = matching.name_key(lead.partner_name) or False

    @api.depends("channel_offer_id.date_deadline", "channel_state")
    @api.depends_context("lang")
    def _compute_channel_offer_time_left(self):
        now = fields.Datetime.now()
        locale = babel_locale_parse(self.env.lang or "en_US")
        for lead in self:
            deadline = lead.channel_offer_id.date_deadline
            if lead.channel_state != "offered" or not deadline:
                lead.channel_offer_time_left = False
            elif deadline <= now:
                lead.channel_offer_time_left = self.env._("expired")
            else:
                lead.channel_offer_time_left = self.env._(
                    "%s left",
                    format_timedelta(deadline - now, threshold=1.5, locale=locale),
                )

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

    def _channel_check_partner_access(self, states=("accepted",)):
        """The caller is a portal user of the partner company the leads are with (a partner
        salesperson: on its own leads or on offers nobody took), and the leads are in one of
        ``states``. Raises AccessError otherwise, so every public method can start with it."""
        user = self.env.user
        if not user.share or self.env.su:
            raise AccessError(self.env._("Only the partner's portal users can do this."))
        # read access and the explicit checks below: never the portal's write access on leads,
        # which later 18.0 releases removed
        self.check_access("read")
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

    @api.model_create_multi
    def create(self, vals_list):
        """A lead created with a partner already assigned (import, RPC, a ``default_*`` context
        key, an ir.default, a copy) is offered to it like a lead assigned by hand afterwards (see
        write): whatever the path, a reseller gets a lead through an offer with its deadline."""
        if not self._channel_assigns_itself():
            for vals in vals_list:
                if any(vals.get(name) for name in CHANNEL_OWN_FIELDS):
                    raise UserError(self._channel_own_fields_message())
        leads = super().create(vals_list)
        if not self._channel_assigns_itself():
            leads._channel_offer_assigned()
        return leads

    @api.model
    def default_get(self, fields_list):
        """No default channel state or partner salesperson (a ``default_*`` context key, an
        ir.default): only the channel's own code sets them (see _channel_check_own_fields)."""
        defaults = super().default_get(fields_list)
        if not self._channel_assigns_itself():
            for name in CHANNEL_OWN_FIELDS:
                defaults.pop(name, None)
        return defaults

    def _channel_own_fields_message(self):
        return self.env._(
            "The channel state of a lead is set by its offers and registrations, not by hand."
        )

    def _channel_check_own_fields(self, vals):
        """The channel state and the partner salesperson of a lead change through the channel's
        own code only (an offer accepted, a registration approved, the routing, a release),
        which runs as superuser with the ``channel_routing`` key: any other write (RPC, a form,
        an import, a bridge writing as superuser) that would change them is refused, whoever
        the caller. Writing the value a lead already has (an import or an RPC call resending
        it) changes nothing and is let through."""
        names = [name for name in CHANNEL_OWN_FIELDS if name in vals]
        if not names or self._channel_assigns_itself():
            return
        for lead in self.sudo():
            for name in names:
                current = lead[name].id if name == "channel_user_id" else lead[name]
                if (vals[name] or False) != (current or False):
                    raise UserError(self._channel_own_fields_message())

    def _channel_assigns_itself(self):
        """Whether the caller is the channel's own code, which sets the partner, the offer and
        the channel state together (routing, manual offers, registrations). Only trusted code
        runs as superuser: a ``channel_routing`` key in the context of an RPC call (which never
        runs as superuser) does not skip the offer."""
        return bool(self.env.context.get("channel_routing")) and self.env.su

    def _channel_offer_assigned(self):
        """Offer each lead of ``self`` to its assigned partner, as a manual assignment."""
        by_partner = {}
        for lead in self.sudo().filtered("partner_assigned_id"):
            by_partner.setdefault(lead.partner_assigned_id, self.browse())
            by_partner[lead.partner_assigned_id] |= self.browse(lead.id)
        for partner, leads in by_partner.items():
            leads._channel_offer_manually(partner)

    def write(self, vals):
        if self._channel_is_portal_env():
            # a partner's change, always tracked whatever the context says; written with a
            # narrow sudo (tracking reads fields partners cannot read)
            leads = self.with_context(**dict.fromkeys(UNTRACKED_CONTEXT_KEYS, False))
            values = leads._channel_check_partner_write(vals)
            amount = values.pop("expected_revenue", None)
            if values:
                super(CrmLead, leads.sudo()).write(values)
            if amount is not None:
                leads._channel_partner_set_expected_revenue(amount)
            leads._channel_flush_as_sudo()
            return True
        self._channel_check_own_fields(vals)
        reassigned = self.browse()
        if vals.get("partner_assigned_id") and not self._channel_assigns_itself():
            reassigned = self.filtered(
                lambda lead: lead.partner_assigned_id.id != vals["partner_assigned_id"]
            )
        previous = {}
        if "partner_assigned_id" in vals:
            previous = {
                lead.id: lead.partner_assigned_id.commercial_partner_id
                for lead in self.sudo()
                if lead.partner_assigned_id
            }
        restored = self.browse()
        if vals.get("active") and not self._channel_assigns_itself():
            restored = self.filtered(lambda lead: not lead.active)
        result = super().write(vals)
        if previous:
            self._channel_unsubscribe_previous_partners(previous)
        if reassigned:
            partner = self.env["res.partner"].browse(vals["partner_assigned_id"])
            reassigned._channel_offer_manually(partner)
        if restored:
            restored._channel_offer_restored()
        return result

    def _channel_offer_restored(self):
        """Leads made active again (unarchived, a lost lead restored or won, by a button, a
        toggle or an RPC write: every path writes ``active``) that are assigned to a partner
        which does not hold them are offered to it, as a manual assignment. An archived lead is
        never offered: assigned while archived, it waits without an offer (see
        _channel_offer_manually) until it is restored. The partner holds a lead when it accepted
        it (a lost deal restored stays its deal), or when its offer is still open (the cron
        expires it at its deadline)."""

        def held(lead):
            if lead.channel_state == "accepted":
                return True
            offer = lead.channel_offer_id
            return (
                lead.channel_state == "offered"
                and offer.state == "offered"
                and offer.partner_id == lead.partner_assigned_id.commercial_partner_id
            )

        self.browse(
            [
                lead.id
                for lead in self.sudo()
                if lead.active and lead.partner_assigned_id and not held(lead)
            ]
        )._channel_offer_assigned()

    def _channel_check_partner_write(self, vals):
        """A partner's change of its deals: whitelisted fields, its own accepted and still open
        deals, checked values. Returns the values to write."""
        self.check_field_access_rights("write", list(vals))
        self._channel_check_partner_access()
        self._channel_check_open_deals()
        return self._channel_validate_portal_values(vals)

    def _channel_unsubscribe_previous_partners(self, previous):
        """A deal that leaves a partner company (reassigned by hand, by a registration, by
        routing, or released) takes that company's people off its followers: they get no
        further notification, and the next partner does not read their notes (the vendor
        keeps them; see _channel_message_hidden_for)."""
        for lead in self.sudo():
            company = previous.get(lead.id)
            if not company or lead.partner_assigned_id.commercial_partner_id == company:
                continue
            people = lead.message_partner_ids.filtered(
                lambda partner, company=company: partner.commercial_partner_id == company
            )
            if people:
                lead.message_unsubscribe(partner_ids=people.ids)

    def _channel_check_open_deals(self):
        """Partners work open deals only: won and lost are the vendor's, and so are the stage and
        the revenue of a closed deal."""
        for lead in self.sudo():
            if not lead.active or lead.stage_id.is_won or lead.probability >= 100:
                raise UserError(
                    self.env._(
                        "Deal %s is closed: the vendor decides on won and lost deals.", lead.name
                    )
                )

    def _channel_flush_as_sudo(self):
        """Recompute what a partner's action changed now, as superuser: a recompute left for
        later would run as the partner and read fields it may not read."""
        self.sudo().env.flush_all()

    def _channel_validate_portal_values(self, vals):
        values = dict(vals)
        if "stage_id" in values:
            stage = self.env["crm.stage"].sudo().browse(channel_int(values["stage_id"])).exists()
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
