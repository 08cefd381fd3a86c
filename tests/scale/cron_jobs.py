"""Every scheduled job of the suite (each ir.cron of addons/*/data), with the records due for it
(seed) and what "each record handled exactly once" means for it (check).

A seed returns a dict of what it created; the check returns the list of what is wrong (empty
when each record was handled exactly once). The jobs run with batches of BATCH records so that
two workers take turns at several batches instead of one taking everything at once.
"""

import uuid
from datetime import timedelta

from odoo import fields

BATCH = 20
COUNT = 60


def _suffix():
    return uuid.uuid4().hex[:8]


def _messages(env, model, res_ids, like):
    """{res_id: number of messages of the record whose body contains `like`}."""
    env.cr.execute(
        """SELECT res_id, count(*) FROM mail_message
            WHERE model = %s AND res_id = ANY(%s) AND body::text LIKE %s
         GROUP BY res_id""",
        (model, list(res_ids), f"%{like}%"),
    )
    counts = dict(env.cr.fetchall())
    return {res_id: counts.get(res_id, 0) for res_id in res_ids}


def _not_once(label, counts):
    wrong = {res_id: count for res_id, count in counts.items() if count != 1}
    if wrong:
        sample = dict(list(wrong.items())[:5])
        return [f"{label}: {len(wrong)} of {len(counts)} records not exactly once, e.g. {sample}"]
    return []


# ----------------------------------------------------------------------------------------------
# crm_b2b_cpq: quotations past their validity
# ----------------------------------------------------------------------------------------------


def seed_cpq(env):
    partner = env["res.partner"].create({"name": f"Scale customer {_suffix()}"})
    past = fields.Date.today() - timedelta(days=3)
    orders = env["sale.order"].create(
        [
            {
                "partner_id": partner.id,
                "user_id": env.ref("base.user_admin").id,
                "validity_date": past,
            }
            for _i in range(COUNT)
        ]
    )
    return {"order_ids": orders.ids}


def check_cpq(env, seeded):
    orders = env["sale.order"].browse(seeded["order_ids"])
    problems = []
    if not all(orders.mapped("cpq_expired")):
        problems.append(f"{len(orders.filtered(lambda o: not o.cpq_expired))} orders not expired")
    problems += _not_once("expiry note", _messages(env, "sale.order", orders.ids, "expired on"))
    activity_type = env.ref("crm_b2b_cpq.mail_activity_type_cpq_expired")
    counts = dict.fromkeys(orders.ids, 0)
    for activity in env["mail.activity"].search(
        [
            ("res_model", "=", "sale.order"),
            ("res_id", "in", orders.ids),
            ("activity_type_id", "=", activity_type.id),
        ]
    ):
        counts[activity.res_id] += 1
    problems += _not_once("expiry activity", counts)
    return problems


# ----------------------------------------------------------------------------------------------
# crm_partner_channel: offers, their notification, registrations
# ----------------------------------------------------------------------------------------------


def _channel_partners(env):
    """Three graded partner companies with room for every offer, no other routing rule."""
    env["crm.channel.routing.rule"].search([]).write({"active": False})
    env.company.channel_fallback_partner_id = False
    grade = env["res.partner.grade"].create(
        {
            "name": f"Scale tier {_suffix()}",
            "sequence": 1,
            "partner_weight": 10,
            "channel_max_open_offers": 100000,
            "channel_offer_hours": 24,
            "channel_protection_days": 30,
        }
    )
    env["res.partner"].search([("grade_id", "!=", False), ("grade_id", "!=", grade.id)]).write(
        {"grade_id": False}
    )
    return env["res.partner"].create(
        [
            {
                "name": f"Scale reseller {i} {_suffix()}",
                "is_company": True,
                "email": f"reseller{i}.{_suffix()}@example.com",
                "grade_id": grade.id,
                "country_id": env.ref("base.be").id,
            }
            for i in range(3)
        ]
    )


def _channel_leads(env, name, count):
    return env["crm.lead"].create(
        [
            {
                "name": f"{name} {i}",
                "type": "lead",
                "country_id": env.ref("base.be").id,
                "contact_name": "Jane Customer",
                "email_from": f"jane{i}@customer.example.com",
                "expected_revenue": 1000,
            }
            for i in range(count)
        ]
    )


# room for 15 open offers per partner (routing's capacity rule): 45 for the 60 leads
OFFER_CAPACITY = COUNT // 4


