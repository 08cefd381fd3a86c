"""Every performance budget of the suite, in one table (issue 19).

A budget belongs to one benchmark of tests/benchmarks (by its name) and says, against stock Odoo
doing the same work in the same run:

- ``max_ratio``: our time / stock's time, at every size of ``sizes`` (``make bench``);
- ``flat``: the query count does not grow with the work (equal at every size);
- ``flat_beyond_baseline``: our queries beyond stock's do not grow with the work, where stock's
  own part of the operation (which we call and cannot change) costs queries per unit;
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
    flat_beyond_baseline: bool = False
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
        # 12 since the job claims its batch with FOR UPDATE SKIP LOCKED inside a savepoint (issue
        # 17: two cron workers never re-value one deal twice; crm_global/tools/claim.py)
        max_queries=12,
        # History: issue 19: 6.5x / 6.8x, 20 / 137 queries; 2026-12-03: 8 queries flat, 8.6x /
        # 8.8x against a baseline that only converted the amounts and stored nothing. The
        # baseline now stores what it converts (stock's batched column write of the expected
        # and prorated revenue), as the job does. 2026-12-03, loaded machine, single attempts:
        # 1.00-2.90x / 0.35-2.43x at 1,000 / 10,000 (over 2x in 2 of 10 / 3 of 11 runs),
        # 1.07-2.40x / 0.79-1.63x at the CI sizes (over 2x in 2 of 9 / 0 of 9; the CI keeps the
        # best of 3 attempts). What is left of ours beyond stock's write: the pipeline value
        # log's row per deal (8 foreign keys checked per row) and the claim's row locks.
        owner="crm_global",
    ),
    Budget(
        "global: slot finder over 14 days",
        sizes=(50, 200),
        ci_sizes=(50, 200),
        max_ratio=2.0,
        flat=True,
        max_queries=10,
        # History: issue 19: 3.1x; 2026-12-03: 10 queries, 1.7x / 2.3x. Then the salesperson's
        # zone, partner, resource and calendar in one query, and their busy events read from an
        # attendee index in a plan linear in the events: 8 queries, 1.1-1.6x.
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
        "flat; CI size on the demo database 1.9-2.8x; fix/erase3 (empty tables left out): "
        "0.96x / 0.99x, 7 queries flat",
        owner="crm_gdpr",
    ),
    Budget(
        "gdpr: erasure of a person with 1,000 messages",
        sizes=(100, 1000),
        ci_sizes=(100,),
        max_ratio=1.5,
        max_queries=110,
        measured="history: issue 19: 3.1x at 100 messages, 719 queries against stock's 304; "
        "2026-12-03: 2.9-3.3x at 100 messages, 0.79-0.93x at 1,000, 114 / 116 queries (flat); "
        "fix/erase (one scan of the database instead of a rewrite and a scan; phone numbers "
        "read only in texts with digits enough), before / after in the same runs at 100 "
        "messages: 3.47x / 2.80x and 2.89x / 2.43x (best of 5), 1.83x / 1.43x-1.92x (best of "
        "3, load 15); ours 1.6-2.6 s from 2.0-3.0 s; 101 / 103 queries; 0.36-0.39x at 1,000. "
        "What is left is the residual scan of every text column (the evidence): about three "
        "quarters of the erasure at 100 messages, by itself about 1.3x stock's find and "
        "archive, most of it Odoo's metadata tables (ir_ui_view, ir_model_fields, "
        "ir_model_data). Stock's find and archive removes no data at all: less work than ours. "
        "fix/erase2 (merged fix/scan; the evidence scan skips metadata rows that are module data "
        "only, the text columns read once, attachments' text behind the LIKE prefilter), before "
        "/ after in the same runs at 100 messages (9 pairs, load 3-12): 1.79/1.78, 2.45/0.86, "
        "1.25/1.09, 2.76/1.55, 1.53/0.81, 2.22/1.47, 3.67/2.27, 2.22/2.15, 1.86/1.30; ours "
        "0.18-0.44 s from 0.25-0.76 s (quiet runs), stock 0.11-0.26 s; 100 / 102 queries; "
        "0.22-0.46x at 1,000. Still over 1.5x in 4 runs of 9: unmet. "
        "fix/erase3 (the probes leave out empty tables, whose file is empty: about 200 of 330 "
        "tables with text columns, whose probes cost more to plan than to run; text files read "
        "behind a Python twin of the LIKE prefilter; the module rows of views listed once): "
        "before / after, 9 pairs taken in turns at 100 messages as make bench measures (best of "
        "1, load 1-2): 1.61/1.25, 1.37/1.25, 1.36/0.76, 1.21/0.93, 1.64/0.97, 1.40/1.26, "
        "1.21/0.89, 1.66/1.16, 1.47/0.80 (medians 1.40x / 0.97x); as CI measures (best of 3): "
        "0.79-1.26x in 5 runs; quiet, ours 125 ms against stock's 99 ms; 97 / 99 queries at "
        "100 / 1,000 (from 100 / 102). On the demo database (CI; 190 tables with rows of 330, "
        "the scan about 80 ms of ours), before / after as CI measures, 9 pairs: medians 1.39x "
        "/ 1.27x (after: 0.94-1.81x); the CI check itself (test_erasure's check_budget) passed "
        "11 times of 11 at its first attempt (0.84-1.45x; before: 0.97-1.78x, 3 of 5 over "
        "1.5x). Met; the demo database's margin is the thinner (the scan of Odoo's metadata "
        "tables, ir_model_fields, ir_ui_view, ir_module_module, ir_model_data: about 30 ms, is "
        "what is left)",
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
    # --- crm_global_b2b_cpq ---------------------------------------------------------------------
    Budget(
        "global x cpq: new quotations in their deal's currency",
        sizes=(20, 100),
        ci_sizes=(10, 40),
        # stock's sale.order create costs ~4 queries per order (151 -> 471 at 20 -> 100,
        # 2026-12-03); ours adds 17 at both sizes (each deal's pricelist: a search per currency)
        flat_beyond_baseline=True,
        owner="crm_global_b2b_cpq",
    ),
    Budget(
        "global x cpq: quotations' total beside the deal amount",
        sizes=(50, 500),
        ci_sizes=(50, 200),
        flat=True,
        max_queries=5,  # 3 on 2026-12-03 (stock's quotation count and total: 4)
        owner="crm_global_b2b_cpq",
    ),
    Budget(
        "global x cpq: ledger's deal currency of many deals",
        sizes=(100, 1000),
        ci_sizes=(100, 300),
        flat=True,
        max_queries=1,
        owner="crm_global_b2b_cpq",
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
)


def budget_of(name):
    return next((budget for budget in BUDGETS if budget.benchmark == name), None)
