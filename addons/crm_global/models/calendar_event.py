from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    crm_window_warning = fields.Text(
        "Contact Window Warning",
        compute="_compute_crm_window_warning",
        help="Why this meeting falls outside a customer's business hours, weekend or public "
        "holidays.",
    )

    @api.depends("start", "stop", "allday", "partner_ids", "opportunity_id")
    @api.depends_context("lang")
    def _compute_crm_window_warning(self):
        for event in self:
            event.crm_window_warning = "\n".join(event._crm_window_problems()) or False

    def _crm_window_customers(self):
        """(name, country, time zone) of the customers this opportunity meeting is with: the
        opportunity's customer and every attendee who is not an internal user."""
        self.ensure_one()
        lead = self.opportunity_id
        if not lead and self.res_model == "crm.lead" and self.res_id:
            lead = self.env["crm.lead"].browse(self.res_id).exists()
        if not lead:
            return []
        customers = []
        partners = self.partner_ids.filtered(
            lambda partner: not partner.user_ids.filtered(lambda user: not user.share)
        )
        if lead.partner_id:
            partners |= lead.partner_id
        elif lead.country_id or lead.customer_tz:
            customers.append(
                (
                    lead.contact_name or lead.partner_name or lead.name,
                    lead.country_id,
                    lead.customer_tz,
                )
            )
        for partner in partners:
            customers.append((partner.display_name, partner.country_id, partner.crm_tz))
        return customers

    def _crm_window_problems(self):
        self.ensure_one()
        if not self.start or not self.stop:
            return []
        Window = self.env["crm.contact.window"].sudo()
        problems = []
        for name, country, tz_name in self._crm_window_customers():
            problems += Window._crm_check_time(
                country, tz_name, self.start, self.stop, name, allday=self.allday
            )
        return problems

    def _crm_window_policy(self):
        self.ensure_one()
        return (self.opportunity_id.company_id or self.env.company).crm_contact_window_policy

    @api.onchange("start", "stop", "allday", "partner_ids")
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
        for event in self:
            if event._crm_window_policy() != "block":
                continue
            problems = event._crm_window_problems()
            if problems:
                raise ValidationError(
                    _(
                        "This meeting cannot be planned at that time:\n%(problems)s\n"
                        "Pick a time within the customer's contact window (the slot finder on "
                        "the opportunity lists them).",
                        problems="\n".join(problems),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._crm_enforce_window()
        return events

    def write(self, vals):
        res = super().write(vals)
        if {"start", "stop", "allday", "partner_ids", "opportunity_id"} & set(vals):
            self._crm_enforce_window()
        return res
