from odoo import fields, models


class CrmChannelDeclineReason(models.Model):
    _name = "crm.channel.decline.reason"
    _description = "Offer Decline Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
