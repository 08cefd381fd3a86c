"""Partner channel x CPQ bridge: a reseller's 50-line quote priced and saved from the portal's
form, against the vendor's backend writing the same lines on the same kind of quotation.

Ours: ``sale.order._channel_quote_save`` as the reseller's portal user (the channel access
check, each value checked, the catalogue open to partners, then CPQ pricing, configuration and
policy judgement of the lines). Baseline: the vendor's salesperson writing the same lines
(``order_line`` create commands) on a quotation of the same deal: the same CPQ pricing and
judgement, without the portal's checks. Budget: within 1.3x of the backend at 50 lines.
"""

from odoo import Command

from tests.benchmarks.harness import benchmark


def _setup(env, size):
    company = env.company
    env["res.partner"].search([("grade_id", "!=", False)]).write({"grade_id": False})
    env["crm.channel.routing.rule"].search([]).write({"active": False})
    grade = env["res.partner.grade"].create(
        {"name": "Bench Quote Tier", "partner_weight": 10, "channel_reseller_discount": 15.0}
    )
    reseller = env["res.partner"].create(
        {"name": "Bench Resellers", "is_company": True, "grade_id": grade.id}
    )
    users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True)
    portal_user = users.create(
        {
            "login": "bench_reseller",
            "name": "Bench Reseller",
            "email": "bench@resellers.example.com",
            "groups_id": [Command.set(env.ref("base.group_portal").ids)],
        }
    )
    portal_user.partner_id.write({"parent_id": reseller.id, "channel_role": "manager"})
    vendor = users.create(
        {
            "login": "bench_vendor_rep",
            "name": "Bench Vendor Rep",
            "email": "rep@vendor.example.com",
            "groups_id": [Command.set(env.ref("sales_team.group_sale_salesman_all_leads").ids)],
        }
    )
    team = env["crm.team"].create({"name": "Bench Channel Team", "company_id": company.id})
    env["crm.team.member"].create({"crm_team_id": team.id, "user_id": vendor.id})
    env["cpq.discount.policy"].create(
        {"name": "Bench policy", "team_id": team.id, "max_discount": 10.0, "min_margin": 0.0}
    )
    customer = env["res.partner"].create({"name": "Bench Customer", "is_company": True})
    products = env["product.product"].create(
        [
            {
                "name": f"Bench part {index}",
                "list_price": 100.0 + index,
                "standard_price": 60.0,
                "channel_partner_ok": True,
            }
            for index in range(size)
        ]
    )
    lead = env["crm.lead"].create(
        {
            "name": "Bench deal",
            "type": "lead",
            "partner_id": customer.id,
            "user_id": vendor.id,
            "team_id": team.id,
        }
    )
    lead._channel_offer_manually(reseller)
    lead.with_user(portal_user).action_channel_accept()
    quote = lead.with_user(portal_user).action_channel_new_quote()
    backend = (
        env["sale.order"]
        .with_user(vendor)
        .create(
            {
                "partner_id": customer.id,
                "opportunity_id": lead.id,
                "team_id": team.id,
                "user_id": vendor.id,
            }
        )
    )
    form = {
        f"new{index}": {"product": str(product.id), "qty": str(1 + index % 7), "discount": "5"}
        for index, product in enumerate(products)
    }
    commands = [
        Command.create({"product_id": product.id, "product_uom_qty": 1 + index % 7, "discount": 5})
        for index, product in enumerate(products)
    ]
    return {
        "quote": quote.sudo(False).with_user(portal_user),
        "backend": backend.with_user(vendor),
        "form": form,
        "commands": commands,
    }


@benchmark(
    "channel x cpq: a reseller's quote priced and saved from the portal form",
    sizes=(10, 50),
    baseline="the vendor's backend writing the same lines (CPQ pricing)",
)
class ResellerQuoteSave:
    def setup(self, env, size):
        return _setup(env, size)

    def run(self, env, data):
        data["quote"]._channel_quote_save(data["form"])

    def baseline(self, env, data):
        data["backend"].write({"order_line": data["commands"]})

    def check(self, results):
        problems = []
        large = results[-1]
        if large.ratio and large.ratio > 1.3:
            problems.append(
                f"reseller's quote @{large.size} lines: {large.ratio:.2f}x the backend (budget 1.3)"
            )
        return problems
