"""`make load`, step 3: the journeys Locust drives through nginx against the two Odoo servers.

Read by `locust -f scripts/load/locustfile.py` (scripts/load.sh); the fixtures come from
scripts/load_setup.py (LOAD_FIXTURES, JSON). Several users of a journey aim at the same few
records at the same moment (the first open links, offers, people, quotations), so that every
run races: what each one was told it won is written to LOAD_OUTCOMES at the end, and
scripts/load_check.py compares it with what the database holds.

Request names: a suite page or action is named after what it is; the stock pages measured
beside them start with "stock:".
"""

import json
import os
import random
import re
import threading
from collections import Counter

from locust import HttpUser, between, events, task

with open(os.environ["LOAD_FIXTURES"]) as fixtures_file:
    FIXTURES = json.load(fixtures_file)

CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
SLOT = re.compile(r'o_crm_booking_slot"[^>]*?value="([^"]+)"')
# How many records of a kind the users of a journey share at once: small, so that they race.
HOT = int(os.environ.get("LOAD_HOT", "3"))

LOCK = threading.Lock()
OUTCOMES = Counter()
# Records a user saw closed (booked, taken, withdrawn, signed): the others move on.
DONE = {"links": set(), "offers": set(), "people": set(), "quotes": set()}


def record(outcome):
    with LOCK:
        OUTCOMES[outcome] += 1


def hot(kind, items, key):
    """One of the first HOT records of `items` nobody saw closed yet (None when all are)."""
    with LOCK:
        open_items = [item for item in items if key(item) not in DONE[kind]][:HOT]
    return random.choice(open_items) if open_items else None


def close(kind, item_id):
    with LOCK:
        DONE[kind].add(item_id)


def rpc_answer(response):
    """The JSON-RPC answer of a response, or {} (a failure is marked) when it is none."""
    try:
        answer = response.json()
    except ValueError:
        response.failure(f"no JSON answer ({response.status_code})")
        return {}
    if not isinstance(answer, dict):
        response.failure("unexpected JSON answer")
        return {}
    return answer


def csrf(response):
    match = CSRF.search(response.text or "")
    return match.group(1) if match else ""


