from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    channel_fallback_partner_id = fields.Many2one(
        "res.partner",
        string="Fallback Partner",
        domain="[('grade_id', '!=', False), ('is_company', '=', True)]",
        help="Gets the leads that no partner passes the required routing rules for.",
    )
    channel_name_similarity = fields.Integer(
        "Company Name Similarity (%)",
        default=94,
        help="Deal registration: two long company names (12 letters or more once legal forms, "
        "accents and punctuation are left out) at least this similar are taken for the same "
        "company (a typo). Shorter names must be equal: Axon and Axion are two companies.",
    )

    @api.constrains("channel_name_similarity")
    def _check_channel_name_similarity(self):
        for company in self:
            if not 50 <= company.channel_name_similarity <= 100:
                raise ValidationError(
                    self.env._("The company name similarity must be between 50 and 100%.")
                )
