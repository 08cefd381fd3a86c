"""Project-wide pytest rules, on top of pytest-odoo.

- A skipped test is a failed test. Odoo skips browser tours silently when Chromium or
  websocket-client is missing, and pytest-odoo skips HttpCase without --odoo-http: in this
  project such a run must go red, not green.
- As under Odoo's own test runner, an ERROR (or CRITICAL) record logged by Odoo while a test runs
  fails the test. Tests that expect an error silence it with `mute_logger` or `assertLogs`, which
  keep the record from reaching the root logger.
  One record is not an error of the code under test: the test server closes a browser's idle
  keep-alive or preconnected socket after 5 s (odoo.service.server.RequestHandler sets that
  timeout in tests for headless Chromium's preconnects) and the standard library logs it as
  "Request timed out" through werkzeug's logger; under load a browser test meets it at random.
"""

import logging

import pytest


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        if record.name.startswith(("odoo", "werkzeug")) and not _idle_socket_closed(record):
            self.records.append(record)


def _idle_socket_closed(record):
    return record.name == "werkzeug" and "Request timed out: TimeoutError" in record.getMessage()


@pytest.fixture(scope="session", autouse=True)
def _odoo_errors_reach_the_collector(load_registry):
    # pytest-odoo's default log level (critical) would drop ERROR records before any handler.
    for name in ("odoo", "werkzeug"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.ERROR:
            logger.setLevel(logging.ERROR)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    collector = _ErrorCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    item.stash[_errors_key] = collector.records


_errors_key = pytest.StashKey[list]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped, and a skip counts as a failure in this project: {reason}"
    elif call.when == "call" and report.passed:
        errors = item.stash.get(_errors_key, [])
        if errors:
            report.outcome = "failed"
            report.longrepr = "Odoo logged errors during the test:\n" + "\n".join(
                f"{record.name}: {record.getMessage()}" for record in errors
            )
