from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_deal_rate_policy = fields.Selection(
        [
            ("closing_date", "Rate at the expected closing date"),
            ("today", "Rate of the day"),
        ],
        string="Open Deal Valuation",
        default="closing_date",
        required=True,
        help="Which rate converts an open opportunity's amount into the company currency. "
        "Without an expected closing date the rate of the day is used. A won opportunity "
        "always keeps the rate of the day it was won.",
    )

    crm_contact_window_policy = fields.Selection(
        [
            ("warn", "Warn"),
            ("block", "Block"),
        ],
        string="Outside Contact Window",
        default="warn",
        required=True,
        help="What happens when a call, meeting or activity is planned for a customer outside "
        "their business hours, on their weekend or on a public holiday of their country.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "crm_deal_rate_policy" in vals:
            # the valuation date of every open deal of these companies changes: re-value them
            self.env["crm.lead"]._crm_global_mark_for_revaluation(companies=self)
        return res
