from odoo import api, fields, models

from .crm_channel_registration import MATCH_TYPES


class CrmChannelRegistrationConflict(models.Model):
    """A known record that a deal registration matches. Internal: it names other partners'
    deals and customers, which a partner must never see."""

    _name = "crm.channel.registration.conflict"
    _description = "Deal Registration Conflict"
    _order = "registration_id, id"

    registration_id = fields.Many2one(
        "crm.channel.registration",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="registration_id.company_id", store=True)
    match_type = fields.Selection(MATCH_TYPES, string="Matches On", required=True)
    lead_id = fields.Many2one("crm.lead", string="Lead or Opportunity", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", ondelete="cascade")
    other_registration_id = fields.Many2one("crm.channel.registration", ondelete="cascade")
    other_partner_id = fields.Many2one(
        "res.partner",
        compute="_compute_other_partner_id",
        help="The channel partner already working the matched deal, if any.",
    )

    @api.depends("lead_id.partner_assigned_id", "other_registration_id.partner_id")
    def _compute_other_partner_id(self):
        for conflict in self:
            conflict.other_partner_id = (
                conflict.lead_id.partner_assigned_id or conflict.other_registration_id.partner_id
            )
