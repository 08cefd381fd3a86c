"""The ground every addon stands on: the test database, the browser, the runner's own rules."""

import ast
import pathlib

from odoo.tests import HttpCase, TransactionCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent


def project_addons():
    for manifest in sorted(ROOT.glob("addons/*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            yield manifest.parent.name


@tagged("post_install", "-at_install")
class TestSuiteInstalled(TransactionCase):
    def test_every_addon_is_installed(self):
        addons = set(project_addons())
        self.assertTrue(addons, "addons/ holds no installable addon")
        modules = self.env["ir.module.module"].search([("name", "in", list(addons))])
        states = {module.name: module.state for module in modules}
        self.assertEqual(states, dict.fromkeys(addons, "installed"))

    def test_manifests_follow_conventions(self):
        for addon in project_addons():
            manifest = ast.literal_eval((ROOT / "addons" / addon / "__manifest__.py").read_text())
            with self.subTest(addon=addon):
                self.assertRegex(manifest["version"], r"^18\.0\.\d+\.\d+\.\d+$")
                self.assertEqual(manifest["license"], "LGPL-3")
                data = manifest.get("data", [])
                security = [i for i, path in enumerate(data) if path.startswith("security/")]
                others = [i for i, path in enumerate(data) if not path.startswith("security/")]
                if security and others:
                    self.assertLess(max(security), min(others), "security files come first")


@tagged("post_install", "-at_install")
class TestBrowser(HttpCase):
    """Tours run in a real headless Chromium: a page loads and its script reports back."""

    def test_browser_runs_javascript(self):
        self.browser_js(
            "/web/login",
            "document.querySelector('form.oe_login_form') && console.log('test successful')",
        )

    def test_browser_failure_fails_the_test(self):
        # A tour or script that fails must turn the test red, not pass silently.
        with self.assertRaises(AssertionError):
            self.browser_js("/web/login", "console.log('not the success signal')", timeout=3)