@events.test_stop.add_listener
def write_outcomes(environment, **kwargs):
    path = os.environ.get("LOAD_OUTCOMES")
    if path:
        with open(path, "w") as out:
            json.dump(dict(OUTCOMES), out, indent=1, sort_keys=True)


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def login(self, login, password):
        page = self.client.get("/web/login", name="login page")
        response = self.client.post(
            "/web/login",
            data={"login": login, "password": password, "csrf_token": csrf(page)},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 303:
            response.failure(f"login of {login} refused ({response.status_code})")


class BookingCustomer(HttpUser):
    """A customer opens a booking link, picks the first free time, confirms."""

    weight = 10
    wait_time = between(1, 3)

    @task
    def book(self):
        link = hot("links", FIXTURES["booking_links"], lambda link: link["id"])
        if not link:
            return
        page = self.client.get(link["path"], name="booking page")
        slots = SLOT.findall(page.text or "")
        if not slots:
            # booked meanwhile (the page says so) or no time left
            close("links", link["id"])
            return
        start = slots[0]
        confirm = self.client.get(
            link["path"], params={"start": start}, name="booking page (confirm step)"
        )
        token = csrf(confirm)
        if not token:
            # the time was taken between the two pages (the confirm step shows the times
            # again) or the link was booked: no form to post, like a customer
            record("booking_refused")
            return
        response = self.client.post(
            link["path"],
            data={
                "csrf_token": token,
                "start": start,
                "tz": "Asia/Jerusalem",
                "name": "Load customer",
                "email": "load.customer@example.com",
            },
            name="booking: confirm (POST)",
            allow_redirects=False,
        )
        if response.status_code in (302, 303):
            record(f"booking_won:{link['id']}")
            close("links", link["id"])
        else:
            record("booking_refused")


class Reseller(Portal):
    """A reseller's people: open the offers, accept the same one, register deals; the stock
    portal home is measured on their session."""

    weight = 10

    def on_start(self):
        account = random.choice(FIXTURES["resellers"])
        self.user_id = FIXTURES["reseller_user_ids"][FIXTURES["resellers"].index(account)]
        self.login(account["login"], account["password"])

    @task(3)
    def accept_offer(self):
        offers = self.client.get("/my/leads", name="offers page")
        lead_id = hot("offers", FIXTURES["offer_lead_ids"], lambda lead_id: lead_id)
        if not lead_id:
            return
        # the offer's link in the list, as a person clicks it; an offer no longer listed (taken
        # meanwhile) is opened by its address in the offer's email
        link = re.search(r'href="(/my/lead/[^"?]*-%d)"' % lead_id, offers.text or "")
        url = link.group(1) if link else f"/my/lead/{lead_id}"
        page = self.client.get(url, name="offer page")
        if 'action="/my/lead/%s/accept"' % lead_id not in (page.text or ""):
            # taken meanwhile: the page shows the deal, or the offers, without the button
            record("offer_refused")
            close("offers", lead_id)
            return
        response = self.client.post(
            f"/my/lead/{lead_id}/accept",
            data={"csrf_token": csrf(page)},
            name="offer: accept (POST)",
            allow_redirects=False,
        )
        if response.status_code in (302, 303) and "/my/opportunity/" in response.headers.get(
            "Location", ""
        ):
            record(f"offer_won:{lead_id}:{self.user_id}")
            close("offers", lead_id)
        else:
            record("offer_refused")

    @task(1)
    def register_deal(self):
        page = self.client.get("/my/channel/register", name="registration form")
        registration = FIXTURES["registration"]
        number = random.randrange(10**9)
        data = [
            ("csrf_token", csrf(page)),
            ("customer_name", f"{FIXTURES['tag']} prospect {number}"),
            ("contact_name", f"Prospect contact {number}"),
            ("email", f"prospect{number}@{FIXTURES['tag'].lower()}-deals.example.com"),
            ("country_id", str(registration["country_id"])),
            ("expected_revenue", "25000"),
            ("date_close_expected", registration["date_close_expected"]),
        ] + [("product_ids", str(product_id)) for product_id in registration["product_ids"]]
        response = self.client.post(
            "/my/channel/register",
            data=data,
            name="registration: submit (POST)",
            allow_redirects=False,
        )
        if response.status_code in (302, 303) and "/my/channel/registration/" in (
            response.headers.get("Location", "")
        ):
            record("registration_created")
        else:
            response.failure(f"registration not created ({response.status_code})")

    @task(2)
    def portal_home(self):
        self.client.get("/my/home", name="stock: /my/home")


class WithdrawingPerson(HttpUser):
    """A person opens the preference page of their marketing emails and withdraws a consent;
    several visitors do it for the same person at once (the same email opened twice)."""

    weight = 10
    wait_time = between(1, 3)

    @task
    def withdraw(self):
        person = hot("people", FIXTURES["subjects"], lambda person: person["id"])
        if not person:
            return
        page = self.client.get(person["path"], name="preference page")
        token = csrf(page)
        if not token:
            page.failure("the preference page has no form")
            return
        withdrawn = 0
        for choice in person["choices"]:
            response = self.client.post(
                person["path"],
                data={"csrf_token": token, "decision": "withdraw", **choice},
                name="preference: withdraw (POST)",
                allow_redirects=False,
            )
            location = response.headers.get("Location", "")
            if response.status_code in (302, 303) and "message=withdrawn" in location:
                record(f"withdrawal:{person['id']}:{choice['purpose_id']}")
                withdrawn += 1
            elif response.status_code in (302, 303) and "message=unchanged" in location:
                record("withdrawal_unchanged")
            else:
                response.failure(f"unexpected answer {response.status_code} {location}")
        if not withdrawn:
            close("people", person["id"])


class QuoteCustomer(HttpUser):
    """Customers open their quotation and sign it; the same quotation is signed from two
    places at once (the buyer and a colleague who got the email too). The stock quote page (a
    quotation without CPQ) is measured beside it."""

    weight = 10
    wait_time = between(1, 3)

    @task(3)
    def accept_quote(self):
        quote = hot("quotes", FIXTURES["quotes"], lambda quote: quote["id"])
        if not quote:
            return
        self.client.get(quote["url"], name="quote page (CPQ)")
        path, _sep, query = quote["url"].partition("?")
        response = self.client.post(
            f"{path}/accept?{query}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"name": "Load Customer", "signature": FIXTURES["signature"]},
            },
            name="quote: accept (JSON)",
        )
        answer = rpc_answer(response)
        result = answer.get("result") or {}
        if result.get("force_refresh"):
            record(f"quote_won:{quote['id']}")
            close("quotes", quote["id"])
        elif "error" in result:
            # told the quotation cannot be signed (any more): signed by someone else
            record("quote_refused")
            close("quotes", quote["id"])
        elif answer:
            response.failure(f"unexpected answer {response.text[:200]}")

    @task(2)
    def stock_quote(self):
        self.client.get(FIXTURES["stock_quote"]["url"], name="stock: quote page")


