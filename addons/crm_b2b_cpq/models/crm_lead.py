from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    cpq_committee_ids = fields.One2many(
        "cpq.committee.member", "lead_id", string="Buying Committee"
    )
    cpq_quoted_untaxed = fields.Monetary(
        string="Quoted (untaxed)",
        compute="_compute_cpq_quoted",
        currency_field="company_currency",
        help="Untaxed total of the current versions of the opportunity's quotations (superseded "
        "versions and cancelled quotations do not count), in the company's currency.",
    )
    cpq_quoted_total = fields.Monetary(
        string="Quoted (taxes included)",
        compute="_compute_cpq_quoted",
        currency_field="company_currency",
        help="Total, taxes included, of the current versions of the opportunity's quotations, "
        "in the company's currency.",
    )

    @api.depends(
        "order_ids.state",
        "order_ids.amount_untaxed",
        "order_ids.amount_total",
        "order_ids.currency_id",
        "order_ids.date_order",
    )
    def _compute_cpq_quoted(self):
        for lead in self:
            currency = lead.company_currency or self.env.company.currency_id
            untaxed = total = 0.0
            for order in lead.order_ids.filtered(lambda o: o.state in ("draft", "sent")):
                date = order.date_order or fields.Date.today()
                company = order.company_id or self.env.company
                untaxed += order.currency_id._convert(order.amount_untaxed, currency, company, date)
                total += order.currency_id._convert(order.amount_total, currency, company, date)
            lead.cpq_quoted_untaxed = untaxed
            lead.cpq_quoted_total = total