def seed_offers(env):
    """Half of the leads have an offer past its deadline, half wait for routing; the three
    partners have room for fewer offers than there are leads (issue 17: two workers routing at
    once must not offer a partner more than its capacity)."""
    partners = _channel_partners(env)
    partners.grade_id.channel_max_open_offers = OFFER_CAPACITY
    env["crm.channel.routing.rule"].create(
        {"name": f"Scale capacity {_suffix()}", "rule_type": "capacity", "required": True}
    )
    # other offers of the database neither expire nor get re-offered meanwhile
    env["crm.channel.offer"].search([("state", "=", "offered")]).write(
        {"date_deadline": "2999-12-31 00:00:00"}
    )
    # the channel's own way (superuser, channel_routing): nobody else writes channel_state
    env["crm.lead"].sudo().with_context(channel_routing=True).search(
        [("channel_state", "=", "queued")]
    ).write({"channel_state": False})
    suffix = _suffix()
    expiring = _channel_leads(env, f"Scale expiring {suffix}", COUNT // 2)
    expiring._channel_offer_manually(partners[0])
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_channel_offer SET date_deadline = now() at time zone 'UTC' - interval '1 hour'"
        " WHERE lead_id = ANY(%s) AND state = 'offered'",
        (expiring.ids,),
    )
    queued = _channel_leads(env, f"Scale queued {suffix}", COUNT // 2)
    queued.sudo().with_context(channel_routing=True).write({"channel_state": "queued"})
    env.flush_all()
    env.cr.execute("SELECT coalesce(max(id), 0) FROM crm_channel_routing_decision")
    return {
        "expiring_ids": expiring.ids,
        "queued_ids": queued.ids,
        "first_partner_id": partners[0].id,
        "partner_ids": partners.ids,
        "decision_max": env.cr.fetchone()[0],
    }


def check_offers(env, seeded):
    problems = []
    lead_ids = seeded["expiring_ids"] + seeded["queued_ids"]
    Offer = env["crm.channel.offer"]
    open_offers = dict.fromkeys(lead_ids, 0)
    by_partner = dict.fromkeys(seeded["partner_ids"], 0)
    for offer in Offer.search([("lead_id", "in", lead_ids), ("state", "=", "offered")]):
        open_offers[offer.lead_id.id] += 1
        by_partner[offer.partner_id.id] += 1
    leads = env["crm.lead"].browse(lead_ids)
    # every lead routed once: offered (one open offer) or, partners full, to nobody (none)
    states = {lead.id: lead.channel_state for lead in leads}
    if set(states.values()) - {"offered", "no_partner"}:
        sample = {k: v for k, v in states.items() if v not in ("offered", "no_partner")}
        problems.append(
            f"leads neither offered nor without partner: {dict(list(sample.items())[:5])}"
        )
    problems += _not_once(
        "open offer per offered lead",
        {lead_id: count for lead_id, count in open_offers.items() if states[lead_id] == "offered"},
    )
    if any(count for lead_id, count in open_offers.items() if states[lead_id] != "offered"):
        problems.append("a lead without partner holds an open offer")
    # capacity: nobody above it; the two partners that the expired leads can go to are full
    # (more leads than room), the first one (declined by those leads) at most full
    first, *others = seeded["partner_ids"]
    if by_partner[first] > OFFER_CAPACITY or any(
        by_partner[partner_id] != OFFER_CAPACITY for partner_id in others
    ):
        problems.append(f"open offers per partner {by_partner}, capacity {OFFER_CAPACITY}")
    env.cr.execute(
        "SELECT lead_id, count(*) FROM crm_channel_routing_decision"
        " WHERE id > %s AND lead_id = ANY(%s) GROUP BY lead_id",
        (seeded["decision_max"], lead_ids),
    )
    decisions = dict.fromkeys(lead_ids, 0)
    decisions.update(dict(env.cr.fetchall()))
    problems += _not_once("routing decision per lead", decisions)
    expired = Offer.search(
        [("lead_id", "in", seeded["expiring_ids"]), ("partner_id", "=", seeded["first_partner_id"])]
    )
    if set(expired.mapped("state")) != {"expired"} or len(expired) != len(seeded["expiring_ids"]):
        problems.append(f"first offers not all expired: {expired.mapped('state')}")
    problems += _not_once(
        "expiry message",
        _messages(env, "crm.lead", seeded["expiring_ids"], "expired without an answer"),
    )
    return problems


def seed_notify(env):
    """New offers for three partner companies (no other offer waits for its email)."""
    env["crm.channel.offer"].search([("notified", "=", False)]).write({"notified": True})
    partners = _channel_partners(env)
    suffix = _suffix()
    offers = env["crm.channel.offer"]
    for index, partner in enumerate(partners):
        leads = _channel_leads(env, f"Scale notify {suffix} p{index} lead", COUNT // 3)
        leads._channel_offer_manually(partner)
        offers |= leads.channel_offer_id
    env.flush_all()
    env.cr.execute("SELECT coalesce(max(id), 0) FROM mail_mail")
    return {"offer_ids": offers.ids, "mail_max": env.cr.fetchone()[0], "suffix": suffix}


def check_notify(env, seeded):
    offers = env["crm.channel.offer"].browse(seeded["offer_ids"])
    problems = []
    if not all(offers.mapped("notified")):
        problems.append(f"{len(offers.filtered(lambda o: not o.notified))} offers not notified")
    mails = env["mail.mail"].search(
        [("id", ">", seeded["mail_max"]), ("model", "=", "res.partner")]
    )
    counts = dict.fromkeys(offers.ids, 0)
    for mail in mails:
        body = str(mail.body_html or "")
        for offer in offers:
            if f">{offer.lead_id.name}<" in body:
                counts[offer.id] += 1
    problems += _not_once("offer in one email", counts)
    return problems


def seed_registrations(env):
    partners = _channel_partners(env)
    suffix = _suffix()
    registrations = env["crm.channel.registration"].create(
        [
            {
                "partner_id": partners[i % 3].id,
                "customer_name": f"Scale registered {suffix} {i}",
                "contact_name": "John Buyer",
                "email": f"john{i}.{suffix}@buyer.example.com",
            }
            for i in range(COUNT)
        ]
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_channel_registration SET state = 'approved',"
        " protected_until = current_date - 2 WHERE id = ANY(%s)",
        (registrations.ids,),
    )
    return {"registration_ids": registrations.ids}


def check_registrations(env, seeded):
    registrations = env["crm.channel.registration"].browse(seeded["registration_ids"])
    problems = []
    if set(registrations.mapped("state")) != {"expired"}:
        problems.append(f"states: {sorted(set(registrations.mapped('state')))}")
    problems += _not_once(
        "protection ended message",
        _messages(env, "crm.channel.registration", registrations.ids, "Protection ended"),
    )
    return problems


# ----------------------------------------------------------------------------------------------
# crm_global: re-valuation of open deals
# ----------------------------------------------------------------------------------------------


def seed_revalue(env):
    company = env.company
    other = env.ref("base.EUR" if company.currency_id.name != "EUR" else "base.USD")
    other.active = True
    Rate = env["res.currency.rate"]
    today = fields.Date.today()
    Rate.search(
        [("currency_id", "=", other.id), ("company_id", "in", [company.id, False])]
    ).unlink()
    Rate.create(
        {
            "currency_id": other.id,
            "name": today - timedelta(days=1),
            "rate": 0.8,
            "company_id": company.id,
        }
    )
    suffix = _suffix()
    leads = env["crm.lead"].create(
        [
            {
                "name": f"Scale deal {suffix} {i}",
                "type": "opportunity",
                "deal_currency_id": other.id,
                "deal_amount": 1000 + i,
                "probability": 50,
            }
            for i in range(COUNT)
        ]
    )
    env.flush_all()
    env["ir.config_parameter"].set_param("crm_global.revaluation_batch_size", BATCH)
    # today's rate: every open deal in that currency is due for re-valuation
    Rate.create({"currency_id": other.id, "name": today, "rate": 0.5, "company_id": company.id})
    env.flush_all()
    env.cr.execute("UPDATE crm_lead SET deal_revalued_on = NULL WHERE id = ANY(%s)", (leads.ids,))
    env.cr.execute("SELECT coalesce(max(id), 0) FROM crm_pipeline_value_change")
    return {"lead_ids": leads.ids, "change_max": env.cr.fetchone()[0]}


def check_revalue(env, seeded):
    problems = []
    leads = env["crm.lead"].browse(seeded["lead_ids"])
    today = fields.Date.today()
    if any(lead.deal_revalued_on != today for lead in leads):
        problems.append("deals not re-valued today")
    env.cr.execute(
        "SELECT lead_id, count(*) FROM crm_pipeline_value_change"
        " WHERE id > %s AND lead_id = ANY(%s) AND reason = 'rate' GROUP BY lead_id",
        (seeded["change_max"], leads.ids),
    )
    counts = dict.fromkeys(leads.ids, 0)
    counts.update(dict(env.cr.fetchall()))
    problems += _not_once("value change logged", counts)
    return problems


# ----------------------------------------------------------------------------------------------
# crm_gdpr: consents, receipt chain, requests, legal holds, retention
# ----------------------------------------------------------------------------------------------


def seed_consents(env):
    suffix = _suffix()
    channel = env.ref("crm_gdpr.channel_email")
    purpose = env["crm.gdpr.purpose"].create(
        {
            "name": f"Scale newsletter {suffix}",
            "description": "News.",
            "lawful_basis": "consent",
            "channel_ids": [(6, 0, channel.ids)],
            "validity_months": 12,
        }
    )
    Subject = env["crm.gdpr.subject"]
    consents = env["crm.gdpr.consent"]
    for i in range(COUNT):
        partner = env["res.partner"].create(
            {"name": f"Scale person {suffix} {i}", "email": f"p{i}.{suffix}@example.com"}
        )
        subject = Subject._find_or_create(partner=partner)
        consents |= subject._set_consents(purpose, channel, "given", source="phone")
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_gdpr_consent SET date_expiry = now() at time zone 'UTC' - interval '1 day'"
        " WHERE id = ANY(%s)",
        (consents.ids,),
    )
    return {"consent_ids": consents.ids}


def check_consents(env, seeded):
    consents = env["crm.gdpr.consent"].browse(seeded["consent_ids"])
    problems = []
    if set(consents.mapped("state")) != {"expired"}:
        problems.append(f"states: {sorted(set(consents.mapped('state')))}")
    env.cr.execute(
        "SELECT consent_id, count(*) FROM crm_gdpr_receipt"
        " WHERE consent_id = ANY(%s) AND state_to = 'expired' GROUP BY consent_id",
        (consents.ids,),
    )
    counts = dict.fromkeys(consents.ids, 0)
    counts.update(dict(env.cr.fetchall()))
    problems += _not_once("expiry receipt", counts)
    check = env["crm.gdpr.receipt.check"]._run()
    if check.state != "ok":
        problems.append(f"receipt chain broken: {check.problem_ids.mapped('description')[:3]}")
    return problems


def seed_verify(env):
    env.cr.execute("SELECT coalesce(max(id), 0) FROM crm_gdpr_receipt_check")
    return {"check_max": env.cr.fetchone()[0]}


def check_verify(env, seeded):
    checks = env["crm.gdpr.receipt.check"].search([("id", ">", seeded["check_max"])])
    problems = []
    if len(checks) != 1:
        problems.append(f"{len(checks)} verifications stored for one scheduled run")
    if any(check.state != "ok" for check in checks):
        problems.append("a verification found the chain broken")
    return problems


def seed_requests(env):
    suffix = _suffix()
    received = fields.Date.today() - timedelta(days=45)
    requests = env["crm.gdpr.request"].create(
        [
            {
                "request_type": "access",
                "requester_name": f"Scale requester {suffix} {i}",
                "requester_email": f"r{i}.{suffix}@example.com",
                "date_received": received,
            }
            for i in range(COUNT)
        ]
    )
    return {"request_ids": requests.ids}


def check_requests(env, seeded):
    requests = env["crm.gdpr.request"].browse(seeded["request_ids"])
    problems = []
    if set(requests.mapped("reminder_state")) != {"overdue"}:
        problems.append(f"reminder states: {sorted(set(requests.mapped('reminder_state')))}")
    counts = dict.fromkeys(requests.ids, 0)
    for activity in env["mail.activity"].search(
        [("res_model", "=", "crm.gdpr.request"), ("res_id", "in", requests.ids)]
    ):
        if (activity.summary or "").startswith("Overdue"):
            counts[activity.res_id] += 1
    problems += _not_once("overdue reminder", counts)
    return problems


def seed_holds(env):
    suffix = _suffix()
    request = env["crm.gdpr.request"].create(
        {
            "request_type": "erasure",
            "requester_name": f"Scale erased {suffix}",
            "requester_email": f"erased.{suffix}@example.com",
        }
    )
    holds = env["crm.gdpr.legal.hold"]
    for i in range(COUNT):
        attachment = env["ir.attachment"].create(
            {"name": f"kept-{suffix}-{i}.txt", "raw": b"kept for the tax authorities"}
        )
        holds |= holds.create(
            {
                "name": f"Scale hold {suffix} {i}",
                "request_id": request.id,
                "company_id": env.company.id,
                "hold_until": fields.Date.today() - timedelta(days=1),
                "attachment_ids": [(6, 0, attachment.ids)],
                "sealed_identity": "sealed",
            }
        )
    return {"hold_ids": holds.ids, "attachment_ids": holds.attachment_ids.ids}


def check_holds(env, seeded):
    holds = env["crm.gdpr.legal.hold"].browse(seeded["hold_ids"])
    problems = []
    if set(holds.mapped("state")) != {"released"}:
        problems.append(f"states: {sorted(set(holds.mapped('state')))}")
    if env["ir.attachment"].browse(seeded["attachment_ids"]).exists():
        problems.append("documents kept after release")
    env.cr.execute(
        """SELECT m.res_id, count(*) FROM mail_tracking_value v
             JOIN mail_message m ON m.id = v.mail_message_id
             JOIN ir_model_fields f ON f.id = v.field_id
            WHERE m.model = 'crm.gdpr.legal.hold' AND m.res_id = ANY(%s) AND f.name = 'state'
         GROUP BY m.res_id""",
        (holds.ids,),
    )
    counts = dict.fromkeys(holds.ids, 0)
    counts.update(dict(env.cr.fetchall()))
    problems += _not_once("release tracked", counts)
    return problems


def seed_retention(env):
    suffix = _suffix()
    env["crm.gdpr.retention.rule"].search([]).write({"active": False})
    leads = env["crm.lead"].create(
        [{"name": f"Scale old lead {suffix} {i}", "type": "lead"} for i in range(COUNT)]
    )
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_lead SET write_date = now() - interval '5 years' WHERE id = ANY(%s)",
        (leads.ids,),
    )
    rule = env["crm.gdpr.retention.rule"].create(
        {
            "name": f"Scale retention {suffix}",
            "model_id": env["ir.model"]._get_id("crm.lead"),
            "domain": repr([("name", "like", f"Scale old lead {suffix}")]),
            "date_field_id": env["ir.model.fields"]._get("crm.lead", "write_date").id,
            "months": 24,
            "action": "archive",
            "batch_size": BATCH,
        }
    )
    return {"lead_ids": leads.ids, "rule_id": rule.id}