class SalesRep(HttpUser):
    """A rep opens the pipeline (the kanban's grouped read and cards, as the web client asks);
    stock's contact list is measured beside it."""

    weight = 5
    wait_time = between(1, 3)

    def on_start(self):
        rep = FIXTURES["rep"]
        response = self.client.post(
            "/web/session/authenticate",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "db": FIXTURES["db"],
                    "login": rep["login"],
                    "password": rep["password"],
                },
            },
            name="rep login",
        )
        if "error" in rpc_answer(response):
            response.failure("rep login refused")

    def call_kw(self, model, method, args, kwargs, name):
        response = self.client.post(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
            },
            name=name,
        )
        if "error" in rpc_answer(response):
            response.failure(response.text[:300])
        return response

    @task(2)
    def pipeline(self):
        context = {"lang": "en_US", "tz": "Europe/Brussels", "default_type": "opportunity"}
        domain = [["type", "=", "opportunity"]]
        self.call_kw(
            "crm.lead",
            "web_read_group",
            [],
            {
                "domain": domain,
                "fields": ["expected_revenue:sum", "color"],
                "groupby": ["stage_id"],
                "lazy": True,
                "context": context,
            },
            "pipeline: grouped by stage",
        )
        self.call_kw(
            "crm.lead",
            "web_search_read",
            [],
            {
                "domain": domain,
                "specification": {
                    "name": {},
                    "partner_id": {"fields": {"display_name": {}}},
                    "expected_revenue": {},
                    "company_currency": {"fields": {}},
                    "stage_id": {"fields": {"display_name": {}}},
                    "user_id": {"fields": {"display_name": {}}},
                    "priority": {},
                    "activity_state": {},
                    "tag_ids": {"fields": {"display_name": {}}},
                    # the suite's fields on the kanban card (crm_global: the deal's currency)
                    "deal_amount": {},
                    "deal_currency_id": {"fields": {}},
                    "deal_rate_source": {},
                    "deal_rate_missing": {},
                },
                "limit": 80,
                "context": context,
            },
            "pipeline: cards",
        )

    @task(1)
    def contacts(self):
        self.call_kw(
            "res.partner",
            "web_read_group",
            [],
            {
                "domain": [],
                "fields": ["color"],
                "groupby": ["country_id"],
                "lazy": True,
                "context": {"lang": "en_US"},
            },
            "stock: contacts grouped by country",
        )
        self.call_kw(
            "res.partner",
            "web_search_read",
            [],
            {
                "domain": [],
                "specification": {
                    "display_name": {},
                    "email": {},
                    "phone": {},
                    "city": {},
                    "country_id": {"fields": {"display_name": {}}},
                },
                "limit": 80,
                "context": {"lang": "en_US"},
            },
            "stock: contacts list",
        )
