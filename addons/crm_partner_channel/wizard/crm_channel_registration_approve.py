from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.crm_channel_registration import CONFLICT_DECISIONS


class CrmChannelRegistrationApprove(models.TransientModel):
    """Approving a registration that matches known companies: the vendor says what to do with
    the match (give the existing opportunity, merge the registration into it, or create a new
    one anyway, saying why). Never a silent duplicate."""

    _name = "crm.channel.registration.approve"
    _description = "Approve a Deal Registration in Conflict"

    registration_id = fields.Many2one("crm.channel.registration", required=True, readonly=True)
    conflict_lead_ids = fields.Many2many(
        "crm.lead", compute="_compute_conflict_lead_ids", string="Matching Opportunities"
    )
    decision = fields.Selection(CONFLICT_DECISIONS, required=True, default="attach")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Existing Opportunity",
        domain="[('id', 'in', conflict_lead_ids)]",
    )
    reason = fields.Text(help="Why a new opportunity, although the customer looks known.")

    @api.depends("registration_id")
    def _compute_conflict_lead_ids(self):
        for wizard in self:
            wizard.conflict_lead_ids = wizard.registration_id.conflict_ids.lead_id

    @api.onchange("decision")
    def _onchange_decision(self):
        if self.decision != "create" and not self.lead_id and len(self.conflict_lead_ids) == 1:
            self.lead_id = self.conflict_lead_ids

    def action_confirm(self):
        self.ensure_one()
        if self.decision in ("attach", "merge") and not self.lead_id:
            raise UserError(self.env._("Choose the existing opportunity."))
        self.registration_id._channel_approve(self.decision, self.lead_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
