"""What Chromium lays out for an Arabic and a Hebrew user: the backend (web client) and the portal
right to left, with the right-to-left stylesheets that Odoo builds with `rtlcss` (installed by
scripts/setup.sh); an English user's left to right, so that the test can fail.

tests/test_rtl_pages.py checks the `dir` attributes of every page the suite adds; this module
checks what the browser makes of them: the computed `direction` of the main containers, where the
apps menu lands, and rules that only rtlcss flips (Bootstrap's `float-start` is `float: left` in
the stylesheet Odoo compiles; only the rtlcss-built bundle makes it `right`). A stylesheet that
rtlcss failed to build carries Odoo's `css_error_message`: that fails the test too.
"""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

DIRECTIONS = {"ar_001": "rtl", "he_IL": "rtl", "en_US": "ltr"}

# Runs in the page once it is ready; `expected` and `containers` are prepended.
CHECK = """
(async () => {
    const problems = [];
    const rtl = expected === "rtl";
    for (const selector of containers) {
        const element = document.querySelector(selector);
        if (!element) {
            problems.push(`no ${selector} in the page`);
            continue;
        }
        const direction = getComputedStyle(element).direction;
        if (direction !== expected) {
            problems.push(`${selector} is laid out ${direction}`);
        }
    }
    // Rules of the stylesheet itself, as rtlcss rewrites them.
    const probe = document.createElement("div");
    probe.className = "float-start text-start ms-3";
    document.body.appendChild(probe);
    const style = getComputedStyle(probe);
    const side = rtl ? "right" : "left";
    if (style.float !== side) {
        problems.push(`.float-start floats ${style.float}`);
    }
    if (style.textAlign !== side) {
        problems.push(`.text-start aligns ${style.textAlign}`);
    }
    const margin = rtl ? style.marginRight : style.marginLeft;
    if (margin === "0px") {
        problems.push(`.ms-3 has no margin on the ${rtl ? "right" : "left"}`);
    }
    probe.remove();
    const sheets = [...document.querySelectorAll("link[rel=stylesheet]")].map((l) => l.href);
    const ours = sheets.filter((href) => href.includes("/web/assets/"));
    if (!ours.length) {
        problems.push("no asset bundle stylesheet in the page");
    }
    for (const href of ours) {
        if (rtl !== /\\.rtl\\.(min\\.)?css/.test(href)) {
            problems.push(`stylesheet ${href} for a ${expected} page`);
        }
        const css = await (await fetch(href)).text();
        if (css.includes("css_error_message")) {
            problems.push(`stylesheet ${href} was built with errors`);
        }
    }
    if (typeof extra === "function") {
        problems.push(...extra());
    }
    if (problems.length) {
        console.error(`${location.pathname} (${expected}): ${problems.join("; ")}`);
    } else {
        console.log("test successful");
    }
})();
"""

# The apps menu toggle sits at the start of the navbar: on the right in rtl.
BACKEND_EXTRA = """
const extra = () => {
    const toggle = document.querySelector(".o_navbar_apps_menu");
    if (!toggle) {
        return ["no apps menu in the navbar"];
    }
    const box = toggle.getBoundingClientRect();
    const onTheRight = box.left > window.innerWidth / 2;
    return onTheRight === (expected === "rtl") ? [] : [`apps menu at x=${box.left}`];
};
"""


@tagged("post_install", "-at_install")
class TestRightToLeftLayout(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.langs = env["res.lang"]
        for code in DIRECTIONS:
            cls.langs |= env["res.lang"]._activate_lang(code)
        if "website" in env:
            # With the website module, portal pages are served in the website's languages only.
            env["website"].search([]).language_ids |= cls.langs
        for code in DIRECTIONS:
            suffix = code.split("_")[0]
            new_test_user(
                env,
                login=f"layout_user_{suffix}",
                name=f"Layout user {suffix}",
                groups="sales_team.group_sale_salesman",
                lang=code,
            )
            mail_new_test_user(
                env,
                login=f"layout_portal_{suffix}",
                name=f"Layout portal {suffix}",
                email=f"layout_portal_{suffix}@example.com",
                groups="base.group_portal",
                lang=code,
            )

    def _check(self, url, login, expected, containers, extra="", ready=""):
        code = f"const expected = {expected!r};\nconst containers = {containers!r};\n{extra}{CHECK}"
        self.browser_js(url, code, ready=ready, login=login, timeout=180)

    def _url_code(self, code):
        return self.langs.filtered(lambda lang: lang.code == code).url_code

    def test_backend(self):
        for code, expected in DIRECTIONS.items():
            with self.subTest(lang=code):
                self._check(
                    "/odoo/crm",
                    f"layout_user_{code.split('_')[0]}",
                    expected,
                    ["body", ".o_web_client", ".o_main_navbar", ".o_action_manager"],
                    extra=BACKEND_EXTRA,
                    ready="odoo.isReady",
                )

    def test_portal(self):
        for code, expected in DIRECTIONS.items():
            with self.subTest(lang=code):
                prefix = "" if code == "en_US" else f"/{self._url_code(code)}"
                self._check(
                    f"{prefix}/my",
                    f"layout_portal_{code.split('_')[0]}",
                    expected,
                    ["body", "#wrapwrap", "main", ".o_portal_my_home"],
                )
