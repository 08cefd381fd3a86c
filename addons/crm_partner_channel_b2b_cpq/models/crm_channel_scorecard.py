from odoo import fields, models
from odoo.tools import SQL, frozendict


class CrmChannelScorecard(models.Model):
    """The scorecard also counts the quotes a partner prepared: quoted (current versions and
    confirmed orders) and won (confirmed orders), untaxed, in the vendor company's currency."""

    _inherit = "crm.channel.scorecard"
    _depends = frozendict(
        {
            "sale.order": [
                "channel_partner_id",
                "company_id",
                "state",
                "amount_untaxed",
                "currency_rate",
            ],
        }
    )

    quote_count = fields.Integer("Quotes", readonly=True)
    quoted_amount = fields.Monetary(
        "Quoted",
        currency_field="currency_id",
        readonly=True,
        aggregator="sum",
        help="Untaxed amount of the partner's current quotes and confirmed orders.",
    )
    won_quote_amount = fields.Monetary(
        "Won (Quotes)",
        currency_field="currency_id",
        readonly=True,
        aggregator="sum",
        help="Untaxed amount of the partner's quotes the customers accepted.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT card.*,
                   coalesce(q.quote_count, 0) AS quote_count,
                   coalesce(q.quoted_amount, 0) AS quoted_amount,
                   coalesce(q.won_quote_amount, 0) AS won_quote_amount
              FROM (%s) card
         LEFT JOIN (
                SELECT so.channel_partner_id AS partner_id, so.company_id,
                       count(*) AS quote_count,
                       sum(so.amount_untaxed / coalesce(nullif(so.currency_rate, 0), 1.0))
                           AS quoted_amount,
                       sum(so.amount_untaxed / coalesce(nullif(so.currency_rate, 0), 1.0))
                           FILTER (WHERE so.state = 'sale') AS won_quote_amount
                  FROM sale_order so
                 WHERE so.channel_partner_id IS NOT NULL
                   AND so.state IN ('draft', 'sent', 'sale')
              GROUP BY so.channel_partner_id, so.company_id
            ) q ON q.partner_id = card.partner_id
               AND q.company_id IS NOT DISTINCT FROM card.company_id
            """,
            super()._table_query,
        )
