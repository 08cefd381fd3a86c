from odoo.tools import SQL


def post_init_hook(env):
    """Existing opportunities were entered in their company's currency: keep their amounts.

    Installing makes ``expected_revenue`` derived from ``deal_amount``; without this, the first
    recomputation would erase every amount entered before the install. Only opportunities from
    before the install are concerned (no deal amount yet): those created while installing, such
    as the demo's deals in ILS, AED or JPY, keep their deal currency and amount.
    """
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET deal_amount = l.expected_revenue,
                   deal_currency_id = COALESCE(c.currency_id, %s),
                   deal_rate = 1.0, deal_rate_source = 'same', deal_rate_missing = FALSE,
                   deal_rate_date = NULL, deal_valuation_date = NULL
              FROM crm_lead l2
         LEFT JOIN res_company c ON c.id = l2.company_id
             WHERE l2.id = l.id AND l.deal_amount IS NULL
            """,
            env.company.currency_id.id,
        )
    )
    env.invalidate_all()
