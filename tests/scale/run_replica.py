"""The suite's read-only portal pages are served by a streaming replica while writes go to the
primary.

    run_replica.py CONF DB WORKDIR REPLICA_PORT

CONF points Odoo at the primary cluster; REPLICA_PORT is a hot standby of it, streaming
(scripts/test_scale.sh makes both with Debian's pg_createcluster and pg_basebackup -R). An
odoo-bin server is started with --db_replica_host/--db_replica_port on the replica. Then:

1. the records behind three pages are created on the primary, and the replica catches up;
2. replay is paused on the replica (pg_wal_replay_pause) and the same records are changed on the
   primary: the slot page (crm_global), the offers list (crm_partner_channel) and the preference
   page (crm_gdpr) still show the old values, so they were read from the replica, and the
   replica holds connections of the server (pg_stat_activity);
3. while replay is still paused, the reseller accepts the offer, the person withdraws a consent
   and the customer books a slot, through the same server: each write succeeds on the primary
   (the replica, paused, does not have it yet);
4. replay resumes: the pages show the new values.
No ERROR and no "retrying with a read/write cursor" in the server's log. Exit status 1 on any
failure.
"""

import os
import re
import sys
import time

import psycopg2
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Env, Server, load_registry, log_errors, stop_on_sigterm

HTTP_PORT, GEVENT_PORT = 8353, 8363
PASSWORD = "scale-Reseller-1"
failures = []


def expect(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def replica_sql(port, db, query, params=None):
    conn = psycopg2.connect(dbname=db, port=port, host="/var/run/postgresql")
    try:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def new_user(env, login, name, groups, **values):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "login": login,
                "name": name,
                "groups_id": [(6, 0, [env.ref(group).id for group in groups])],
                **values,
            }
        )
    )


def wait_replayed(env, port, db, timeout=60):
    """Until the replica has replayed everything the primary committed so far."""
    env.cr.execute("SELECT pg_current_wal_lsn()")
    lsn = env.cr.fetchone()[0]
    deadline = time.time() + timeout
    while time.time() < deadline:
        (done,) = replica_sql(port, db, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0]
        if done:
            return
        time.sleep(0.2)
    raise RuntimeError("the replica did not catch up")


def seed(env):
    """A booking link, a partner company with a portal user and an open offer, a person with
    a consent: the records behind the three read-only pages."""
    suffix = str(int(time.time()))
    # crm_global: a salesperson free around the clock, a customer whose window is always open
    env["crm.contact.window"].search([("country_id", "=", env.ref("base.nz").id)]).unlink()
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    env["crm.contact.window"].create(
        {
            "name": "nz",
            "country_id": env.ref("base.nz").id,
            "hour_from": 0,
            "hour_to": 24,
            **dict.fromkeys(days, True),
        }
    )
    calendar = env["resource.calendar"].create(
        {
            "name": f"Replica rep {suffix}",
            "tz": "Pacific/Auckland",
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": 0,
                        "hour_to": 24,
                        "day_period": "morning",
                    },
                )
                for day in range(7)
            ],
        }
    )
    rep = new_user(
        env,
        f"rep{suffix}",
        f"Rep Before {suffix}",
        ["base.group_user", "sales_team.group_sale_salesman"],
        tz="Pacific/Auckland",
    )
    env["resource.resource"].create(
        {"name": rep.name, "user_id": rep.id, "calendar_id": calendar.id, "tz": "Pacific/Auckland"}
    )
    customer = env["res.partner"].create(
        {
            "name": f"Aroha {suffix}",
            "country_id": env.ref("base.nz").id,
            "tz": "Pacific/Auckland",
            "email": f"aroha{suffix}@example.com",
        }
    )
    deal = env["crm.lead"].create(
        {
            "name": f"Cold chain {suffix}",
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": rep.id,
        }
    )
    link = env["crm.booking.link"].create(
        {
            "lead_id": deal.id,
            "partner_id": customer.id,
            "user_id": rep.id,
            "notice_hours": 0,
            "days": 3,
        }
    )
    # crm_partner_channel: a graded reseller, its portal user, a lead offered to it
    grade = env["res.partner.grade"].create(
        {
            "name": f"Replica tier {suffix}",
            "sequence": 1,
            "partner_weight": 10,
            "channel_max_open_offers": 100,
            "channel_offer_hours": 48,
            "channel_protection_days": 30,
        }
    )
    reseller = env["res.partner"].create(
        {
            "name": f"Replica reseller {suffix}",
            "is_company": True,
            "grade_id": grade.id,
            "email": f"reseller{suffix}@example.com",
            "country_id": env.ref("base.be").id,
        }
    )
    portal = new_user(
        env,
        f"reseller{suffix}",
        f"Rita {suffix}",
        ["base.group_portal"],
        password=PASSWORD,
        email=f"rita{suffix}@example.com",
    )
    portal.partner_id.write({"parent_id": reseller.id, "channel_role": "manager"})
    lead = env["crm.lead"].create(
        {
            "name": f"Office fit-out before {suffix}",
            "type": "lead",
            "country_id": env.ref("base.be").id,
            "contact_name": "Jane",
            "expected_revenue": 5000,
        }
    )
    lead._channel_offer_manually(reseller)
    # crm_gdpr: a person who agreed to a newsletter by email
    channel = env.ref("crm_gdpr.channel_email")
    purpose = env["crm.gdpr.purpose"].create(
        {
            "name": f"Newsletter before {suffix}",
            "description": "News.",
            "lawful_basis": "consent",
            "channel_ids": [(6, 0, channel.ids)],
            "validity_months": 12,
        }
    )
    person = env["res.partner"].create(
        {"name": f"Anna {suffix}", "email": f"anna{suffix}@example.com"}
    )
    subject = env["crm.gdpr.subject"]._find_or_create(partner=person)
    consent = subject._set_consents(purpose, channel, "given", source="phone")
    return {
        "suffix": suffix,
        "rep_id": rep.id,
        "link_id": link.id,
        "booking_path": link._crm_booking_path(),
        "lead_id": lead.id,
        "login": portal.login,
        "purpose_id": purpose.id,
        "channel_id": channel.id,
        "consent_id": consent.id,
        "preference_path": f"/gdpr/preferences/{subject.id}/{subject._preference_token()}",
    }


