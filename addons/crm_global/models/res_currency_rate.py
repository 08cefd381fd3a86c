from odoo import api, models


class ResCurrencyRate(models.Model):
    _inherit = "res.currency.rate"

    @api.model_create_multi
    def create(self, vals_list):
        rates = super().create(vals_list)
        rates._crm_global_rates_changed()
        return rates

    def write(self, vals):
        currencies = self.currency_id
        res = super().write(vals)
        (self.currency_id | currencies)._crm_global_rates_changed_for()
        return res

    def unlink(self):
        currencies = self.currency_id
        res = super().unlink()
        currencies._crm_global_rates_changed_for()
        return res

    def _crm_global_rates_changed(self):
        self.currency_id._crm_global_rates_changed_for()
