from odoo import fields, models

from odoo.addons.crm_gdpr.models.mail_mail import GDPR_FAILURE_TYPES


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    failure_type = fields.Selection(selection_add=GDPR_FAILURE_TYPES)
