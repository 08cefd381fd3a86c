"""Benchmarks of crm_b2b_cpq: pricing a quote with tiers and contract prices, saving a new
quote, and comparing two versions.

Pricing, ours: every line of the quote priced again the way the ORM does when lines are saved
(batch recomputation of the unit price, discount and build-up), contract prices and tiers
included, then the approval re-check, then the save (flush).

Pricing, stock baseline: the same lines priced by stock Odoo's own implementations, called
through their classes so that none of our overrides runs: the rule of each line found as
`sale.order.line._compute_pricelist_item_id` does (one rule search per line), its price by the
stock `product.pricelist.item._compute_price`, adapted to taxes like `_compute_price_unit`,
then stock's dependent amounts and margins recomputed and saved. Our own stored fields are
protected from recomputation during the baseline, so it measures stock alone.
"""

from odoo import fields
from odoo.fields import Command

from odoo.addons.crm_b2b_cpq.models.sale_order_line import BUILD_UP_FIELDS, CPQ_PRICING_FIELDS
from odoo.addons.product.models.product_pricelist_item import PricelistItem as StockPricelistItem

from tests.benchmarks.harness import benchmark

TIER_MODES = ("volume", "graduated", "block")
# Our stored fields on the order that the baseline must leave alone.
ORDER_FIELDS = ("cpq_max_discount", "cpq_status")


