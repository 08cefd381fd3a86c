"""`make load`, step 2: the records the load's journeys need, created in the demo database, and
written as JSON for Locust (scripts/load/locustfile.py) and the integrity check (load_check.py).

    python scripts/load_setup.py -c odoo.conf -d crm_load --out fixtures.json [--scale 1]

Each run adds its own records (named after the run), on top of the demo data:
- booking links of one salesperson (the demo's Tel Aviv customer, the administrator's calendar),
  so that customers on different links also race for the same slots;
- offers of leads to one reseller company, whose several portal users race to accept them;
  the reseller registers deals too;
- people with consents given, whose preference pages several visitors use to withdraw;
- CPQ quotations (the demo's Meridian quote, again) waiting for the customer's signature, and
  one plain quotation (a stock product, no CPQ policy): the stock quote page beside ours;
- a sales rep (the demo user) who opens the pipeline.
"""

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta

PASSWORD = "load-portal"
# A 1x1 PNG: what the signature pad sends, base64 without the data: prefix.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
    "AAAABJRU5ErkJggg=="
)


def booking_links(env, tag, count):
    demo = env.ref("crm_global.booking_link_demo_negev")
    leads = env["crm.lead"].create(
        [
            {
                "name": f"{tag} booking {index}",
                "type": "opportunity",
                "partner_id": demo.partner_id.id,
                "country_id": demo.lead_id.country_id.id,
                "user_id": demo.user_id.id,
            }
            for index in range(count)
        ]
    )
    links = env["crm.booking.link"].create(
        [
            {
                "lead_id": lead.id,
                "partner_id": demo.partner_id.id,
                "user_id": demo.user_id.id,
                "duration": 30,
                "notice_hours": 1,
                "days": 30,
            }
            for lead in leads
        ]
    )
    free = len(links[:1]._crm_free_slots())
    if not free:
        sys.exit("load_setup: the booking links offer no free slot")
    return [{"id": link.id, "path": link._crm_booking_path()} for link in links], free


def reseller(env, tag, users):
    grade = env.ref("crm_partner_channel.partner_nordlicht").grade_id
    company = env["res.partner"].create(
        {"name": f"{tag} Resellers", "is_company": True, "grade_id": grade.id}
    )
    portal = env.ref("base.group_portal")
    created = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"{tag} reseller {index}",
                    "login": f"{tag.lower()}-reseller-{index}@load.example.com",
                    "email": f"{tag.lower()}-reseller-{index}@load.example.com",
                    "password": PASSWORD,
                    "groups_id": [(6, 0, portal.ids)],
                }
                for index in range(users)
            ]
        )
    )
    created.partner_id.write({"parent_id": company.id, "channel_role": "manager"})
    return company, created


def offers(env, tag, company, count):
    country = env.ref("base.de")
    leads = env["crm.lead"].create(
        [
            {
                "name": f"{tag} offer {index}",
                "type": "lead",
                "contact_name": f"Contact {index}",
                "partner_name": f"{tag} customer {index}",
                "email_from": f"offer{index}@{tag.lower()}.example.com",
                "country_id": country.id,
                "expected_revenue": 10000 + index,
            }
            for index in range(count)
        ]
    )
    for lead in leads:
        lead._channel_offer_manually(company)
    offered = leads.filtered(lambda lead: lead.channel_state == "offered")
    if len(offered) != len(leads):
        sys.exit("load_setup: some leads could not be offered to the reseller")
    return offered.ids


def people(env, tag, count):
    Purpose = env["crm.gdpr.purpose"]
    purposes = Purpose.search([("active", "=", True)]).filtered(
        lambda purpose: purpose._preference_mode() == "consent" and purpose.channel_ids
    )
    if not purposes:
        sys.exit("load_setup: no purpose asks for consent")
    result = []
    for index in range(count):
        subject = env["crm.gdpr.subject"]._find_or_create(
            email=f"person{index}@{tag.lower()}.example.com", name=f"{tag} person {index}"
        )
        choices = []
        for purpose in purposes[:2]:
            channel = purpose.channel_ids[:1]
            subject._set_consents(purpose, channel, "given", "import")
            choices.append({"purpose_id": purpose.id, "channel_id": channel.id})
        result.append(
            {
                "id": subject.id,
                "path": f"/gdpr/preferences/{subject.id}/{subject._preference_token()}",
                "choices": choices,
            }
        )
    return result


