"""The project's pytest rules (conftest.py) bite: a skipped test and a test during which Odoo logs
an error both come out failed. Runs pytest-odoo on a tiny probe file in a subprocess."""

import os
import pathlib
import re
import subprocess
import sys
import tempfile

from odoo.tests import BaseCase, tagged
from odoo.tools import config

ROOT = pathlib.Path(__file__).resolve().parent.parent

PROBE = """
import logging
import unittest

from odoo.tests import TransactionCase, tagged

@tagged("post_install", "-at_install")
class TestProbe(TransactionCase):
    def test_skips(self):
        raise unittest.SkipTest("Chrome browser not found")

    def test_logs_an_error(self):
        logging.getLogger("odoo.addons.probe").error("something broke")

    def test_passes(self):
        self.assertTrue(self.env.user)

    def test_idle_browser_socket_closed_passes(self):
        # What the test server logs when it closes a browser's idle keep-alive socket.
        logging.getLogger("werkzeug").error(
            "127.0.0.1 - - [03/Dec/2026 08:07:48] Request timed out: TimeoutError('timed out')"
        )
"""


@tagged("post_install", "-at_install")
class TestRunnerRules(BaseCase):
    def test_skip_and_logged_error_fail(self):
        with tempfile.TemporaryDirectory(dir=ROOT / "tests") as tmp:
            probe = pathlib.Path(tmp) / "test_probe.py"
            probe.write_text(PROBE)
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-p",
                    "no:cacheprovider",
                    f"--odoo-config={ROOT / 'odoo.conf'}",
                    f"--odoo-database={config['db_name']}",
                    "-q",
                    str(probe),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
                env=dict(os.environ, ODOO_SRC=os.environ.get("ODOO_SRC", "/opt/odoo")),
                check=False,
            )
        self.assertNotEqual(run.returncode, 0, run.stdout)
        summary = run.stdout.strip().splitlines()[-1]
        self.assertRegex(summary, r"2 failed, 2 passed", run.stdout[-3000:])
        self.assertTrue(re.search(r"skip counts as a failure", run.stdout), run.stdout[-3000:])
        self.assertIn("Odoo logged errors during the test", run.stdout)