def _catalog(env, size):
    """`size` products, a pricelist whose rule for each product has quantity tiers (the three
    modes in turn), and a customer with a valid contract price for one product in four."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
    company = env.company
    products = env["product.product"].create(
        [
            {
                "name": f"Bench part {index:04d}",
                "list_price": 50.0 + index,
                "standard_price": 20.0 + index / 2,
                "taxes_id": [Command.clear()],
            }
            for index in range(size)
        ]
    )
    pricelist = env["product.pricelist"].create(
        {"name": "Bench tiers", "currency_id": company.currency_id.id}
    )
    items = []
    for index, product in enumerate(products):
        mode = TIER_MODES[index % 3]
        items.append(
            {
                "pricelist_id": pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": product.id,
                "compute_price": "percentage",
                "percent_price": 5.0,
                "cpq_tier_mode": mode,
                "cpq_block_size": 5.0,
                "cpq_tier_ids": [
                    Command.create(
                        {"min_quantity": 10, "compute_price": "percentage", "percent_discount": 5}
                    ),
                    Command.create(
                        {"min_quantity": 50, "compute_price": "percentage", "percent_discount": 12}
                    ),
                ],
            }
        )
    env["product.pricelist.item"].create(items)
    customer = env["res.partner"].create({"name": "Bench Logistics AG", "is_company": True})
    env["cpq.contract"].create(
        {
            "name": "Bench framework agreement",
            "partner_id": customer.id,
            "date_start": fields.Date.subtract(fields.Date.today(), days=30),
            "line_ids": [
                Command.create(
                    {
                        "product_tmpl_id": product.product_tmpl_id.id,
                        "price": product.list_price * 0.8,
                    }
                )
                for product in products[::4]
            ],
        }
    )
    team = env["crm.team"].create({"name": "Bench team"})
    env["cpq.discount.policy"].create(
        {
            "name": "Bench policy",
            "team_id": team.id,
            "max_discount": 15.0,
            "min_margin": 10.0,
            "approver_ids": [Command.set(env.user.ids)],
        }
    )
    return products, pricelist, customer, team


def _line_values(products):
    # Quantities around and across the tiers (9, 10, 11, 49, 50, 51...).
    quantities = (9, 10, 11, 49, 50, 51, 3, 120)
    return [
        {"product_id": product.id, "product_uom_qty": quantities[index % len(quantities)]}
        for index, product in enumerate(products)
    ]


@benchmark(
    "cpq: price and save a quote with tiers and contract prices",
    sizes=(20, 200),
    baseline="stock pricing of the same lines",
)
class PriceQuote:
    def setup(self, env, size):
        products, pricelist, customer, team = _catalog(env, size)
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "pricelist_id": pricelist.id,
                "team_id": team.id,
                "order_line": [Command.create(values) for values in _line_values(products)],
            }
        )
        assert order.order_line.filtered(lambda line: line.cpq_price_source == "contract")
        assert order.order_line.filtered("cpq_tier_id")
        return order

    def run(self, env, order):
        lines = order.order_line
        lines.invalidate_recordset(["pricelist_item_id", "cpq_contract_line_id"])
        for fname in ("price_unit", "discount", *CPQ_PRICING_FIELDS):
            env.add_to_compute(lines._fields[fname], lines)
        order._cpq_after_change()

    def baseline(self, env, order):
        lines = order.order_line
        pricelist = order.pricelist_id
        assigned = [lines._fields[f] for f in ("pricelist_item_id", "price_unit", "discount")]
        ours = [lines._fields[f] for f in BUILD_UP_FIELDS]
        with (
            env.protecting(assigned + ours, lines),
            env.protecting([order._fields[f] for f in ORDER_FIELDS], order),
        ):
            for line in lines:
                # sale.order.line._compute_pricelist_item_id: one rule search per line.
                item = env["product.pricelist.item"].browse(
                    pricelist._get_product_rule(
                        line.product_id,
                        quantity=line.product_uom_qty or 1.0,
                        uom=line.product_uom,
                        date=order.date_order,
                    )
                )
                line.pricelist_item_id = item
                # _get_pricelist_price / _compute_price_unit, stock implementations.
                product = line.product_id.with_context(**line._get_product_price_context())
                price = StockPricelistItem._compute_price(
                    item,
                    product,
                    line.product_uom_qty or 1.0,
                    line.product_uom,
                    order.date_order,
                    currency=line.currency_id,
                )
                line.price_unit = product._get_tax_included_unit_price_from_price(
                    price,
                    product_taxes=product.taxes_id,
                    fiscal_position=order.fiscal_position_id,
                )
                line.discount = 0.0
            # What stock's writes of these fields recompute: amounts, margins, order totals.
            lines.modified(["price_unit", "discount"])
            lines.mapped("price_subtotal")
            order.amount_total  # noqa: B018  (forces the order totals like stock's write)

    def check(self, results):
        problems = []
        by_size = {result.size: result for result in results}
        small, large = by_size[20], by_size[200]
        if large.ours.queries > small.ours.queries:
            problems.append(
                f"query count grows with lines: {small.ours.queries} at 20, "
                f"{large.ours.queries} at 200"
            )
        for result in results:
            if result.ratio is not None and result.ratio > 1.3:
                problems.append(
                    f"{result.size} lines: {result.ratio:.2f}x stock's time (budget 1.3x)"
                )
        return problems


@benchmark(
    "cpq: save a new quote with tiers and contract prices",
    sizes=(20, 200),
    baseline="same quote, plain pricelist, no contract or policy",
)
class SaveNewQuote:
    """Saving a new quote costs stock Odoo queries per line (analytic distribution models are
    searched line by line). What CPQ adds on top must not grow with the lines."""

    def setup(self, env, size):
        products, pricelist, customer, team = _catalog(env, size)
        plain_pricelist = env["product.pricelist"].create(
            {"name": "Bench plain", "currency_id": env.company.currency_id.id}
        )
        plain_customer = env["res.partner"].create({"name": "Bench Plain SA", "is_company": True})
        plain_team = env["crm.team"].create({"name": "Bench plain team"})
        lines = [Command.create(values) for values in _line_values(products)]
        return {
            "cpq": {
                "partner_id": customer.id,
                "pricelist_id": pricelist.id,
                "team_id": team.id,
                "order_line": lines,
            },
            "plain": {
                "partner_id": plain_customer.id,
                "pricelist_id": plain_pricelist.id,
                "team_id": plain_team.id,
                "order_line": lines,
            },
        }

    def run(self, env, values):
        order = env["sale.order"].create(values["cpq"])
        assert order.order_line.filtered("cpq_tier_id")

    def baseline(self, env, values):
        env["sale.order"].create(values["plain"])

    def check(self, results):
        by_size = {result.size: result for result in results}
        small, large = by_size[20], by_size[200]
        extra_small = small.ours.queries - small.baseline.queries
        extra_large = large.ours.queries - large.baseline.queries
        if extra_large > extra_small:
            message = (
                f"saving a new quote: CPQ adds {extra_small} queries at 20 lines, "
                f"{extra_large} at 200"
            )
            return [message]
        return []


@benchmark("cpq: diff two versions of a quote", sizes=(20, 200))
class DiffVersions:
    def setup(self, env, size):
        products, pricelist, customer, team = _catalog(env, size)
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "pricelist_id": pricelist.id,
                "team_id": team.id,
                "order_line": [Command.create(values) for values in _line_values(products)],
            }
        )
        order.order_line.write({"discount": 0.0})
        order.sudo().write({"state": "sent"})
        revision = env["sale.order"].browse(order.action_cpq_new_revision()["res_id"])
        # A tenth of the lines changed, a twentieth removed, a few added.
        revision.order_line[::10].write({"product_uom_qty": 77})
        revision.order_line[5::20].unlink()
        revision.write(
            {"order_line": [Command.create(values) for values in _line_values(products[:3])]}
        )
        return order, revision

    def run(self, env, data):
        old, new = data
        diff = old._cpq_version_diff(new)
        assert diff["added"] and diff["removed"] and diff["changed"]

    def check(self, results):
        problems = [
            f"diff of two {r.size}-line versions took {r.ours.seconds:.2f} s (budget 1 s)"
            for r in results
            if r.ours.seconds >= 1.0
        ]
        by_size = {result.size: result for result in results}
        if by_size[200].ours.queries > by_size[20].ours.queries:
            problems.append("the diff's query count grows with lines")
        return problems
