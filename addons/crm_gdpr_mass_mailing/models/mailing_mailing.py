from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.crm_gdpr.models.mail_mail import GDPR_FAILURE_TYPES, PEOPLE_MODELS


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    gdpr_purpose_id = fields.Many2one(
        "crm.gdpr.purpose",
        string="Purpose",
        compute="_compute_gdpr_purpose_id",
        store=True,
        readonly=False,
        ondelete="restrict",
        help="Why these people are mailed. Recipients without a valid consent for this purpose "
        "(or who objected, under another lawful basis) are skipped, with the reason on their "
        "trace.",
    )
    gdpr_purpose_required = fields.Boolean(compute="_compute_gdpr_purpose_required")
    gdpr_skipped_count = fields.Integer(
        string="Skipped for Consent", compute="_compute_gdpr_skipped_count"
    )

    @api.depends("mailing_model_real")
    def _compute_gdpr_purpose_id(self):
        default = self.env["crm.gdpr.purpose"]._get_mailing_default()
        for mailing in self:
            if not mailing.gdpr_purpose_id and mailing.mailing_model_real in PEOPLE_MODELS:
                mailing.gdpr_purpose_id = default

    @api.depends("mailing_model_real")
    def _compute_gdpr_purpose_required(self):
        for mailing in self:
            mailing.gdpr_purpose_required = mailing.mailing_model_real in PEOPLE_MODELS

    def _compute_gdpr_skipped_count(self):
        counts = dict(
            self.env["mailing.trace"]._read_group(
                [
                    ("mass_mailing_id", "in", self.ids),
                    ("failure_type", "in", [code for code, _label in GDPR_FAILURE_TYPES]),
                ],
                ["mass_mailing_id"],
                ["__count"],
            )
        )
        for mailing in self:
            mailing.gdpr_skipped_count = counts.get(mailing, 0)

    def _check_gdpr_purpose(self):
        for mailing in self:
            if (
                mailing.mailing_type == "mail"
                and mailing.gdpr_purpose_required
                and not (mailing.gdpr_purpose_id)
            ):
                raise UserError(
                    self.env._(
                        "Choose the purpose of the mailing %s: only people who consented to it "
                        "will receive it.",
                        mailing.subject or mailing.name,
                    )
                )

    def action_put_in_queue(self):
        self._check_gdpr_purpose()
        return super().action_put_in_queue()

    def _action_send_mail(self, res_ids=None):
        self._check_gdpr_purpose()
        return super()._action_send_mail(res_ids=res_ids)

    def _gdpr_recipient_denials(self, res_ids, model=None):
        """{res_id: denial reason} for the recipients of this mailing who may not get it."""
        self.ensure_one()
        if not self.gdpr_purpose_id or self.mailing_type != "mail" or not res_ids:
            return {}
        targets = self.env[model or self.mailing_model_real].browse(res_ids)
        return self.env["crm.gdpr.consent"]._gdpr_denials(
            targets, purpose=self.gdpr_purpose_id, channel="email"
        )

    def action_view_gdpr_skipped(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Skipped for Consent"),
            "res_model": "mailing.trace",
            "view_mode": "list,form",
            "domain": [
                ("mass_mailing_id", "=", self.id),
                ("failure_type", "in", [code for code, _label in GDPR_FAILURE_TYPES]),
            ],
        }
