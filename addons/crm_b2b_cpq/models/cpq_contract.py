from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CpqContract(models.Model):
    """A customer contract: negotiated prices for one commercial partner, valid between two
    dates. While valid, its prices take precedence over the quotation's pricelist."""

    _name = "cpq.contract"
    _description = "Customer Price Contract"
    _inherit = "mail.thread"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Contract Reference", required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
        check_company=True,
        help="The commercial partner (company) the prices are agreed with; they apply to all its "
        "contacts.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(
        "res.currency",
        string="Contract Currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )
    date_start = fields.Date(string="Valid From", required=True, tracking=True)
    date_end = fields.Date(string="Valid Until", tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    note = fields.Html(string="Terms")
    line_ids = fields.One2many("cpq.contract.line", "contract_id", string="Prices", copy=True)
    line_count = fields.Integer(compute="_compute_line_count", string="Number of Prices")
    validity = fields.Selection(
        [("future", "Not yet valid"), ("valid", "Valid"), ("expired", "Expired")],
        compute="_compute_validity",
    )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s ends before it starts: fix its validity dates.",
                        name=contract.name,
                    )
                )

    @api.constrains("partner_id")
    def _check_commercial_partner(self):
        for contract in self:
            if contract.partner_id != contract.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Contract %(name)s: choose the company %(company)s, not one of its "
                        "contacts; the prices apply to all its contacts.",
                        name=contract.name,
                        company=contract.partner_id.commercial_partner_id.display_name,
                    )
                )

    @api.depends("line_ids")
    def _compute_line_count(self):
        for contract in self:
            contract.line_count = len(contract.line_ids)

    @api.depends("date_start", "date_end")
    def _compute_validity(self):
        today = fields.Date.context_today(self)
        for contract in self:
            if contract.date_start and contract.date_start > today:
                contract.validity = "future"
            elif contract.date_end and contract.date_end < today:
                contract.validity = "expired"
            else:
                contract.validity = "valid"
