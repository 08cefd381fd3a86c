from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmSlotFinderWizard(models.TransientModel):
    _name = "crm.slot.finder.wizard"
    _description = "Find a Meeting Slot"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        domain="[('share', '=', False)]",
        default=lambda self: self.env.user,
    )
    duration = fields.Integer("Duration (minutes)", default=30, required=True)
    days = fields.Integer("Search Over (days)", default=14, required=True)
    customer_tz = fields.Selection(related="lead_id.customer_tz")
    user_tz = fields.Selection(related="user_id.tz", string="Salesperson Time Zone")
    line_ids = fields.One2many("crm.slot.finder.wizard.line", "wizard_id", string="Free Slots")

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards._fill_slots()
        return wizards

    def action_refresh(self):
        self._fill_slots()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _fill_slots(self):
        for wizard in self:
            lead = wizard.lead_id
            if not lead.customer_tz:
                raise UserError(
                    _(
                        "The customer's time zone is not known. Set it on the opportunity "
                        "(ask the customer) before looking for a slot."
                    )
                )
            if not 5 <= wizard.duration <= 8 * 60 or not 1 <= wizard.days <= 60:
                raise UserError(
                    _("Pick a duration of 5 minutes to 8 hours and a search of 1 to 60 days.")
                )
            slots = self.env["crm.slot.finder"]._find_slots(
                wizard.user_id,
                lead.country_id or lead.partner_id.country_id,
                lead.customer_tz,
                days=wizard.days,
                duration=wizard.duration,
                limit=200,
            )
            wizard.line_ids = [(5, 0, 0)] + [
                (0, 0, {"start": slot["start"], "stop": slot["stop"]}) for slot in slots
            ]
