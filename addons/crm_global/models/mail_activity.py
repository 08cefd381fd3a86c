from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MailActivity(models.Model):
    _inherit = "mail.activity"

    crm_window_warning = fields.Text(
        "Contact Window Warning",
        compute="_compute_crm_window_warning",
        help="Why the due date is a weekend day or public holiday for the customer.",
    )

    @api.depends("date_deadline", "res_model", "res_id")
    @api.depends_context("lang")
    def _compute_crm_window_warning(self):
        for activity in self:
            activity.crm_window_warning = "\n".join(activity._crm_window_problems()) or False

    def _crm_window_problems(self):
        self.ensure_one()
        if self.res_model != "crm.lead" or not self.res_id or not self.date_deadline:
            return []
        lead = self.env["crm.lead"].browse(self.res_id).exists()
        if not lead:
            return []
        country = lead.country_id or lead.partner_id.country_id
        who = lead.partner_id.display_name or lead.contact_name or lead.partner_name or lead.name
        return (
            self.env["crm.contact.window"].sudo()._crm_check_day(country, self.date_deadline, who)
        )

    @api.onchange("date_deadline")
    def _onchange_crm_window(self):
        problems = self._crm_window_problems()
        if problems:
            return {
                "warning": {
                    "title": _("Outside the customer's contact window"),
                    "message": "\n".join(problems),
                }
            }

    def _crm_enforce_window(self):
        for activity in self.filtered(lambda activity: activity.res_model == "crm.lead"):
            lead = self.env["crm.lead"].browse(activity.res_id).exists()
            company = lead.company_id or self.env.company
            if company.crm_contact_window_policy != "block":
                continue
            problems = activity._crm_window_problems()
            if problems:
                raise ValidationError(
                    _(
                        "This activity cannot be due that day:\n%(problems)s\n"
                        "Pick a working day of the customer.",
                        problems="\n".join(problems),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._crm_enforce_window()
        return activities

    def write(self, vals):
        res = super().write(vals)
        if "date_deadline" in vals:
            self._crm_enforce_window()
        return res
