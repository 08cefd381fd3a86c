from odoo import fields, models
from odoo.tools.sql import column_exists, create_column


class CrmMailingSchedule(models.Model):
    """When the mails of a mailing sent in local time leave: one row per zone and send time
    (UTC) with the ids of its recipients (``res_ids``, an integer array of records of the
    mailing's model). Written in one INSERT ... SELECT for all recipients when the mailing is
    put in the queue (and for recipients who join it later, by the queue's job); read by the
    queue's job to send only the mails whose time has come. A recipient's mail is sent when
    a mailing trace exists for them."""

    _name = "crm.mailing.schedule"
    _description = "Mailing Send Time of a Zone"
    _order = "send_at, id"
    _log_access = False

    mailing_id = fields.Many2one(
        "mailing.mailing", required=True, ondelete="cascade", index=True, readonly=True
    )
    tz = fields.Char("Time Zone", readonly=True, help="The zone the send time is computed in.")
    tz_fallback = fields.Boolean(
        "Zone Unknown",
        readonly=True,
        help="The recipients' zone is unknown: the mailing's fallback zone was used.",
    )
    send_at = fields.Datetime(
        "Leaves At",
        readonly=True,
        help="Empty when the recipients have no open day at that time in the mailing's dates.",
    )
    recipient_count = fields.Integer("Recipients", readonly=True)

    def _auto_init(self):
        res = super()._auto_init()
        if not column_exists(self.env.cr, self._table, "res_ids"):
            create_column(self.env.cr, self._table, "res_ids", "int4[]", "Recipient record ids")
        return res
