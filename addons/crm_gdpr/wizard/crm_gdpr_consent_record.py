from odoo import api, fields, models
from odoo.exceptions import UserError

RECORDABLE_SOURCES = [
    ("phone", "Phone Call"),
    ("in_person", "In Person or on Paper"),
    ("email", "Email from the Person"),
    ("backend", "Other"),
]


class CrmGdprConsentRecord(models.TransientModel):
    """A user records what a person said (on the phone, in person, by email): consent given or
    withdrawn for a purpose on some channels. Each change writes a receipt naming the user."""

    _name = "crm.gdpr.consent.record"
    _description = "Record a Consent"

    partner_id = fields.Many2one("res.partner", string="Contact")
    lead_id = fields.Many2one("crm.lead")
    subject_id = fields.Many2one("crm.gdpr.subject", string="Person")
    name = fields.Char()
    email = fields.Char()
    purpose_id = fields.Many2one("crm.gdpr.purpose", required=True)
    available_channel_ids = fields.Many2many(
        "crm.gdpr.channel", compute="_compute_available_channel_ids"
    )
    channel_ids = fields.Many2many(
        "crm.gdpr.channel",
        string="Channels",
        required=True,
        domain="[('id', 'in', available_channel_ids)]",
    )
    decision = fields.Selection(
        [("given", "Consent given"), ("withdrawn", "Consent withdrawn")],
        required=True,
        default="given",
    )
    source = fields.Selection(RECORDABLE_SOURCES, required=True, default="phone")
    note = fields.Text(
        string="What Was Said",
        help="Kept, encrypted, in the receipt as part of the proof.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        active_id = self.env.context.get("active_id")
        if model == "crm.lead" and active_id:
            lead = self.env["crm.lead"].browse(active_id)
            values.update(
                lead_id=lead.id,
                partner_id=lead.partner_id.id,
                email=lead.email_from,
                name=lead.contact_name or lead.partner_id.name or lead.name,
            )
        elif model == "res.partner" and active_id:
            partner = self.env["res.partner"].browse(active_id)
            values.update(partner_id=partner.id, email=partner.email, name=partner.name)
        elif model == "crm.gdpr.subject" and active_id:
            subject = self.env["crm.gdpr.subject"].browse(active_id)
            values.update(
                subject_id=subject.id,
                partner_id=subject.partner_id.id,
                email=subject.email,
                name=subject.name,
            )
        return values

    @api.depends("purpose_id")
    def _compute_available_channel_ids(self):
        for wizard in self:
            wizard.available_channel_ids = wizard.purpose_id.channel_ids

    @api.onchange("purpose_id")
    def _onchange_purpose_id(self):
        self.channel_ids = self.channel_ids & self.purpose_id.channel_ids

    def action_record(self):
        self.ensure_one()
        if self.source == "phone" and not self.note:
            raise UserError(
                self.env._("Write down what the person said on the phone: it is the proof.")
            )
        if self.channel_ids - self.purpose_id.channel_ids:
            raise UserError(
                self.env._("Choose only channels that the purpose %s uses.", self.purpose_id.name)
            )
        subject = self.subject_id or self.env["crm.gdpr.subject"]._find_or_create(
            partner=self.partner_id, email=self.email, name=self.name
        )
        if subject.erased:
            raise UserError(self.env._("This person's data was erased: no consent can be added."))
        self.env["crm.gdpr.subject"].browse(subject.id).check_access("write")
        origin = f"crm.lead,{self.lead_id.id}" if self.lead_id else False
        subject._set_consents(
            self.purpose_id,
            self.channel_ids,
            self.decision,
            source=self.source,
            note=self.note,
            origin=origin,
        )
        return {"type": "ir.actions.act_window_close"}
