from odoo import api, fields, models


class CrmSlotFinderWizardLine(models.TransientModel):
    _name = "crm.slot.finder.wizard.line"
    _description = "Free Meeting Slot"
    _order = "start"

    wizard_id = fields.Many2one("crm.slot.finder.wizard", required=True, ondelete="cascade")
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    user_time = fields.Char("Salesperson's Time", compute="_compute_labels")
    customer_time = fields.Char("Customer's Time", compute="_compute_labels")

    @api.depends("start", "wizard_id.user_id.tz", "wizard_id.lead_id.customer_tz")
    @api.depends_context("lang")
    def _compute_labels(self):
        finder = self.env["crm.slot.finder"]
        for line in self:
            user_tz = line.wizard_id.user_id.tz or "UTC"
            customer_tz = line.wizard_id.lead_id.customer_tz or "UTC"
            line.user_time = f"{finder._slot_label(line.start, user_tz)} ({user_tz})"
            line.customer_time = f"{finder._slot_label(line.start, customer_tz)} ({customer_tz})"

    def action_book(self):
        """Plan the meeting with the customer in this slot."""
        self.ensure_one()
        wizard = self.wizard_id
        lead = wizard.lead_id
        partners = wizard.user_id.partner_id | lead.partner_id
        event = self.env["calendar.event"].create(
            {
                "name": lead.name,
                "start": self.start,
                "stop": self.stop,
                "user_id": wizard.user_id.id,
                "opportunity_id": lead.id,
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": lead.id,
                "partner_ids": [(6, 0, partners.ids)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendar.event",
            "res_id": event.id,
            "view_mode": "form",
        }
