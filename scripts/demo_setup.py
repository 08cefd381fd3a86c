"""The last step of `make demo`: makes the demo database show every feature, then prints whom to
log in as and which links to open.

    python scripts/demo_setup.py -c odoo.conf -d crm_demo --base-url http://localhost:8069

Safe to run again (each step looks first). It
- installs Arabic and Hebrew (translations of every installed addon) and adds them to the website;
- turns on per-line discounts for internal users (the CPQ discount policies need the column);
- switches stock lead enrichment (crm_iap_enrich) to manual: its cron calls an online service,
  which logs an ERROR on a machine without network;
- gives the demo an accountant (login accountant / accountant), the one role stock demo data lacks;
- prints the logins and the customers' signed links (quote, booking, preferences).
"""

import argparse
import os
import sys

LANGS = ("ar_001", "he_IL")
ACCOUNTANT = {
    "login": "accountant",
    "password": "accountant",
    "name": "Amira Haddad (accountant)",
    "email": "amira.haddad@yourcompany.example.com",
    "groups": ("account.group_account_invoice", "account.group_account_readonly"),
}


def ensure_languages(env):
    langs = env["res.lang"].with_context(active_test=False).search([("code", "in", LANGS)])
    inactive = langs.filtered(lambda lang: not lang.active)
    if inactive:
        inactive.active = True
        modules = env["ir.module.module"].search([("state", "=", "installed")])
        modules._update_translations(inactive.mapped("code"))
    if "website" in env:
        for website in env["website"].search([]):
            website.language_ids |= langs
    return langs


def enable_discounts(env):
    group = env.ref("sale.group_discount_per_so_line", raise_if_not_found=False)
    employees = env.ref("base.group_user")
    if group and group not in employees.implied_ids:
        # What Settings > Sales > Discounts does: implied by every internal user.
        employees.implied_ids |= group


def enrichment_manual(env):
    env["ir.config_parameter"].sudo().set_param("crm.iap.lead.enrich.setting", "manual")
    cron = env.ref("crm_iap_enrich.ir_cron_lead_enrichment", raise_if_not_found=False)
    if cron and cron.active:
        cron.active = False


def ensure_accountant(env):
    user = (
        env["res.users"]
        .with_context(active_test=False)
        .search([("login", "=", ACCOUNTANT["login"])])
    )
    groups = env["res.groups"]
    for xmlid in ("base.group_user", *ACCOUNTANT["groups"]):
        groups |= env.ref(xmlid, raise_if_not_found=False) or groups
    if not user:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": ACCOUNTANT["login"],
                    "password": ACCOUNTANT["password"],
                    "name": ACCOUNTANT["name"],
                    "email": ACCOUNTANT["email"],
                    "groups_id": [(6, 0, groups.ids)],
                }
            )
        )
    return user


def ref(env, xmlid):
    return env.ref(xmlid, raise_if_not_found=False)


def links(env, base):
    """[(title, lines)] to print."""
    website_codes = {lang.code: lang.url_code for lang in env["res.lang"].search([])}
    ar, he = website_codes.get("ar_001", "ar"), website_codes.get("he_IL", "he")
    sections = [
        (
            "Internal users (backend: " + base + "/odoo)",
            [
                "manager      admin / admin           CRM > Pipeline; approves discounts; settings",
                "sales rep    demo / demo             Marc Demo: CRM > Pipeline, his deals' quotes",
                "accountant   accountant / accountant Invoicing > Reporting: Deal Ledger",
                "Arabic or Hebrew backend: avatar > My Preferences > Language, then reload.",
            ],
        )
    ]
    reseller = ref(env, "crm_partner_channel.user_nordlicht_jonas")
    if reseller:
        sections.append(
            (
                "Reseller in the portal (" + base + "/web/login)",
                [
                    f"{reseller.login} / portal   ({reseller.partner_id.parent_id.name})",
                    f"offers      {base}/my/leads",
                    f"deals       {base}/my/opportunities",
                    f"register    {base}/my/channel/register",
                    f"scorecard   {base}/my/channel/scorecard",
                    f"in Arabic   {base}/{ar}/my/leads     in Hebrew   {base}/{he}/my/leads",
                ],
            )
        )
    customer_pages = []
    quote = ref(env, "crm_b2b_cpq.sale_order_meridian_r1") or ref(
        env, "crm_b2b_cpq.sale_order_meridian"
    )
    if quote:
        quote._portal_ensure_token()
        customer_pages.append(
            f"quote       {base}{quote.get_portal_url()}   ({quote.name}, {quote.partner_id.name})"
        )
    link = ref(env, "crm_global.booking_link_demo_negev")
    if link:
        customer_pages.append(
            f"booking     {base}{link._crm_booking_path()}   ({link.partner_id.name})"
        )
    if "crm.gdpr.subject" in env:
        subjects = env["crm.gdpr.subject"].search([], order="id")
        shown = 0
        for subject in subjects:
            lang = subject.lang or subject.partner_id.lang
            if shown < 1 or lang in LANGS:
                path = f"/gdpr/preferences/{subject.id}/{subject._preference_token()}"
                who = f"{subject.display_name}, {lang}" if lang else subject.display_name
                customer_pages.append(f"preferences {base}{path}   ({who})")
                shown += 1
            if shown >= 3:
                break
    if customer_pages:
        sections.append(("A customer's pages (signed links, no login)", customer_pages))
    return sections


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--base-url", default="http://localhost:8069")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    os.environ.setdefault("ODOO_SRC", "/opt/odoo")
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ensure_languages(env)
        enable_discounts(env)
        enrichment_manual(env)
        ensure_accountant(env)
        sections = links(env, args.base_url.rstrip("/"))
        cr.commit()
    for title, lines in sections:
        print(f"\n{title}")
        for line in lines:
            print(f"  {line}")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
