"""crm_gdpr benchmarks: consent filtering of a mass mailing, erasure of a person with many
messages, and the residual scan of the database's text columns."""

from odoo.tools import SQL

from odoo.addons.mail.wizard.mail_compose_message import MailComposer as StockComposer

from tests.benchmarks.harness import benchmark


def _purpose(env):
    return env["crm.gdpr.purpose"].create(
        {
            "name": "Bench newsletter",
            "description": "Bench newsletter text.",
            "lawful_basis": "consent",
            "channel_ids": [(6, 0, env.ref("crm_gdpr.channel_email").ids)],
        }
    )


@benchmark(
    "gdpr: consent filtering of a mass mailing",
    sizes=(1000, 10000),
    baseline="stock blacklist/opt-out/duplicate filtering",
    repeat=15,
)
class MailingConsentFilter:
    """A mailing to `size` leads: the mail values go through the composer's filtering step
    (blacklist, opt-out, duplicates), ours adding consent. Every other lead names a person; of
    those, half consented, a quarter have not confirmed yet and a quarter withdrew."""

    people_step = 2
    states = ("given", "given", "pending", "withdrawn")

    def setup(self, env, size):
        purpose = _purpose(env)
        channel = env.ref("crm_gdpr.channel_email")
        emails = [f"bench.lead.{i}@example.com" for i in range(size)]
        leads = env["crm.lead"].create(
            [{"name": f"Bench lead {i}", "email_from": email} for i, email in enumerate(emails)]
        )
        subjects = env["crm.gdpr.subject"].create(
            [
                {"name": f"Bench person {i}", "email": emails[i]}
                for i in range(0, size, self.people_step)
            ]
        )
        env["crm.gdpr.consent"].with_context(crm_gdpr_source="import").create(
            [
                {
                    "subject_id": subject.id,
                    "purpose_id": purpose.id,
                    "channel_id": channel.id,
                    "state": self.states[i % len(self.states)],
                }
                for i, subject in enumerate(subjects)
            ]
        )
        env["mail.blacklist"].create([{"email": emails[i]} for i in range(1, size, 50)])
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Bench",
                "body_html": "<p>Bench</p>",
                "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                "gdpr_purpose_id": purpose.id,
            }
        )
        composer = env["mail.compose.message"].create(
            {
                "composition_mode": "mass_mail",
                "model": "crm.lead",
                "res_ids": str(leads.ids),
                "mass_mailing_id": mailing.id,
                "subject": "Bench",
                "body": "<p>Bench</p>",
            }
        )
        values = {
            lead.id: {"email_to": lead.email_from, "subject": "Bench", "body_html": "<p>B</p>"}
            for lead in leads
        }
        # Production tables have statistics (autovacuum); give these fresh ones theirs too.
        env.flush_all()
        for table in ("crm_lead", "crm_gdpr_subject", "crm_gdpr_consent", "mail_blacklist"):
            env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        return {"composer": composer, "values": values}

    @staticmethod
    def _fresh(data):
        return {res_id: dict(values) for res_id, values in data["values"].items()}

    def run(self, env, data):
        result = data["composer"]._process_mail_values_state(self._fresh(data))
        refused = sum(1 for v in result.values() if v.get("failure_type", "").startswith("gdpr"))
        everyone_consented = self.people_step == 1 and set(self.states) == {"given"}
        assert bool(refused) != everyone_consented, refused

    def baseline(self, env, data):
        StockComposer._process_mail_values_state(data["composer"], self._fresh(data))

    def check(self, results):
        problems = []
        # A few queries more than stock, whatever the number of recipients: the mailing's
        # purpose and channel, the consents found by address, the full decision for the others,
        # and stock's blacklist check (two queries) once more for the refused recipients.
        extra = [r.ours.queries - r.baseline.queries for r in results]
        if len(set(extra)) > 1 or max(extra) > 6:
            problems.append(
                f"consent filtering costs {extra} queries more than stock "
                "(at most 6, the same at every size)"
            )
        for result in results:
            if result.size >= 10000 and result.ratio > 1.05:
                problems.append(
                    f"consent filtering of {result.size} recipients is {result.ratio:.2f}x "
                    "stock filtering (budget 1.05x)"
                )
        return problems


