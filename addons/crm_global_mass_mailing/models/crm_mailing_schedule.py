from odoo import fields, models
from odoo.tools import create_index


class CrmMailingSchedule(models.Model):
    """When one recipient's mail of a mailing sent in local time leaves (UTC). Written in one
    statement for all recipients when the mailing is put in the queue (and for recipients who
    join it later, by the queue's job); read by the queue's job to send only the mails whose
    instant has come. A recipient's mail is sent when a mailing trace exists for them."""

    _name = "crm.mailing.schedule"
    _description = "Mailing Send Time of a Recipient"
    _order = "send_at, id"
    _log_access = False

    mailing_id = fields.Many2one(
        "mailing.mailing", required=True, ondelete="cascade", index=True, readonly=True
    )
    res_id = fields.Integer("Record ID", required=True, readonly=True)
    tz = fields.Char("Time Zone", readonly=True, help="The zone the send time is computed in.")
    tz_fallback = fields.Boolean(
        "Zone Unknown",
        readonly=True,
        help="The recipient's zone is unknown: the mailing's fallback zone was used.",
    )
    country_id = fields.Many2one("res.country", readonly=True)
    send_at = fields.Datetime(
        "Leaves At",
        readonly=True,
        help="Empty when the recipient has no open day at that time in the mailing's dates.",
    )

    _sql_constraints = (
        (
            "mailing_res_unique",
            "unique(mailing_id, res_id)",
            "A recipient has one send time per mailing.",
        ),
    )

    def init(self):
        create_index(
            self.env.cr,
            "crm_mailing_schedule_mailing_send_at_index",
            self._table,
            ["mailing_id", "send_at"],
        )