def csrf_of(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match and match[1]


def main():
    conf, db, workdir, replica_port = sys.argv[1:5]
    replica_port = int(replica_port)
    os.makedirs(workdir, exist_ok=True)
    stop_on_sigterm()
    registry = load_registry(conf, db, logfile=os.path.join(workdir, "run_replica.log"))
    with Env(registry) as env:
        env["ir.config_parameter"].set_param("mail.mail.force.send.limit", 0)
        env.cr.execute("UPDATE ir_cron SET active = false")
        seeded = seed(env)
    with Env(registry) as env:
        wait_replayed(env, replica_port, db)
    server = Server(
        "replica server",
        conf,
        db,
        HTTP_PORT,
        GEVENT_PORT,
        os.path.join(workdir, "replica_server.log"),
        ["--max-cron-threads=0", "--db_replica_host=", f"--db_replica_port={replica_port}"],
    )
    base = f"http://127.0.0.1:{HTTP_PORT}"
    suffix = seeded["suffix"]
    try:
        server.start().wait_ready()
        public = requests.Session()
        reseller = requests.Session()
        page = reseller.get(f"{base}/web/login", timeout=30)
        response = reseller.post(
            f"{base}/web/login",
            data={
                "login": seeded["login"],
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "redirect": "/my",
            },
            timeout=30,
        )
        expect(response.ok and "/web/login" not in response.url, "the reseller signs in")

        # before: the pages show what the primary and the replica both hold
        booking = public.get(base + seeded["booking_path"], timeout=30).text
        expect(f"Rep Before {suffix}" in booking, "slot page shows the salesperson")
        offers = reseller.get(f"{base}/my/leads", timeout=30).text
        expect(f"Office fit-out before {suffix}" in offers, "offers list shows the offer")
        prefs = public.get(base + seeded["preference_path"], timeout=30).text
        expect(f"Newsletter before {suffix}" in prefs, "preference page shows the purpose")

        # 2. replay paused on the replica; the primary changes the same records
        replica_sql(replica_port, db, "SELECT pg_wal_replay_pause()")
        with Env(registry) as env:
            env["res.users"].browse(seeded["rep_id"]).name = f"Rep After {suffix}"
            env["crm.lead"].browse(seeded["lead_id"]).name = f"Office fit-out after {suffix}"
            env["crm.gdpr.purpose"].browse(seeded["purpose_id"]).name = f"Newsletter after {suffix}"
        booking = public.get(base + seeded["booking_path"], timeout=30).text
        expect(
            f"Rep Before {suffix}" in booking and f"Rep After {suffix}" not in booking,
            "slot page served by the replica (old salesperson name)",
        )
        offers = reseller.get(f"{base}/my/leads", timeout=30).text
        expect(
            f"Office fit-out before {suffix}" in offers
            and f"Office fit-out after {suffix}" not in offers,
            "offers list served by the replica (old lead name)",
        )
        prefs = public.get(base + seeded["preference_path"], timeout=30).text
        expect(
            f"Newsletter before {suffix}" in prefs and f"Newsletter after {suffix}" not in prefs,
            "preference page served by the replica (old purpose name)",
        )
        (connections,) = replica_sql(
            replica_port,
            db,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            (db, f"odoo-{server.process.pid}"),
        )[0]
        expect(connections > 0, f"the server holds {connections} connection(s) on the replica")

        # 3. writes through the same server go to the primary and succeed
        detail = reseller.get(f"{base}/my/lead/{seeded['lead_id']}", timeout=30).text
        response = reseller.post(
            f"{base}/my/lead/{seeded['lead_id']}/accept",
            data={"csrf_token": csrf_of(detail)},
            timeout=30,
        )
        prefs = public.get(base + seeded["preference_path"], timeout=30).text
        response2 = public.post(
            base + seeded["preference_path"],
            data={
                "csrf_token": csrf_of(prefs),
                "decision": "withdraw",
                "purpose_id": seeded["purpose_id"],
                "channel_id": seeded["channel_id"],
            },
            timeout=30,
        )
        slots = public.get(base + seeded["booking_path"], timeout=30).text
        start = re.search(r'name="start"\s+value="([^"]+)"', slots)
        confirm = public.get(base + seeded["booking_path"], params={"start": start[1]}, timeout=30)
        response3 = public.post(
            base + seeded["booking_path"],
            data={
                "csrf_token": csrf_of(confirm.text),
                "start": start[1],
                "tz": "Pacific/Auckland",
                "name": "Aroha",
                "email": "aroha@example.com",
            },
            timeout=30,
        )
        with Env(registry) as env:
            lead = env["crm.lead"].browse(seeded["lead_id"])
            expect(
                response.ok and lead.channel_state != "offered" and lead.channel_user_id,
                f"accepting the offer reached the primary ({lead.channel_state})",
            )
            consent = env["crm.gdpr.consent"].browse(seeded["consent_id"])
            expect(
                response2.ok and consent.state == "withdrawn",
                f"withdrawing the consent reached the primary ({consent.state})",
            )
            link = env["crm.booking.link"].browse(seeded["link_id"])
            expect(
                response3.ok and link.state == "booked",
                f"booking the slot reached the primary ({link.state})",
            )
        (state,) = replica_sql(
            replica_port,
            db,
            "SELECT state FROM crm_gdpr_consent WHERE id = %s",
            (seeded["consent_id"],),
        )[0]
        expect(state == "given", f"the paused replica does not have the write yet ({state})")

        # 4. replay resumes: the pages follow the primary
        replica_sql(replica_port, db, "SELECT pg_wal_replay_resume()")
        with Env(registry) as env:
            wait_replayed(env, replica_port, db)
        booking = public.get(base + seeded["booking_path"], timeout=30).text
        expect(f"Rep After {suffix}" in booking, "slot page after replay: new name")
        offers = reseller.get(f"{base}/my/leads", timeout=30).text
        expect(
            f"Office fit-out after {suffix}" not in offers
            and f"Office fit-out before {suffix}" not in offers,
            "offers list after replay: the accepted offer left it",
        )
        prefs = public.get(base + seeded["preference_path"], timeout=30).text
        expect(f"Newsletter after {suffix}" in prefs, "preference page after replay: new name")
    finally:
        try:
            replica_sql(replica_port, db, "SELECT pg_wal_replay_resume()")
        except psycopg2.Error:
            pass
        server.stop()
    with open(server.logfile, encoding="utf-8", errors="replace") as log:
        retried = [line for line in log if "retrying with a read/write cursor" in line]
    expect(not retried, f"no read-only page fell back to the primary {retried[:3]}")
    for error in log_errors(server.logfile):
        failures.append(error)
        print(f"ERROR in {server.logfile}:\n{error}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
