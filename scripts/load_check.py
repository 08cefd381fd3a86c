"""`make load`, last step: after the run, assert what must hold and print the figures.

    python scripts/load_check.py -c odoo.conf -d crm_load --run .var/load/run-...

Integrity, read from the database (the servers are stopped), for the records of this run:
- bookings: at most one booking per link, no two bookings of the salesperson overlap (one
  booking per slot), one meeting per booking, and the links the customers were told they booked
  are exactly the links booked, each told once;
- offers: at most one accepted offer per lead, the lead follows it (opportunity, accepted by the
  user who won), one "accepted" message, and the winners the resellers were told of are exactly
  those, one per lead;
- registrations: as many as the resellers were told were created;
- withdrawals: one receipt per withdrawn consent, as many as the people were told, every
  consent's state the one its last receipt says, and the whole receipt chain verified
  (crm.gdpr.receipt.check: sequence, links, keyed hashes, sealed head);
- quotations: one signature message per signed quotation, every signed one confirmed, the
  winners the customers were told of are exactly those;
and no HTTP 5xx in nginx's log, no ERROR (or CRITICAL) in either server's log, no Locust failure.
The exit status is 1 when any of these fails. The figures (requests per second, p50 and p95,
errors, per request, with each suite page's p95 against the stock page beside it) are printed
and written to <run>/report.md.
"""

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

# Each suite page and the stock page measured beside it (same kind of visitor and access).
BESIDE = {
    "booking page": "stock: quote page",
    "booking page (confirm step)": "stock: quote page",
    "preference page": "stock: quote page",
    "quote page (CPQ)": "stock: quote page",
    "offers page": "stock: /my/home",
    "offer page": "stock: /my/home",
    "registration form": "stock: /my/home",
    "pipeline: grouped by stage": "stock: contacts grouped by country",
    "pipeline: cards": "stock: contacts list",
}
GOAL_RATIO = 2.0
ACCESS_LINE = re.compile(r'" (\d{3}) \d+ [\d.]+ (.*)$')
UPSTREAM = re.compile(r"\d+\.\d+\.\d+\.\d+:\d+")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")


class Checks:
    def __init__(self):
        self.results = []

    def check(self, ok, label, detail=""):
        self.results.append((bool(ok), label, detail))

    @property
    def failed(self):
        return [result for result in self.results if not result[0]]


def won(outcomes, prefix):
    """{key: times told} of the outcomes `prefix:key`."""
    found = Counter()
    for key, count in outcomes.items():
        if key.startswith(prefix + ":"):
            found[key[len(prefix) + 1 :]] += count
    return found


def check_bookings(env, fixtures, outcomes, checks):
    link_ids = [link["id"] for link in fixtures["booking_links"]]
    cr = env.cr
    cr.execute(
        """SELECT link_id, count(*) FROM crm_booking
            WHERE link_id = ANY(%s) AND state = 'booked' GROUP BY link_id""",
        (link_ids,),
    )
    per_link = dict(cr.fetchall())
    checks.check(
        all(count == 1 for count in per_link.values()),
        "bookings: one booking per link",
        f"{len(per_link)} links booked",
    )
    cr.execute(
        """SELECT count(*) FROM crm_booking a JOIN crm_booking b
             ON a.id < b.id AND a.user_id = b.user_id
            AND tsrange(a.start, a.stop) && tsrange(b.start, b.stop)
          WHERE a.state = 'booked' AND b.state = 'booked'"""
    )
    overlaps = cr.fetchone()[0]
    checks.check(overlaps == 0, "bookings: one booking per slot (no overlap)", f"{overlaps}")
    cr.execute(
        """SELECT count(*) FROM crm_booking
            WHERE link_id = ANY(%s) AND state = 'booked'
              AND (event_id IS NULL OR event_id IN (
                  SELECT event_id FROM crm_booking WHERE event_id IS NOT NULL
                   GROUP BY event_id HAVING count(*) > 1))""",
        (link_ids,),
    )
    checks.check(cr.fetchone()[0] == 0, "bookings: one meeting of its own per booking")
    told = won(outcomes, "booking_won")
    told_links = {int(key) for key in told}
    checks.check(
        all(count == 1 for count in told.values()) and told_links == set(per_link),
        "bookings: what customers were told = what the database holds",
        f"told {sum(told.values())} wins on {len(told_links)} links, "
        f"{sum(per_link.values())} bookings; refused {outcomes.get('booking_refused', 0)}",
    )
    return {"bookings": sum(per_link.values()), "refused": outcomes.get("booking_refused", 0)}