def quotes(env, tag, count):
    demo = env.ref("crm_b2b_cpq.sale_order_meridian")
    rep = env.ref("base.user_demo")
    orders = env["sale.order"].create(
        [
            {
                "partner_id": demo.partner_id.id,
                "pricelist_id": demo.pricelist_id.id,
                "user_id": rep.id,
                "team_id": demo.team_id.id,
                "client_order_ref": f"{tag} quote {index}",
                "require_signature": True,
                "require_payment": False,
                "order_line": [
                    (0, 0, {"product_id": line.product_id.id, "product_uom_qty": 10})
                    for line in demo.order_line.filtered("product_id")
                ],
            }
            for index in range(count)
        ]
    )
    orders.action_quotation_sent()
    blocked = orders.filtered(
        lambda order: order._cpq_hidden_from_customer() or order._cpq_blocking_reasons("sign")
    )
    if blocked:
        reasons = blocked[:1]._cpq_blocking_reasons("sign")
        sys.exit(f"load_setup: quotations not open to signature: {reasons}")
    stock = env["sale.order"].create(
        {
            "partner_id": demo.partner_id.id,
            "user_id": rep.id,
            "client_order_ref": f"{tag} stock quote",
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": env.ref("product.product_product_4").id,
                        "product_uom_qty": 3,
                    },
                )
            ],
        }
    )
    stock.action_quotation_sent()
    for order in orders | stock:
        order._portal_ensure_token()
    return (
        [{"id": order.id, "url": order.get_portal_url()} for order in orders],
        {"id": stock.id, "url": stock.get_portal_url()},
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    # the servers' data_dir: the filestore holds the consent receipt chain's key
    parser.add_argument("-D", "--data-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--base-url", required=True, help="the proxy's URL")
    parser.add_argument("--links", type=int, default=150)
    parser.add_argument("--offers", type=int, default=150)
    parser.add_argument("--resellers", type=int, default=6)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--quotes", type=int, default=60)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    os.environ.setdefault("ODOO_SRC", "/opt/odoo")
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "-D", args.data_dir, "--log-level=warn"]
    )
    registry = Registry(args.database)
    tag = "LOAD%s" % time.strftime("%Y%m%d%H%M%S")
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # demo_setup's fix: stock lead enrichment's cron calls an online service (an ERROR
        # without network), and the load asserts that no ERROR is logged
        env["ir.config_parameter"].set_param("crm.iap.lead.enrich.setting", "manual")
        cron = env.ref("crm_iap_enrich.ir_cron_lead_enrichment", raise_if_not_found=False)
        if cron:
            cron.active = False
        # What a multi-server deployment sets: the public URL (the proxy) frozen, so that links
        # in emails do not follow whichever server answered last; the URL wkhtmltopdf fetches a
        # PDF's stylesheets from is the proxy too, so that any free worker of any server serves
        # them (a worker rendering a PDF waits for them).
        params = env["ir.config_parameter"]
        params.set_param("web.base.url", args.base_url)
        params.set_param("web.base.url.freeze", "True")
        params.set_param("report.url", args.base_url)
        links, free_slots = booking_links(env, tag, args.links)
        company, users = reseller(env, tag, args.resellers)
        offer_ids = offers(env, tag, company, args.offers)
        subjects = people(env, tag, args.people)
        cpq_quotes, stock_quote = quotes(env, tag, args.quotes)
        receipts_before = env["crm.gdpr.receipt"].search_count([])
        Product, domain = (
            env["crm.channel.registration"].with_user(users[0])._channel_open_products()
        )
        products = Product.search(domain, limit=2)
        fixtures = {
            "tag": tag,
            "db": args.database,
            "started": odoo.fields.Datetime.to_string(odoo.fields.Datetime.now()),
            "booking_links": links,
            "free_slots_per_link": free_slots,
            "reseller_company_id": company.id,
            "resellers": [{"login": user.login, "password": PASSWORD} for user in users],
            "reseller_user_ids": users.ids,
            "offer_lead_ids": offer_ids,
            "registration": {
                "country_id": env.ref("base.de").id,
                "product_ids": products.ids,
                "date_close_expected": (date.today() + timedelta(days=60)).isoformat(),
            },
            "subjects": subjects,
            "receipts_before": receipts_before,
            "quotes": cpq_quotes,
            "stock_quote": stock_quote,
            "signature": SIGNATURE,
            "rep": {"login": "demo", "password": "demo"},
            "portal_home_user": {"login": users[-1].login, "password": PASSWORD},
        }
        cr.commit()
    with open(args.out, "w") as out:
        json.dump(fixtures, out, indent=1)
    print(
        f"{tag}: {len(links)} booking links ({free_slots} free slots each), "
        f"{len(offer_ids)} offers to {len(users)} resellers, {len(subjects)} people, "
        f"{len(cpq_quotes)} quotations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
