from odoo import fields, models


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    gdpr_channel_id = fields.Many2one(
        "crm.gdpr.channel",
        string="Contacts the Person By",
        help="Activities of this type contact the person on this channel for the purpose below: "
        "scheduling one for someone without consent shows a warning.",
    )
    gdpr_purpose_id = fields.Many2one("crm.gdpr.purpose", string="For the Purpose")
