from odoo import api, models
from odoo.tools import SQL


class ResCurrency(models.Model):
    _inherit = "res.currency"

    @api.model
    def _crm_global_rates(self, keys):
        """Dated rates of many (currency id, root company id, date) keys in one query.

        Returns ``{key: (rate, rate_date, has_any_rate)}``: the latest rate of that currency on or
        before the date, for the company or shared by all companies, with the same preference
        as stock ``_get_rates`` (a company's own rate first), but without its silent 1.0: when no
        rate is dated on or before the date, ``rate`` and ``rate_date`` are None and
        ``has_any_rate`` says whether the currency has a rate at all for that company (a currency
        without any rate is the base of the rate table, as stock Odoo assumes).
        """
        keys = list(set(keys))
        if not keys:
            return {}
        self.env["res.currency.rate"].flush_model(["rate", "currency_id", "company_id", "name"])
        values = SQL(", ").join(
            SQL("(%s::int, %s::int, %s::date)", currency_id, company_id, date)
            for currency_id, company_id, date in keys
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT k.currency_id, k.company_id, k.day, r.rate, r.name,
                       EXISTS(SELECT 1 FROM res_currency_rate a
                               WHERE a.currency_id = k.currency_id
                                 AND (a.company_id IS NULL OR a.company_id = k.company_id))
                  FROM (VALUES %s) AS k(currency_id, company_id, day)
             LEFT JOIN LATERAL (
                    SELECT rate, name FROM res_currency_rate r
                     WHERE r.currency_id = k.currency_id AND r.name <= k.day
                       AND (r.company_id IS NULL OR r.company_id = k.company_id)
                  ORDER BY r.company_id, r.name DESC
                     LIMIT 1) r ON TRUE
                """,
                values,
            )
        )
        return {
            (currency_id, company_id, day): (rate, rate_date, has_any)
            for currency_id, company_id, day, rate, rate_date, has_any in rows
        }

    def _crm_global_rates_changed_for(self):
        """Rates of these currencies changed: open deals in them (or in companies using them)
        must be re-valued."""
        if self:
            self.env["crm.lead"].sudo()._crm_global_mark_for_revaluation(currencies=self)
