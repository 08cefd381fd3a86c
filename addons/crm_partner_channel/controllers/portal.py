from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.website_crm_partner_assign.controllers.main import WebsiteAccount

from ..models.crm_channel_registration import SEARCH_PRODUCTS_LIMIT, RegistrationInputError

REGISTRATION_FIELDS = (
    "customer_name",
    "contact_name",
    "email",
    "vat",
    "phone",
    "country_id",
    "expected_revenue",
    "date_close_expected",
    "note",
)


def _read_only(controller):
    """Read-only pages of ours that override a route of stock declared read/write: Odoo keeps
    an override from turning a read/write parent route read-only with ``readonly=True`` (it
    warns and keeps the route read/write), but lets a callable decide."""
    return True


class ChannelPortal(WebsiteAccount):
    """Partner portal of the channel. Each route checks access, calls one model method and
    renders; the model methods check ownership again, whatever calls them."""

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _channel_lead(self, lead_id):
        """The lead, as the portal user, after an explicit read check (AccessError: 403)."""
        lead = request.env["crm.lead"].browse(int(lead_id))
        if not lead.sudo().exists():
            raise NotFound()
        lead.check_access("read")
        return lead

    def _channel_values(self, **values):
        return {**self._prepare_portal_layout_values(), **values}

    def get_domain_my_lead(self, user):
        return [
            ("partner_assigned_id", "child_of", user.commercial_partner_id.id),
            ("channel_state", "=", "offered"),
        ]

    def get_domain_my_opp(self, user):
        return [
            ("partner_assigned_id", "child_of", user.commercial_partner_id.id),
            ("type", "=", "opportunity"),
            ("channel_state", "!=", "offered"),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "channel_registration_count" in counters:
            Registration = request.env["crm.channel.registration"]
            values["channel_registration_count"] = (
                Registration.search_count([]) if Registration.has_access("read") else 0
            )
        return values

    # ------------------------------------------------------------
    # Offers
    # ------------------------------------------------------------

    @http.route(readonly=_read_only)
    def portal_my_leads(self, page=1, date_begin=None, date_end=None, sortby=None, **kw):
        """The offers list, read-only: it searches the partner's open offers and renders them,
        writes nothing and does not call stock's page, so a read-only replica can serve it."""
        return self._channel_render_offers()

    @http.route()
    def portal_my_lead(self, lead, **kw):
        lead = self._channel_lead(lead.id)
        if lead.channel_state not in ("offered", False) and lead.type == "opportunity":
            return request.redirect(self._channel_deal_url(lead))
        return self._channel_render_offer(lead)

    def _channel_deal_url(self, lead):
        """The deal's page at its canonical address (/my/opportunity/<name>-<id>): the address
        with the bare id answers a redirect to it, one more round trip for nothing."""
        return f"/my/opportunity/{request.env['ir.http']._slug(lead)}"

    def _channel_offer_or_gone(self, lead_id):
        """The offer to answer, or, when the partner lost a race (the vendor withdrew it, it
        expired, a colleague took it), the list of offers saying it is no longer open."""
        try:
            return self._channel_lead(lead_id), None
        except AccessError:
            if not request.env["crm.lead"]._channel_offer_was_ours([lead_id]):
                raise
        return None, self._channel_render_offers(
            error=request.env._("This offer is no longer open.")
        )

    def _channel_offer_lost(self, lead):
        """When a partner manager (who may still read the lead) answers an offer a colleague
        accepted meanwhile, the model refuses it as any change at that step; the partner lost a
        race, and is told so, as a salesperson is by _channel_offer_or_gone. None otherwise."""
        request.env.cr.rollback()
        if lead.sudo().channel_state == "offered" or not request.env[
            "crm.lead"
        ]._channel_offer_was_ours(lead.ids):
            return None
        return self._channel_render_offers(error=request.env._("This offer is no longer open."))

    def _channel_render_offers(self, error=None):
        offers = request.env["crm.lead"].search(
            self.get_domain_my_lead(request.env.user), order="id desc", limit=200
        )
        return request.render(
            "crm_partner_channel.portal_my_offers",
            self._channel_values(leads=offers, page_name="lead", error=error),
        )

    def _channel_render_offer(self, lead, error=None):
        reasons = request.env["crm.channel.decline.reason"].search([])
        return request.render(
            "crm_partner_channel.portal_my_offer",
            self._channel_values(lead=lead, reasons=reasons, error=error, page_name="lead"),
        )

    @http.route(
        "/my/lead/<int:lead_id>/accept", type="http", auth="user", methods=["POST"], website=True
    )
    def portal_channel_accept(self, lead_id, **kw):
        lead, gone = self._channel_offer_or_gone(lead_id)
        if gone:
            return gone
        try:
            lead.action_channel_accept()
        except AccessError:
            lost = self._channel_offer_lost(lead)
            if not lost:
                raise
            return lost
        except UserError as error:
            request.env.cr.rollback()
            return self._channel_render_offer(lead, error=error.args[0])
        return request.redirect(self._channel_deal_url(lead))

    @http.route(
        "/my/lead/<int:lead_id>/decline", type="http", auth="user", methods=["POST"], website=True
    )
    def portal_channel_decline(self, lead_id, reason_id=None, comment=None, **kw):
        lead, gone = self._channel_offer_or_gone(lead_id)
        if gone:
            return gone
        try:
            lead.action_channel_decline(reason_id, comment)
        except AccessError:
            lost = self._channel_offer_lost(lead)
            if not lost:
                raise
            return lost
        except UserError as error:
            request.env.cr.rollback()
            return self._channel_render_offer(lead, error=error.args[0])
        return request.redirect("/my/leads")

    # ------------------------------------------------------------
    # Deals
    # ------------------------------------------------------------

    @http.route()
    def portal_my_opportunities(
        self, page=1, date_begin=None, date_end=None, sortby=None, filterby=None, **kw
    ):
        deals = request.env["crm.lead"].search(
            self.get_domain_my_opp(request.env.user), order="id desc", limit=200
        )
        return request.render(
            "crm_partner_channel.portal_my_deals",
            self._channel_values(opportunities=deals, page_name="opportunity"),
        )

    @http.route()
    def portal_my_opportunity(self, opp, **kw):
        return self._channel_render_deal(self._channel_lead(opp.id))

    def _channel_render_deal(self, lead, error=None):
        stages = request.env["crm.stage"].search(
            [
                ("is_won", "=", False),
                "|",
                ("team_id", "=", False),
                ("team_id", "=", lead.sudo().team_id.id),
            ]
        )
        user = request.env.user
        colleagues = request.env["res.users"]
        if user.partner_id._channel_is_manager():
            colleagues = (
                request.env["res.users"]
                .sudo()
                .search(
                    [
                        ("partner_id", "child_of", user.commercial_partner_id.id),
                        ("share", "=", True),
                    ]
                )
            )
        activity_types = (
            request.env["mail.activity.type"]
            .sudo()
            .search([("res_model", "in", (False, "crm.lead"))])
        )
        return request.render(
            "crm_partner_channel.portal_my_deal",
            self._channel_values(
                opportunity=lead,
                stages=stages,
                activities=lead._channel_portal_activities()
                if lead.channel_state == "accepted"
                else [],
                activity_types=activity_types,
                colleagues=colleagues,
                error=error,
                page_name="opportunity",
            ),
        )

    def _channel_deal_action(self, lead_id, method, *args):
        lead = self._channel_lead(lead_id)
        try:
            getattr(lead, method)(*args)
        except AccessError:
            raise
        except UserError as error:
            request.env.cr.rollback()
            return self._channel_render_deal(lead, error=error.args[0])
        return request.redirect(self._channel_deal_url(lead))

    @http.route(
        "/my/opportunity/<int:lead_id>/stage",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_stage(self, lead_id, stage_id=None, **kw):
        return self._channel_deal_action(lead_id, "action_channel_set_stage", stage_id)

    @http.route(
        "/my/opportunity/<int:lead_id>/update",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_update(self, lead_id, **post):
        values = {
            key: post[key]
            for key in ("expected_revenue", "date_deadline", "priority")
            if key in post
        }
        return self._channel_deal_action(lead_id, "action_channel_update", values)

    @http.route(
        "/my/opportunity/<int:lead_id>/note",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_note(self, lead_id, body=None, **kw):
        return self._channel_deal_action(lead_id, "action_channel_post_note", body)

    @http.route(
        "/my/opportunity/<int:lead_id>/activity",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_activity(
        self, lead_id, activity_type_id=None, summary=None, date_deadline=None, **kw
    ):
        return self._channel_deal_action(
            lead_id, "action_channel_schedule_activity", activity_type_id, summary, date_deadline
        )

    @http.route(
        "/my/opportunity/<int:lead_id>/activity/<int:activity_id>/done",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_activity_done(self, lead_id, activity_id, **kw):
        return self._channel_deal_action(lead_id, "action_channel_activity_done", activity_id)

    @http.route(
        "/my/opportunity/<int:lead_id>/assign",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_channel_assign(self, lead_id, user_id=None, **kw):
        return self._channel_deal_action(lead_id, "action_channel_assign_salesperson", user_id)

    # ------------------------------------------------------------
    # Deal registration
    # ------------------------------------------------------------

    @http.route("/my/channel/registrations", type="http", auth="user", website=True)
    def portal_channel_registrations(self, **kw):
        registrations = request.env["crm.channel.registration"].search([], limit=200)
        return request.render(
            "crm_partner_channel.portal_channel_registrations",
            self._channel_values(registrations=registrations, page_name="channel_registrations"),
        )

    @http.route(
        "/my/channel/registration/<int:registration_id>", type="http", auth="user", website=True
    )
    def portal_channel_registration(self, registration_id, **kw):
        registration = request.env["crm.channel.registration"].browse(registration_id)
        if not registration.sudo().exists():
            raise NotFound()
        registration.check_access("read")
        return request.render(
            "crm_partner_channel.portal_channel_registration",
            self._channel_values(registration=registration, page_name="channel_registration"),
        )

    def _channel_render_register(self, values=None, errors=None):
        Registration = request.env["crm.channel.registration"]
        Registration._channel_registrant()  # AccessError (403) for anyone else
        values = values or {}
        # the products chosen before an error, shown again (only those open to partners);
        # the others are found with the search as the partner types (/my/channel/products)
        products = Registration._channel_chosen_products(values.get("product_ids") or [])
        countries = request.env["res.country"].sudo().search([])
        return request.render(
            "crm_partner_channel.portal_channel_register",
            self._channel_values(
                form=values,
                errors=errors or {},
                products=products,
                countries=countries,
                page_name="channel_register",
            ),
        )

    @http.route(
        "/my/channel/products",
        type="json",
        auth="user",
        methods=["POST"],
        website=True,
        readonly=True,
    )
    def portal_channel_products(self, term="", limit=None, **kw):
        """Products of interest matching what the partner types (name or internal reference),
        for the registration form's search; the same access decision as the form."""
        Registration = request.env["crm.channel.registration"]
        return {
            "products": Registration._channel_search_products(term, limit or SEARCH_PRODUCTS_LIMIT)
        }

    @http.route("/my/channel/register", type="http", auth="user", methods=["GET"], website=True)
    def portal_channel_register_form(self, **kw):
        return self._channel_render_register()

    @http.route("/my/channel/register", type="http", auth="user", methods=["POST"], website=True)
    def portal_channel_register(self, **post):
        values = {key: post.get(key) for key in REGISTRATION_FIELDS}
        values["product_ids"] = request.httprequest.form.getlist("product_ids")
        try:
            registration = request.env["crm.channel.registration"].action_channel_register(values)
        except RegistrationInputError as error:
            request.env.cr.rollback()
            return self._channel_render_register(values, error.errors)
        return request.redirect(f"/my/channel/registration/{registration.id}")

    # ------------------------------------------------------------
    # Scorecard
    # ------------------------------------------------------------

    @http.route("/my/channel/scorecard", type="http", auth="user", website=True)
    def portal_channel_scorecard(self, **kw):
        scorecard = request.env["crm.channel.scorecard"]._channel_portal_scorecard()
        return request.render(
            "crm_partner_channel.portal_channel_scorecard",
            self._channel_values(scorecard=scorecard, page_name="channel_scorecard"),
        )
