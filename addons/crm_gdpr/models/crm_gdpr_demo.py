from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .crm_gdpr_consent import STATE_WRITE

# People of the demo: name, email, company, country code, language.
DEMO_PEOPLE = {
    "sofia": (
        "Sofia Marchetti",
        "sofia.marchetti@lumen-architetti.example",
        "Lumen Architetti",
        "it",
        "it_IT",
    ),
    "jonas": (
        "Jonas Becker",
        "j.becker@becker-haustechnik.example",
        "Becker Haustechnik GmbH",
        "de",
        "de_DE",
    ),
    "claire": (
        "Claire Dubois",
        "claire.dubois@atelier-dubois.example",
        "Atelier Dubois",
        "fr",
        "fr_FR",
    ),
    "pieter": (
        "Pieter Janssens",
        "pieter.janssens@vandenbergh-bouw.example",
        "Vandenbergh Bouw NV",
        "be",
        "nl_BE",
    ),
    "aisha": (
        "Aisha Rahman",
        "aisha.rahman@northwind-consult.example",
        "Northwind Consulting",
        "gb",
        "en_GB",
    ),
    "lucia": (
        "Lucía Fernández",
        "lucia.fernandez@ferreteria-sol.example",
        "Ferretería Sol",
        "es",
        "es_ES",
    ),
    "nadia": (
        "Nadia Haddad",
        "nadia.haddad@cedar-trading.example",
        "Cedar Trading LLC",
        "ae",
        "ar_001",
    ),
    "yosef": ("Yosef Levi", "yosef.levi@galil-tech.example", "Galil Tech", "il", "he_IL"),
    "marek": (
        "Marek Kowalczyk",
        "marek.kowalczyk@baltic-stal.example",
        "Baltic Stal",
        "pl",
        "pl_PL",
    ),
}

WEB = {
    "ip_address": "198.51.100.23",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/130.0 Safari/537.36",
}


class CrmGdprSubject(models.Model):
    _inherit = "crm.gdpr.subject"

    @api.model
    def _demo_load(self):
        """Demo: people in every consent state, with their receipts, leads and one open or
        answered request of each kind."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        ref = env.ref
        news, sharing = ref("crm_gdpr.purpose_marketing"), ref("crm_gdpr.purpose_partner_sharing")
        events = ref("crm_gdpr.demo_purpose_events")
        email, phone, sms = (
            ref("crm_gdpr.channel_email"),
            ref("crm_gdpr.channel_phone"),
            ref("crm_gdpr.channel_sms"),
        )
        partner_sharing = ref("crm_gdpr.channel_partner_sharing")
        installed = dict(env["res.lang"].get_installed())
        people = {}
        for key, (name, address, company, country, lang) in DEMO_PEOPLE.items():
            country_record = env["res.country"].search([("code", "=", country.upper())], limit=1)
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "email": address,
                    "function": "Purchasing manager",
                    "country_id": country_record.id,
                    "lang": lang if lang in installed else False,
                }
            )
            env["crm.lead"].create(
                {
                    "name": f"{company}: equipment renewal",
                    "partner_id": partner.id,
                    "partner_name": company,
                    "contact_name": name,
                    "email_from": address,
                    "type": "opportunity",
                    "expected_revenue": 4800 + 1750 * len(people),
                }
            )
            people[key] = self._find_or_create(partner=partner)

        salesman = ref("base.user_demo", raise_if_not_found=False) or env.user
        people["sofia"].with_user(salesman)._set_consents(
            news,
            email | phone,
            "given",
            "phone",
            note="Called on Tuesday: happy to get the newsletter by email and a call each quarter.",
        )
        people["sofia"]._set_consents(
            events, email, "given", "email", note="Replied 'yes please' to our invitation."
        )
        people["jonas"]._set_consents(news, email, "pending", "web_form", **WEB)
        people["claire"]._set_consents(news, email, "given", "double_optin", **WEB)
        people["claire"]._preference_apply(
            "withdraw",
            purpose_id=news.id,
            channel_id=email.id,
            source="preference_page",
            evidence=WEB,
        )
        pieter = people["pieter"]._set_consents(news, email | sms, "given", "import")
        given_on = fields.Datetime.now() - relativedelta(months=25)
        pieter.with_context(_crm_gdpr_state_write=STATE_WRITE).write(
            {"date_given": given_on, "date_expiry": given_on + relativedelta(months=24)}
        )
        env["crm.gdpr.consent"]._cron_expire_consents()
        people["aisha"]._set_consents(news, email, "given", "import")
        people["aisha"]._set_consents(
            sharing,
            partner_sharing,
            "given",
            "email",
            note="Asked to be put in touch with a local reseller.",
        )
        people["lucia"]._set_consents(news, email, "given", "import")
        people["nadia"]._set_consents(news, email, "given", "import")
        people["yosef"]._set_consents(events, email | sms, "given", "email")
        people["marek"]._set_consents(news, email, "given", "import")

        Request = env["crm.gdpr.request"]
        today = fields.Date.context_today(self)
        dpo = ref("base.user_admin")

        def request(key, kind, days_ago, **values):
            return Request.create(
                dict(
                    {
                        "request_type": kind,
                        "partner_id": people[key].partner_id.id,
                        "date_received": today - timedelta(days=days_ago),
                        "user_id": dpo.id,
                        "received_via": "email",
                    },
                    **values,
                )
            )

        request("yosef", "access", 3, description="Please send me a copy of all my data.")
        portability = request(
            "aisha",
            "portability",
            12,
            identity_method="email",
            description="I want my data in a file I can give to another supplier.",
        )
        portability.action_verify_identity()
        request(
            "sofia",
            "rectification",
            26,
            description="My office moved to Via Solferino 12.",
            extension_months=1,
            extension_reason="The change touches signed contracts: legal must review it.",
        )
        request(
            "marek",
            "erasure",
            20,
            description="Please delete everything about me.",
            received_via="letter",
        )
        for key, kind in (("nadia", "restriction"), ("lucia", "objection")):
            done = request(
                key,
                kind,
                9,
                identity_method="email",
                description="Please stop using my data for marketing.",
            )
            done.action_verify_identity()
            done.action_process()
        return True