def check_offers(env, fixtures, outcomes, checks):
    lead_ids = fixtures["offer_lead_ids"]
    cr = env.cr
    cr.execute(
        """SELECT lead_id, count(*), min(answered_by_id) FROM crm_channel_offer
            WHERE lead_id = ANY(%s) AND state = 'accepted' GROUP BY lead_id""",
        (lead_ids,),
    )
    accepted = {lead_id: (count, user_id) for lead_id, count, user_id in cr.fetchall()}
    checks.check(
        all(count == 1 for count, _user in accepted.values()),
        "offers: one winner per offer",
        f"{len(accepted)} offers accepted",
    )
    leads = env["crm.lead"].browse(list(accepted))
    wrong = leads.filtered(
        lambda lead: (
            lead.channel_state != "accepted"
            or lead.type != "opportunity"
            or lead.channel_user_id.id != accepted[lead.id][1]
        )
    )
    checks.check(not wrong, "offers: each accepted lead is the winner's opportunity", wrong.ids)
    cr.execute(
        """SELECT res_id, count(*) FROM mail_message
            WHERE model = 'crm.lead' AND res_id = ANY(%s) AND body LIKE %s GROUP BY res_id""",
        (lead_ids, "%Offer accepted by%"),
    )
    messages = dict(cr.fetchall())
    checks.check(
        messages == {lead_id: 1 for lead_id in accepted},
        "offers: one 'accepted' message per accepted offer",
    )
    told = won(outcomes, "offer_won")
    by_lead = Counter()
    winners = {}
    for key, count in told.items():
        lead_id, user_id = (int(part) for part in key.split(":"))
        by_lead[lead_id] += count
        winners[lead_id] = user_id
    checks.check(
        all(count == 1 for count in by_lead.values())
        and winners == {lead_id: user for lead_id, (_count, user) in accepted.items()},
        "offers: the winners the resellers were told = the database's",
        f"told {sum(by_lead.values())} wins, refused {outcomes.get('offer_refused', 0)}",
    )
    cr.execute(
        """SELECT count(*) FROM crm_channel_registration
            WHERE user_id = ANY(%s) AND create_date >= %s""",
        (fixtures["reseller_user_ids"], fixtures["started"]),
    )
    registrations = cr.fetchone()[0]
    told_registrations = outcomes.get("registration_created", 0)
    checks.check(
        registrations == told_registrations,
        "registrations: as many as the resellers were told",
        f"{registrations} in the database, {told_registrations} told",
    )
    return {
        "accepted": len(accepted),
        "refused": outcomes.get("offer_refused", 0),
        "registrations": registrations,
    }


def check_withdrawals(env, fixtures, outcomes, checks):
    subject_ids = [subject["id"] for subject in fixtures["subjects"]]
    cr = env.cr
    cr.execute(
        """SELECT r.subject_id, r.purpose_id, r.consent_id, count(*) FROM crm_gdpr_receipt r
            WHERE r.subject_id = ANY(%s) AND r.state_to = 'withdrawn'
            GROUP BY r.subject_id, r.purpose_id, r.consent_id""",
        (subject_ids,),
    )
    rows = cr.fetchall()
    checks.check(
        all(count == 1 for *_ids, count in rows),
        "withdrawals: one receipt per withdrawal",
        f"{sum(row[3] for row in rows)} receipts for {len(rows)} consents",
    )
    told = won(outcomes, "withdrawal")
    in_db = Counter(f"{subject}:{purpose}" for subject, purpose, _consent, _count in rows)
    checks.check(
        told == in_db,
        "withdrawals: what people were told = the receipts",
        f"told {sum(told.values())}, unchanged {outcomes.get('withdrawal_unchanged', 0)}",
    )
    consents = env["crm.gdpr.consent"].search([("subject_id", "in", subject_ids)])
    withdrawn_ids = {consent_id for _s, _p, consent_id, _c in rows}
    wrong = consents.filtered(
        lambda consent: (consent.state == "withdrawn") != (consent.id in withdrawn_ids)
    )
    checks.check(not wrong, "withdrawals: each consent's state is its last receipt's", wrong.ids)
    check = env["crm.gdpr.receipt.check"]._run()
    checks.check(
        check.state == "ok",
        "withdrawals: the receipt chain is intact (crm.gdpr.receipt.check)",
        f"{check.receipt_count} receipts, head {check.head_sequence}, "
        f"{len(check.problem_ids)} problems {check.problem_ids.mapped('description')[:3]}",
    )
    return {
        "receipts": sum(row[3] for row in rows),
        "chain": check.receipt_count,
        "receipts_during_run": check.receipt_count - fixtures["receipts_before"],
    }


def check_quotes(env, fixtures, outcomes, checks):
    quote_ids = [quote["id"] for quote in fixtures["quotes"]]
    cr = env.cr
    cr.execute(
        """SELECT res_id, count(*) FROM mail_message
            WHERE model = 'sale.order' AND res_id = ANY(%s) AND body LIKE %s
            GROUP BY res_id""",
        (quote_ids, "%Order signed by%"),
    )
    signed = dict(cr.fetchall())
    checks.check(
        all(count == 1 for count in signed.values()),
        "quotations: one signature per quotation",
        f"{len(signed)} signed",
    )
    orders = env["sale.order"].browse(quote_ids)
    wrong = orders.filtered(
        lambda order: (
            bool(order.signature) != (order.id in signed)
            or (order.state == "sale") != (order.id in signed)
        )
    )
    checks.check(not wrong, "quotations: every signed quotation is confirmed, no other", wrong.ids)
    told = won(outcomes, "quote_won")
    checks.check(
        all(count == 1 for count in told.values()) and {int(key) for key in told} == set(signed),
        "quotations: the winners the customers were told = the database's",
        f"told {sum(told.values())}, refused {outcomes.get('quote_refused', 0)}",
    )
    return {"signed": len(signed), "refused": outcomes.get("quote_refused", 0)}