def check_retention(env, seeded):
    leads = env["crm.lead"].with_context(active_test=False).browse(seeded["lead_ids"])
    rule = env["crm.gdpr.retention.rule"].browse(seeded["rule_id"])
    problems = []
    if any(leads.mapped("active")):
        problems.append(f"{len(leads.filtered('active'))} leads not archived")
    if rule.total_count != len(leads):
        problems.append(f"rule counted {rule.total_count} records processed for {len(leads)}")
    return problems


# xmlid of the job, code run with smaller batches, seed, check
JOBS = [
    (
        "crm_b2b_cpq.ir_cron_cpq_mark_expired",
        f"model._cron_cpq_mark_expired(batch_size={BATCH})",
        seed_cpq,
        check_cpq,
    ),
    (
        "crm_partner_channel.ir_cron_channel_process_offers",
        f"model._cron_channel_process_offers(batch_size={BATCH})",
        seed_offers,
        check_offers,
    ),
    (
        "crm_partner_channel.ir_cron_channel_notify_partners",
        f"model._cron_channel_notify_partners(batch_size={BATCH})",
        seed_notify,
        check_notify,
    ),
    (
        "crm_partner_channel.ir_cron_channel_expire_registrations",
        f"model._cron_expire_registrations(batch_size={BATCH})",
        seed_registrations,
        check_registrations,
    ),
    ("crm_global.ir_cron_crm_global_revalue", None, seed_revalue, check_revalue),
    (
        "crm_gdpr.ir_cron_expire_consents",
        f"model._cron_expire_consents(batch_size={BATCH})",
        seed_consents,
        check_consents,
    ),
    ("crm_gdpr.ir_cron_verify_receipts", None, seed_verify, check_verify),
    (
        "crm_gdpr.ir_cron_request_reminders",
        f"model._cron_remind_deadlines(batch_size={BATCH})",
        seed_requests,
        check_requests,
    ),
    (
        "crm_gdpr.ir_cron_release_holds",
        f"model._cron_release(batch_size={BATCH})",
        seed_holds,
        check_holds,
    ),
    ("crm_gdpr.ir_cron_retention", None, seed_retention, check_retention),
]
