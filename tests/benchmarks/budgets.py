"""Every performance budget of the suite, in one table (issue 19).

A budget belongs to one benchmark of tests/benchmarks (by its name) and says, against stock Odoo
doing the same work in the same run:

- ``max_ratio``: our time / stock's time, at every size of ``sizes`` (``make bench``);
- ``flat``: the query count does not grow with the work (equal at every size);
- ``max_queries``: a ceiling on our query count at any size.

``met`` says whether the budget holds today. A met budget is checked strictly in CI
(tests/test_benchmark_budgets.py, run by ``make test``) at ``ci_sizes``, smaller than ``sizes``
so that the check takes a few minutes; a regression fails the build. An unmet budget is listed
with what was last measured (``measured``) and is not asserted: it is the open work of the issue,
not a passing test. Its ``flat`` and ``max_queries`` parts are still checked when
``ci_checks_queries`` is true (they hold even where the time does not).

Times are the best of several interleaved runs (ours, stock, ours, ...), so that a slow spell of
the shared machine hits both sides of a ratio alike; a ratio over budget is measured again before
the check fails (see tests/test_benchmark_budgets.py).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    benchmark: str
    sizes: tuple
    ci_sizes: tuple
    max_ratio: float = None
    flat: bool = False
    max_queries: int = None
    met: bool = True
    ci_checks_queries: bool = True
    measured: str = ""
    owner: str = ""
    # Sizes at which the ratio is asserted (default: every size); the issue may set a ratio at
    # one size only, where a fixed cost no longer dominates.
    ratio_sizes: tuple = None


BUDGETS = (
    # --- crm_deal_ledger -----------------------------------------------------------------------
    Budget(
        "ledger: accountants' report over won deals",
        sizes=(1000, 10000),
        ci_sizes=(300, 3000),
        max_ratio=2.0,
        flat=True,
        measured="history: issue 19: 3.3x / 10.9x; 2026-12-03 4.3x / 9.8x (the whole ledger "
        "computed at each read); 2026-12-03 on fix/ledger, the report reads entries stored per "
        "deal and refreshed by the ORM when a deal's documents change, four runs on a loaded "
        "machine: 1.43x / 1.24x, 1.64x / 2.02x (during a test run), 1.21x / 1.22x, 1.53x / "
        "1.55x; 30 queries flat",
        owner="crm_deal_ledger",
    ),
    Budget(
        "ledger: one deal's figures",
        sizes=(10, 50),
        ci_sizes=(10, 50),
        flat=True,
        max_queries=15,
        owner="crm_deal_ledger",
    ),
    # --- crm_global ----------------------------------------------------------------------------
    Budget(
        "global: re-value open opportunities",
        sizes=(1000, 10000),
        ci_sizes=(300, 3000),
        max_ratio=2.0,
        flat=True,
        max_queries=10,
        met=False,
        measured="issue 19: 6.5x / 6.8x, 20 / 137 queries; 2026-12-03, same run conditions: "
        "before 348 / 3,519 ms (19.1x / 25.3x), after 179 / 1,859 ms (8.6x / 8.8x), 8 / 8 "
        "queries; what is left is PostgreSQL writing each deal (35 indexes on crm_lead) and its "
        "log row, while stock's baseline writes nothing",
        owner="crm_global",
    ),
    Budget(
        "global: slot finder over 14 days",
        sizes=(50, 200),
        ci_sizes=(50, 200),
        max_ratio=2.0,
        flat=True,
        max_queries=10,
        met=False,
        measured="issue 19: 3.1x; 2026-12-03, same run conditions: before 12 queries, 2.0x / "
        "2.8x, after 10 queries, 1.7x / 2.3x (10.6 / 10.1 ms against 6.3 / 4.3 ms)",
        owner="crm_global",
    ),
    # --- crm_gdpr (made to hold by the gdpr engineer) -------------------------------------------
    Budget(
        "gdpr: residual scan of the text columns",
        sizes=(10000, 100000),
        ci_sizes=(10000,),
        max_ratio=3.0,
        flat=True,
        measured="issue 19: 11.1x / 8.5x; 2026-12-03 after one probe for the whole database: "
        "3.84x / 4.86x, 10 queries flat (loaded machine); the regular expressions (the loose "
        "phone pattern) ran on every row of every text column. After a LIKE prefilter and the "
        "columns read from pg_catalog: 0.7-2.1x at 10,000, 0.7-1.4x at 100,000 (12 runs, load "
        "10-16 on 2 cores; the former code in the same runs 1.9-4.3x / 4.3-5.5x), 10 queries "
        "flat; CI size on the demo database 1.9-2.8x",
        owner="crm_gdpr",
    ),
    Budget(
        "gdpr: erasure of a person with 1,000 messages",
        sizes=(100, 1000),
        ci_sizes=(100,),
        max_ratio=1.5,
        met=False,
        ci_checks_queries=False,
        measured="issue 19: 3.1x at 100 messages, 719 queries against stock's 304; "
        "2026-12-03: 2.9-3.3x at 100 messages, 0.79-0.93x at 1,000, 114 / 116 queries (flat)",
        owner="crm_gdpr",
    ),
    Budget(
        "gdpr: consent filtering of a mass mailing",
        sizes=(1000, 10000),
        # Setting up 10,000 recipients takes minutes: CI checks 100 (queries) and 1,000.
        ci_sizes=(100, 1000),
        max_ratio=1.05,
        ratio_sizes=(1000, 10000),
        flat=True,
        measured="issue 19: 0.42x; 2026-12-03 on fix/stock (loaded machine): 0.76x / 0.42x at "
        "1,000 / 10,000 recipients (254 / 581 ms against 336 / 1,367 ms), 12 queries flat "
        "(stock's 6)",
        owner="crm_gdpr",
    ),
    # --- bridges: partner quotes (issue 16), local-time mailing (issue 21) ---------------------
    Budget(
        "channel x cpq: a reseller's quote priced and saved from the portal form",
        sizes=(10, 50),
        ci_sizes=(50,),
        max_ratio=1.3,
        owner="crm_partner_channel_b2b_cpq",
    ),
    Budget(
        "global mass mailing: schedule a mailing in local time",
        sizes=(1000, 10000),
        ci_sizes=(1000, 10000),
        max_ratio=2.0,
        # Issue 21: within 2x at 10,000 recipients; at 1,000 the fixed cost (crm_global's windows
        # and holidays per distinct zone and country) makes it 2.3-2.7x.
        ratio_sizes=(10000,),
        flat=True,
        owner="crm_global_mass_mailing",
    ),
    # --- crm_b2b_cpq ---------------------------------------------------------------------------
    Budget(
        "cpq: price and save a quote with tiers and contract prices",
        sizes=(20, 200),
        ci_sizes=(20, 200),
        max_ratio=1.3,
        flat=True,
        measured="issue 19: 0.54x at 200 lines, 36 queries flat; 2026-12-03 on fix/stock "
        "(loaded machine): 0.85x / 0.50x at 20 / 200 lines, 42 queries flat",
        owner="crm_b2b_cpq",
    ),
    # --- crm_partner_channel -------------------------------------------------------------------
    Budget(
        "channel: route leads among 200 partners",
        sizes=(1000, 5000),
        # Stock's assignment of 1,000 leads takes a minute on the shared machine: CI checks 200.
        ci_sizes=(200,),
        max_ratio=1.0,
        measured="issue 19: 0.04x stock's assignment, 0.06 queries per lead; 2026-12-03 on "
        "fix/stock (loaded machine): 0.11x / 0.05x at 1,000 / 5,000 leads (7.3 s against "
        "63.5 s, 31.9 s against 680 s), 0.07 / 0.06 queries per lead",
        owner="crm_partner_channel",
    ),
)


# Benchmarks without a budget of their own in issue 19 (they keep the checks of their class, run
# by make bench).
NO_BUDGET = (
    "cpq: save a new quote with tiers and contract prices",
    "cpq: diff two versions of a quote",
    "gdpr: consent filtering, every recipient consented",
    "global x cpq: new quotations in their deal's currency",
    "global x cpq: quotations' total beside the deal amount",
    "global x cpq: ledger's deal currency of many deals",
)


def budget_of(name):
    return next((budget for budget in BUDGETS if budget.benchmark == name), None)
