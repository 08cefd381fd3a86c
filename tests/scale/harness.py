"""Real processes for the scale-out tests (make test-scale): Odoo servers started with
odoo-bin, job workers importing Odoo, their logs scanned for errors.

Not a pytest module (the file names do not start with test_): `make test` does not collect it;
scripts/test_scale.sh runs run_cron.py and run_replica.py.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo")
if ODOO_SRC not in sys.path:
    sys.path.insert(0, ODOO_SRC)

import odoo
from odoo import SUPERUSER_ID, api

HERE = os.path.dirname(os.path.abspath(__file__))
# "2026-12-03 14:00:00,000 1234 ERROR db logger: message"
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def stop_on_sigterm():
    """SIGTERM ends this process through its `finally` blocks (servers and workers stopped)."""

    def handler(signum, frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, handler)


def load_registry(conf, db, logfile=None, level="warn"):
    """Odoo's configuration and the registry of `db`, in this process."""
    args = ["-c", conf, "-d", db, f"--log-level={level}"]
    if logfile:
        args += ["--logfile", logfile]
    odoo.tools.config.parse_config(args)
    return odoo.modules.registry.Registry(db)


class Env:
    """`with Env(registry) as env:` one committed transaction as superuser."""

    def __init__(self, registry, context=None):
        self.registry = registry
        self.context = context or {}

    def __enter__(self):
        self.cr = self.registry.cursor()
        return api.Environment(self.cr, SUPERUSER_ID, self.context)

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.cr.commit()
        finally:
            self.cr.close()
        if exc_type is None:
            self.registry.signal_changes()
        return False


def log_errors(path):
    """The ERROR and CRITICAL lines of an Odoo log file, with the lines that follow them."""
    if not os.path.exists(path):
        return []
    errors, current = [], None
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if LOG_ERROR.match(line):
                current = [line.rstrip()]
                errors.append(current)
            elif current is not None and not re.match(r"^\d{4}-\d\d-\d\d ", line):
                if len(current) < 40:
                    current.append(line.rstrip())
            else:
                current = None
    return ["\n".join(lines) for lines in errors]


class Server:
    """An odoo-bin server (threaded, its own ports and log file)."""

    def __init__(self, name, conf, db, http_port, gevent_port, logfile, extra=()):
        self.name = name
        self.http_port = http_port
        self.logfile = logfile
        self.args = [
            sys.executable,
            os.path.join(ODOO_SRC, "odoo-bin"),
            "-c",
            conf,
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--http-port",
            str(http_port),
            "--gevent-port",
            str(gevent_port),
            "--workers=0",
            "--logfile",
            logfile,
            "--log-level=info",
            *extra,
        ]
        self.process = None

    def start(self):
        # in the caller's process group: scripts/test_scale.sh stops the group on failure
        self.process = subprocess.Popen(self.args)
        return self

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        url = f"http://127.0.0.1:{self.http_port}/web/health"
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout}s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def url_get(url, cookies=None, timeout=30):
    request = urllib.request.Request(url)
    if cookies:
        request.add_header("Cookie", cookies)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()
