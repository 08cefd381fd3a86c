from odoo import api, fields, models


class CrmGdprPersonMixin(models.AbstractModel):
    """Shows, on records holding a person (leads, contacts), who the person is for privacy
    purposes and what they consented to."""

    _name = "crm.gdpr.person.mixin"
    _description = "Privacy information of a record holding a person"

    gdpr_subject_id = fields.Many2one(
        "crm.gdpr.subject",
        string="Privacy Person",
        compute="_compute_gdpr_subject",
        compute_sudo=True,
    )
    gdpr_consent_ids = fields.Many2many(
        "crm.gdpr.consent",
        string="Consents",
        compute="_compute_gdpr_subject",
        compute_sudo=True,
    )

    @api.depends(lambda self: [f for f in ("email_normalized", "partner_id") if f in self._fields])
    def _compute_gdpr_subject(self):
        real = self.filtered("id")
        subjects = self.env["crm.gdpr.consent"]._subjects_by_target(real) if real else {}
        for record in self:
            subject = subjects.get(record.id) if record.id else None
            record.gdpr_subject_id = subject
            record.gdpr_consent_ids = subject.consent_ids if subject else False

    def _gdpr_allowed(self, purpose=None, channel="email"):
        """The records of `self` whose person's data may be processed for `purpose` on
        `channel` (a crm.gdpr.channel or its code: email, phone, sms, partner_sharing,
        profiling). A few queries whatever the size of `self`. This is the API other addons
        (e.g. the partner channel bridge) rely on; see crm.gdpr.consent._gdpr_denials."""
        return self.env["crm.gdpr.consent"]._gdpr_filter_allowed(
            self, purpose=purpose, channel=channel
        )

    def _gdpr_denials(self, purpose=None, channel="email"):
        """{record id: reason} for the records of `self` that may not be processed."""
        return self.env["crm.gdpr.consent"]._gdpr_denials(self, purpose=purpose, channel=channel)

    def action_gdpr_record_consent(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_gdpr.crm_gdpr_consent_record_action"
        )
        action["context"] = {"active_model": self._name, "active_id": self.id}
        return action