def check_logs(run, checks):
    errors = []
    for log in sorted(run.glob("odoo-*.log")):
        with open(log, errors="replace") as lines:
            errors += [f"{log.name}: {line.rstrip()}" for line in lines if LOG_LINE.match(line)]
    checks.check(not errors, "logs: no ERROR in either server's log", errors[:5])
    statuses, upstreams = Counter(), Counter()
    access = run / "nginx" / "access.log"
    with open(access, errors="replace") as lines:
        for line in lines:
            match = ACCESS_LINE.search(line)
            if match:
                statuses[match.group(1)[0] + "xx"] += 1
                # the servers that answered (two when nginx passed a request on to the other)
                for server in UPSTREAM.findall(match.group(2)):
                    upstreams[server] += 1
    # the checks above and below mean nothing if the journeys never reached the servers (nginx
    # or a server that did not start: Locust's failures say so too, but not why)
    checks.check(
        statuses.get("2xx") and len(upstreams) >= 2,
        "HTTP: both servers answered through nginx",
        f"{dict(statuses)}; by server {dict(upstreams)}",
    )
    checks.check(
        not statuses.get("5xx"),
        "HTTP: no 5xx (nginx's log)",
        f"{dict(statuses)}; by server {dict(upstreams)}",
    )
    return statuses, upstreams


def read_stats(run):
    stats = {}
    with open(run / "locust_stats.csv") as rows:
        for row in csv.DictReader(rows):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
            }
    return stats


def table(stats):
    lines = [
        "| Request | Requests | req/s | p50 ms | p95 ms | Errors | p95 / stock page beside it |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    goals = []
    for name, row in sorted(stats.items(), key=lambda item: item[0] == "Aggregated"):
        ratio = ""
        stock = stats.get(BESIDE.get(name, ""))
        if stock and stock["p95"]:
            value = row["p95"] / stock["p95"]
            verdict = "goal met" if value <= GOAL_RATIO else "GOAL MISSED"
            ratio = f"{value:.2f}x `{BESIDE[name]}` ({verdict})"
            goals.append((name, value))
        lines.append(
            f"| {name} | {row['requests']} | {row['rps']:.2f} | {row['p50']:.0f} | "
            f"{row['p95']:.0f} | {row['failures']} | {ratio} |"
        )
    return lines, goals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    # the servers' data_dir: the filestore holds the consent receipt chain's key
    parser.add_argument("-D", "--data-dir", required=True)
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--users", default="?")
    parser.add_argument("--workers", default="?")
    parser.add_argument("--run-time", default="?")
    parser.add_argument("--locust-status", type=int, default=0)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    os.environ.setdefault("ODOO_SRC", "/opt/odoo")
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "-D", args.data_dir, "--log-level=warn"]
    )
    with open(args.run / "fixtures.json") as fixtures_file:
        fixtures = json.load(fixtures_file)
    outcomes_path = args.run / "outcomes.json"
    outcomes = json.loads(outcomes_path.read_text()) if outcomes_path.exists() else {}
    checks = Checks()
    checks.check(outcomes_path.exists(), "Locust wrote what each user was told")
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        figures = {
            "bookings": check_bookings(env, fixtures, outcomes, checks),
            "offers": check_offers(env, fixtures, outcomes, checks),
            "withdrawals": check_withdrawals(env, fixtures, outcomes, checks),
            "quotations": check_quotes(env, fixtures, outcomes, checks),
        }
        cr.rollback()  # the chain check's record is not kept
    statuses, upstreams = check_logs(args.run, checks)
    stats = read_stats(args.run)
    failures = sum(row["failures"] for name, row in stats.items() if name != "Aggregated")
    checks.check(not failures, "Locust: no failed request", f"{failures} failures")
    mails = args.run / "mails-sent"
    lines, goals = table(stats)
    report = [
        f"# make load, {fixtures['tag']}",
        "",
        (
            f"{args.users} users, {args.run_time}, 2 servers x {args.workers} HTTP workers + 1 "
            f"cron worker each, behind nginx; requests by server: {dict(upstreams)}; HTTP "
            f"statuses: {dict(statuses)}; emails sent by the cron workers: "
            f"{mails.read_text() if mails.exists() else 0}."
        ),
        "",
        *lines,
        "",
        "Writes: " + json.dumps(figures),
        "",
        *(f"- [{'x' if ok else ' '}] {label}: {detail}" for ok, label, detail in checks.results),
    ]
    missed = [name for name, value in goals if value > GOAL_RATIO]
    report += [
        "",
        (
            f"p95 goal (within {GOAL_RATIO:g}x of the stock page beside it): "
            + (f"missed by {', '.join(missed)}" if missed else "met by every suite page")
        ),
    ]
    text = "\n".join(report) + "\n"
    (args.run / "report.md").write_text(text)
    print(text)
    if checks.failed:
        print(f"make load: {len(checks.failed)} check(s) failed; see {args.run}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
