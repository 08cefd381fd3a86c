from odoo import api, fields, models


class CrmGlobalCompanyAmounts(models.AbstractModel):
    """Totals of amounts that are each in their own company's currency, and of amounts in
    each record's own (deal) currency.

    - Company-currency amounts (``_crm_company_amount_fields``): with several companies of
      different currencies selected at once, each company's part of a sum is converted into the
      current company's currency at today's rate (a company whose rate is missing is left out,
      never added at 1.0); grouped by company, each keeps its own currency.
    - Amounts in a per-record currency (``_crm_own_currency_amount_fields``: {field: currency
      field}) are never added across currencies: a group mixing currencies gets no sum (None),
      whoever asks (list, pivot, graph, RPC). Their fields are declared without aggregator so
      that views do not offer them as measures.
    """

    _name = "crm.global.company.amounts"
    _description = "Totals in company currency"

    @api.model
    def _crm_company_amount_fields(self):
        return set()

    @api.model
    def _crm_own_currency_amount_fields(self):
        return {}

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        groupby, aggregates = tuple(groupby), tuple(aggregates)
        own = self._crm_own_currency_amount_fields()
        mixed = [
            index
            for index, spec in enumerate(aggregates)
            if spec.split(":")[0] in own
            and spec.split(":")[-1] in ("sum", "avg")
            and own[spec.split(":")[0]] not in groupby
        ]
        currency_specs = []
        if mixed:
            currency_specs = sorted(
                {f"{own[aggregates[index].split(':')[0]]}:count_distinct" for index in mixed}
            )
        result = super()._read_group(
            domain, groupby, aggregates + tuple(currency_specs), having, offset, limit, order
        )
        if mixed:
            width, count = len(groupby), len(aggregates)
            cleaned = []
            for row in result:
                row = list(row)
                counts = dict(zip(currency_specs, row[width + count :], strict=True))
                for index in mixed:
                    field = aggregates[index].split(":")[0]
                    if (counts[f"{own[field]}:count_distinct"] or 0) > 1:
                        row[width + index] = None  # no sum of different currencies
                cleaned.append(tuple(row[: width + count]))
            result = cleaned
        money_fields = self._crm_company_amount_fields()
        money = [
            index
            for index, spec in enumerate(aggregates)
            if spec.endswith(":sum") and spec.split(":")[0] in money_fields
        ]
        if (
            not money
            or not result
            or having
            or "company_id" in groupby
            or len(self.env.companies.currency_id) < 2
        ):
            return result
        detail = super()._read_group(
            domain, [*groupby, "company_id"], [aggregates[index] for index in money]
        )
        return self._crm_convert_company_amounts(result, detail, groupby, money)

    @api.model
    def _crm_convert_company_amounts(self, result, detail, groupby, money):
        """Replace the sums at positions `money` of `result` by the sum of each company's part
        (`detail`, grouped by company too) converted into the current company's currency."""
        target = self.env.company.currency_id
        root = self.env.company.root_id.id
        today = fields.Date.context_today(self)
        currencies = {row[len(groupby)].currency_id or target for row in detail}
        rates = self.env["res.currency"]._crm_global_rates(
            [(currency.id, root, today) for currency in currencies | {target}]
        )

        def factor(currency):
            if currency == target:
                return 1.0
            source, target_rate = rates[(currency.id, root, today)], rates[(target.id, root, today)]
            if not source[0] or not (target_rate[0] or not target_rate[2]):
                return 0.0  # no rate: left out
            return (target_rate[0] or 1.0) / source[0]

        converted = {}
        width = len(groupby)
        for row in detail:
            key, company, sums = row[:width], row[width], row[width + 1 :]
            ratio = factor(company.currency_id or target)
            totals = converted.setdefault(key, [0.0] * len(money))
            for position, amount in enumerate(sums):
                totals[position] += (amount or 0.0) * ratio
        new_result = []
        for row in result:
            row = list(row)
            totals = converted.get(tuple(row[:width]), [0.0] * len(money))
            for position, index in enumerate(money):
                row[width + index] = target.round(totals[position])
            new_result.append(tuple(row))
        return new_result
