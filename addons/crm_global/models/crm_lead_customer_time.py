from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import tz as tz_tools
from .res_partner import TZ_CONFIDENCES, TZ_SOURCES


class CrmLead(models.Model):
    """Customer time: the customer's zone and local time, slots and booking links."""

    _inherit = "crm.lead"

    # Customer's clock
    customer_tz = fields.Selection(
        _tz_get,
        string="Customer Time Zone",
        compute="_compute_customer_tz",
        inverse="_inverse_customer_tz",
        help="The customer's time zone, inferred when the contact has none; setting it here sets "
        "it on the contact.",
    )
    customer_tz_source = fields.Selection(
        TZ_SOURCES, string="Customer Time Zone Source", compute="_compute_customer_tz"
    )
    customer_tz_confidence = fields.Selection(
        TZ_CONFIDENCES, string="Customer Time Zone Confidence", compute="_compute_customer_tz"
    )
    customer_tz_candidates = fields.Char(
        "Customer's Possible Time Zones", compute="_compute_customer_tz"
    )
    customer_local_time = fields.Char(compute="_compute_customer_local_time")
    booking_link_ids = fields.One2many("crm.booking.link", "lead_id", string="Booking Links")

    @api.depends(
        "partner_id.crm_tz",
        "partner_id.crm_tz_source",
        "partner_id.crm_tz_confidence",
        "partner_id.crm_tz_candidates",
        "state_id",
        "country_id",
        "phone",
        "mobile",
    )
    def _compute_customer_tz(self):
        for lead in self:
            info = lead._crm_customer_tz_info()
            lead.update(
                {
                    "customer_tz": info["tz"],
                    "customer_tz_source": info["source"],
                    "customer_tz_confidence": info["confidence"],
                    "customer_tz_candidates": ", ".join(info["candidates"]) or False,
                }
            )

    def _crm_customer_tz_info(self):
        """The customer's time zone: the contact's (set or inferred), else inferred from what
        the lead itself knows (state, country, phone)."""
        self.ensure_one()
        partner = self.partner_id
        if partner and partner.crm_tz_source not in (False, "ambiguous", "unknown"):
            return {
                "tz": partner.crm_tz,
                "source": partner.crm_tz_source,
                "confidence": partner.crm_tz_confidence,
                "candidates": [],
            }
        return self.env["res.partner"]._crm_infer_tz(
            state=self.state_id or partner.state_id,
            country=self.country_id or partner.country_id,
            phones=(self.phone, self.mobile, partner.phone, partner.mobile),
        )

    def _inverse_customer_tz(self):
        """Setting the zone here is a person setting the contact's zone. A form sends back the
        inferred zone it showed: that confirms nothing and is not written."""
        for lead in self:
            if not lead.partner_id or not lead.customer_tz:
                continue
            info = lead._crm_customer_tz_info()
            if info["tz"] == lead.customer_tz and info["source"] not in ("partner", "browser"):
                continue
            if lead.partner_id.tz != lead.customer_tz or not lead.partner_id.crm_tz_origin:
                lead.partner_id.tz = lead.customer_tz

    @api.depends("customer_tz")
    @api.depends_context("lang")
    def _compute_customer_local_time(self):
        now = fields.Datetime.now()
        for lead in self:
            if not lead.customer_tz:
                lead.customer_local_time = False
                continue
            local = tz_tools.utc_to_local(now, lead.customer_tz)
            lead.customer_local_time = "%s (%s, %s)" % (
                format_datetime(self.env, now, tz=lead.customer_tz, dt_format="EEEE HH:mm"),
                lead.customer_tz,
                tz_tools.utc_offset_label(local),
            )

    def action_crm_send_booking_link(self):
        """Email the customer a signed link to book a meeting with the salesperson."""
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(
                self.env._("Set a customer with an email address before sending a booking link.")
            )
        if not self.customer_tz:
            raise UserError(
                self.env._(
                    "The customer's time zone is not known: set it on the opportunity first, so "
                    "that the times offered are right for them."
                )
            )
        # the new link replaces the ones sent before: one live link, one booking
        self.booking_link_ids.filtered(lambda link: link.state == "open").action_revoke()
        link = self.env["crm.booking.link"].create(
            {
                "lead_id": self.id,
                "partner_id": self.partner_id.id,
                "user_id": (self.user_id or self.env.user).id,
            }
        )
        template = self.env.ref("crm_global.mail_template_booking_link")
        template.send_mail(link.id, email_layout_xmlid="mail.mail_notification_light")
        self.message_post(
            body=self.env._(
                "Booking link sent to %(customer)s, valid until %(expiry)s.",
                customer=self.partner_id.name,
                expiry=format_datetime(self.env, link.expiry),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return link

    def action_crm_find_slots(self):
        self.ensure_one()
        wizard = self.env["crm.slot.finder.wizard"].create(
            {"lead_id": self.id, "user_id": (self.user_id or self.env.user).id}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Find a Meeting Slot"),
            "res_model": "crm.slot.finder.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }
