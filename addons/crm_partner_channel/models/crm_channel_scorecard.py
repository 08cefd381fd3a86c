from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, frozendict


class CrmChannelScorecard(models.Model):
    """Partner scorecard, one row per partner company and vendor company: speed and share of
    offers accepted in time, win rate, open pipeline, registrations. Medians and rates are
    computed per partner; grouped by tier, the pivot shows their average."""

    _name = "crm.channel.scorecard"
    _description = "Partner Scorecard"
    _auto = False
    _order = "partner_id"
    _depends = frozendict(
        {
            "crm.channel.offer": [
                "partner_id",
                "company_id",
                "state",
                "accepted_in_time",
                "hours_to_answer",
            ],
            "crm.lead": [
                "partner_assigned_id",
                "company_id",
                "active",
                "probability",
                "type",
                "expected_revenue",
                "stage_id",
                "channel_state",
            ],
            "crm.channel.registration": ["partner_id", "company_id", "state"],
            "res.partner": ["grade_id", "country_id", "commercial_partner_id"],
            "crm.stage": ["is_won"],
        }
    )

    partner_id = fields.Many2one("res.partner", readonly=True)
    grade_id = fields.Many2one("res.partner.grade", string="Tier", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    offer_count = fields.Integer("Offers", readonly=True)
    accepted_count = fields.Integer("Accepted", readonly=True)
    accepted_in_time_count = fields.Integer("Accepted in Time", readonly=True)
    declined_count = fields.Integer("Declined", readonly=True)
    expired_count = fields.Integer("Expired", readonly=True)
    acceptance_rate = fields.Float(
        "Accepted in Time (%)",
        readonly=True,
        aggregator="avg",
        help="Offers accepted before their deadline, among those answered or expired.",
    )
    median_hours_to_accept = fields.Float("Median Hours to Accept", readonly=True, aggregator="avg")
    won_count = fields.Integer("Won", readonly=True)
    lost_count = fields.Integer("Lost", readonly=True)
    win_rate = fields.Float(
        "Win Rate (%)", readonly=True, aggregator="avg", help="Won among won and lost deals."
    )
    pipeline = fields.Monetary(
        "Open Pipeline", currency_field="currency_id", readonly=True, aggregator="sum"
    )
    registration_count = fields.Integer("Registrations", readonly=True)
    approved_registration_count = fields.Integer("Approved Registrations", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            WITH offer_stats AS (
                SELECT o.partner_id, o.company_id,
                       count(*) AS offer_count,
                       count(*) FILTER (WHERE o.state = 'accepted') AS accepted_count,
                       count(*) FILTER (WHERE o.accepted_in_time) AS accepted_in_time_count,
                       count(*) FILTER (WHERE o.state = 'declined') AS declined_count,
                       count(*) FILTER (WHERE o.state = 'expired') AS expired_count,
                       count(*) FILTER (WHERE o.state IN ('accepted', 'declined', 'expired'))
                           AS decided_count,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY o.hours_to_answer)
                           FILTER (WHERE o.state = 'accepted') AS median_hours_to_accept
                  FROM crm_channel_offer o
              GROUP BY o.partner_id, o.company_id
            ),
            deal_stats AS (
                SELECT p.commercial_partner_id AS partner_id, l.company_id,
                       count(*) FILTER (WHERE l.active AND s.is_won) AS won_count,
                       count(*) FILTER (WHERE NOT l.active AND l.probability = 0) AS lost_count,
                       sum(l.expected_revenue) FILTER (
                           WHERE l.active AND l.type = 'opportunity'
                             AND NOT coalesce(s.is_won, FALSE)) AS pipeline
                  FROM crm_lead l
                  JOIN res_partner p ON p.id = l.partner_assigned_id
             LEFT JOIN crm_stage s ON s.id = l.stage_id
                 WHERE l.channel_state = 'accepted'
              GROUP BY p.commercial_partner_id, l.company_id
            ),
            registration_stats AS (
                SELECT r.partner_id, r.company_id,
                       count(*) AS registration_count,
                       count(*) FILTER (WHERE r.state IN ('approved', 'won', 'expired'))
                           AS approved_registration_count
                  FROM crm_channel_registration r
              GROUP BY r.partner_id, r.company_id
            ),
            keys AS (
                SELECT partner_id, company_id FROM offer_stats
                 UNION SELECT partner_id, company_id FROM deal_stats
                 UNION SELECT partner_id, company_id FROM registration_stats
            )
            SELECT k.partner_id::bigint * 100000 + coalesce(k.company_id, 0) AS id,
                   k.partner_id, k.company_id, p.grade_id, p.country_id,
                   c.currency_id,
                   coalesce(o.offer_count, 0) AS offer_count,
                   coalesce(o.accepted_count, 0) AS accepted_count,
                   coalesce(o.accepted_in_time_count, 0) AS accepted_in_time_count,
                   coalesce(o.declined_count, 0) AS declined_count,
                   coalesce(o.expired_count, 0) AS expired_count,
                   CASE WHEN coalesce(o.decided_count, 0) > 0
                        THEN 100.0 * o.accepted_in_time_count / o.decided_count END
                       AS acceptance_rate,
                   o.median_hours_to_accept,
                   coalesce(d.won_count, 0) AS won_count,
                   coalesce(d.lost_count, 0) AS lost_count,
                   CASE WHEN coalesce(d.won_count, 0) + coalesce(d.lost_count, 0) > 0
                        THEN 100.0 * d.won_count / (d.won_count + d.lost_count) END AS win_rate,
                   coalesce(d.pipeline, 0) AS pipeline,
                   coalesce(r.registration_count, 0) AS registration_count,
                   coalesce(r.approved_registration_count, 0) AS approved_registration_count
              FROM keys k
              JOIN res_partner p ON p.id = k.partner_id
         LEFT JOIN res_company c ON c.id = k.company_id
         LEFT JOIN offer_stats o
                ON o.partner_id = k.partner_id AND o.company_id IS NOT DISTINCT FROM k.company_id
         LEFT JOIN deal_stats d
                ON d.partner_id = k.partner_id AND d.company_id IS NOT DISTINCT FROM k.company_id
         LEFT JOIN registration_stats r
                ON r.partner_id = k.partner_id AND r.company_id IS NOT DISTINCT FROM k.company_id
            """
        )

    @api.model
    def _channel_portal_scorecard(self):
        """The scorecard of the caller's own partner company, for its portal page: figures per
        vendor company and the reasons of its declines. No other partner can be asked for."""
        user = self.env.user
        if not user.share or self.env.su:
            raise AccessError(self.env._("The scorecard page is for partners."))
        partner = user.commercial_partner_id
        rows = self.sudo().search([("partner_id", "=", partner.id)])
        reasons = (
            self.env["crm.channel.offer"]
            .sudo()
            ._read_group(
                [("partner_id", "=", partner.id), ("state", "=", "declined")],
                ["decline_reason_id"],
                ["__count"],
                order="__count desc",
            )
        )
        return {
            "partner": partner.sudo(),
            "rows": rows,
            "decline_reasons": [(reason.name, count) for reason, count in reasons],
        }