@benchmark(
    "gdpr: consent filtering, every recipient consented",
    sizes=(10000,),
    baseline="stock blacklist/opt-out/duplicate filtering",
    repeat=15,
)
class MailingConsentFilterAllConsented(MailingConsentFilter):
    """The worst case for our step: every recipient consented, so stock's address checks run on
    all of them and the consent decision comes on top."""

    people_step = 1
    states = ("given",)


@benchmark(
    "gdpr: erasure of a person with 1,000 messages",
    sizes=(100, 1000),
    baseline="stock privacy_lookup find and archive",
    repeat=1,
)
class Erasure:
    def setup(self, env, size):
        partner = env["res.partner"].create(
            {
                "name": "Bench Erasable Person",
                "email": "bench.erasable@example.com",
                "phone": "+32 470 99 88 77",
            }
        )
        lead = env["crm.lead"].create(
            {"name": "Bench deal", "partner_id": partner.id, "contact_name": partner.name}
        )
        env["mail.message"].create(
            [
                {
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "message_type": "comment",
                    "body": f"<p>Call {i}: Bench Erasable Person, bench.erasable@example.com</p>",
                    "author_id": partner.id,
                }
                for i in range(size)
            ]
        )
        request = env["crm.gdpr.request"].create(
            {"request_type": "erasure", "partner_id": partner.id, "identity_method": "email"}
        )
        request.action_verify_identity()
        return {"request": request, "partner": partner}

    def run(self, env, data):
        residual = env["crm.gdpr.eraser"]._erase_for_request(data["request"])
        assert not residual, residual

    def baseline(self, env, data):
        wizard = env["privacy.lookup.wizard"].create(
            {"name": data["partner"].name, "email": data["partner"].email}
        )
        wizard.action_lookup()
        wizard.line_ids.action_archive_all()

    def check(self, results):
        problems = [
            f"erasure of {r.size} messages took {r.ours.seconds:.1f}s (budget 60s)"
            for r in results
            if r.ours.seconds > 60
        ]
        queries = [r.ours.queries for r in results]
        if max(queries) - min(queries) > 10:
            problems.append(f"erasure queries grow with the number of messages: {queries}")
        return problems


@benchmark(
    "gdpr: residual scan of the text columns",
    sizes=(10000, 100000),
    baseline="stock privacy_lookup query",
    repeat=1,
)
class ResidualScan:
    """`size` contacts in the database; scan every text column for one person's identifiers."""

    def setup(self, env, size):
        template = env["res.partner"].create({"name": "Bench Template", "type": "contact"})
        env.flush_all()
        overrides = {
            "name": "'Bench Contact ' || i",
            "complete_name": "'Bench Contact ' || i",
            "email": "'bench.contact.' || i || '@example.org'",
            "email_normalized": "'bench.contact.' || i || '@example.org'",
            "phone": "'+32 2 555 ' || lpad(i::text, 6, '0')",
            "street": "i || ' Avenue Louise'",
            "city": "'Brussels'",
            "comment": "'<p>Met at the fair, contact ' || i || '</p>'",
        }
        env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'res_partner' "
            "AND column_name != 'id'"
        )
        columns = [row[0] for row in env.cr.fetchall()]
        # Copy the ORM-made template row, so every NOT NULL column any addon adds is filled.
        env.cr.execute(
            SQL(
                "INSERT INTO res_partner (%s) SELECT %s FROM res_partner p, "
                "generate_series(1, %s) AS i WHERE p.id = %s",
                SQL(", ").join(SQL.identifier(c) for c in columns),
                SQL(", ").join(
                    SQL(overrides[c]) if c in overrides else SQL("p.%s", SQL.identifier(c))
                    for c in columns
                ),
                size,
                template.id,
            )
        )
        env.cr.execute("ANALYZE res_partner")
        identifiers = env["crm.gdpr.scanner"]._identifier_set(
            ["bench.contact.42@example.org"], ["Bench Contact 42"], ["+32 2 555 000042"]
        )
        return {"identifiers": identifiers}

    def run(self, env, data):
        hits = env["crm.gdpr.scanner"]._scan(data["identifiers"])
        assert hits, "the scan must find the contact"

    def baseline(self, env, data):
        wizard = env["privacy.lookup.wizard"].create(
            {"name": "Bench Contact 42", "email": "bench.contact.42@example.org"}
        )
        env.cr.execute(wizard._get_query())
        env.cr.fetchall()

    def check(self, results):
        return [
            f"residual scan over {r.size} contacts took {r.ours.seconds:.1f}s (budget 30s)"
            for r in results
            if r.ours.seconds > 30
        ]
