"""The suite's PDF reports come out of wkhtmltopdf as real PDFs, in the reader's language and,
in Arabic and Hebrew, laid out right to left.

Odoo renders reports as HTML under tests unless `force_report_rendering` is set: here every
report goes through wkhtmltopdf (installed by scripts/setup.sh) against this test's own HTTP
server (stylesheets included), and poppler's `pdftotext` reads the PDF back:
- the text (`pdftotext`), normalised (Arabic presentation forms to letters, bidi marks dropped),
  holds the document's own data and its labels in the reader's language;
- the words' boxes (`pdftotext -bbox`) show the layout: in a right-to-left document the first
  column of a table (the product) is printed to the right of the amounts, in a left-to-right one
  to their left. English is checked as well, so that the test can fail.

Debian's wkhtmltopdf is built on an unpatched Qt 5, which draws text set in a web font (the
reports' Lato, and every font a company can pick) as curves: the PDF looks right but its Latin
text cannot be read back. So the tests print twice:
- as is: a real PDF, whose Arabic and Hebrew words (set in the system's Noto/DejaVu fonts, Odoo's
  own Arabic/Hebrew web fonts being online only) are read back and sit on the right of the page;
- with the report's fonts set to the system's (one inherited view, rolled back with the test),
  so that every word is read back: the document's data, and the order of the table's columns.

Every `qweb-pdf` report that an addon of the suite declares must be printed here: a new report
(e.g. an erasure certificate) fails `test_every_report_of_the_suite_is_printed_here` until a case
is added below.
"""

import html
import re
import shutil
import subprocess
import tempfile
import unicodedata

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .test_foundation import project_addons

BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None)
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>'
)
# The reports printed by this module, by XML id of their ir.actions.report.
PRINTED_HERE = {
    "crm_gdpr.action_report_processing_register",
    "crm_gdpr.action_report_erasure_certificate",
}
RTL_LETTER = re.compile(r"[\u0590-\u06FF\uFB1D-\uFEFF]")
PAGE = re.compile(r'<page width="([\d.]+)"')


def pdf_text(pdf):
    """(plain text, [(x_min, y_min, x_max, word)], page width) of a PDF, read by poppler's
    pdftotext."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", file.name, "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        boxes = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-bbox", file.name, "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    words = [
        (float(x0), float(y0), float(x1), html.unescape(word))
        for x0, y0, x1, word in WORD.findall(boxes)
    ]
    text = unicodedata.normalize("NFKC", text).translate(BIDI_MARKS)
    return " ".join(text.split()), words, float(PAGE.search(boxes).group(1))


SYSTEM_FONTS = """<xpath expr="//head" position="inside">
    <style>* { font-family: "Noto Sans", "DejaVu Sans", sans-serif !important; }</style>
</xpath>"""


@tagged("post_install", "-at_install")
class TestPdfReports(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        for code in ("ar_001", "he_IL"):
            env["res.lang"]._activate_lang(code)
        env["ir.module.module"]._load_module_terms(["crm_b2b_cpq", "crm_gdpr"], ["ar_001", "he_IL"])
        cls.manager = new_test_user(
            env,
            login="pdf_manager",
            name="Yasmin Khoury",
            email="yasmin@vendor.example.com",
            groups="sales_team.group_sale_manager",
        )
        team = env["crm.team"].create({"name": "Levant", "user_id": cls.manager.id})
        env["cpq.discount.policy"].create(
            {
                "name": "Levant policy",
                "team_id": team.id,
                "max_discount": 10.0,
                "min_margin": 0.0,
                "approver_ids": [Command.set(cls.manager.ids)],
            }
        )
        cls.product = env["product.product"].create(
            {
                "name": "Reefer Telematics Gateway",
                "list_price": 450.0,
                "standard_price": 200.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = env["res.partner"].create(
            {"name": "Jaffa Cold Storage", "email": "buyer@jaffa-cold.example.com"}
        )
        cls.quote = env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "team_id": team.id,
                "user_id": cls.manager.id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": 8})
                ],
            }
        )

    def _system_fonts(self):
        # The PDF is printed from web.minimal_layout (Odoo re-wraps each page of the report).
        self.env["ir.ui.view"].create(
            {
                "name": "test: reports in system fonts",
                "type": "qweb",
                "inherit_id": self.env.ref("web.minimal_layout").id,
                "arch": SYSTEM_FONTS,
            }
        )

    def _pdf(self, report, records, lang=None):
        env = self.env(context=dict(self.env.context, lang=lang or "en_US"))
        pdf, kind = (
            env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), "wkhtmltopdf did not produce a PDF")
        text, words, self.page_width = pdf_text(pdf)
        return text, words

    def assertColumnsRightToLeft(self, words, first, later, rtl):
        """`first` (a word of a table's first column) and `later` (of a later column) are on
        one line, `first` to the right of `later` when rtl, to its left otherwise."""
        first_box = next((w for w in words if w[3] == first), None)
        self.assertTrue(first_box, f"{first!r} not printed: {[w[3] for w in words]}")
        same_line = [w for w in words if later in w[3] and abs(w[1] - first_box[1]) < 4]
        self.assertTrue(same_line, f"no {later!r} on the line of {first!r}")
        if rtl:
            self.assertGreater(first_box[0], max(w[2] for w in same_line))
        else:
            self.assertLess(first_box[2], min(w[0] for w in same_line))

    def test_tools_are_installed(self):
        for tool in ("wkhtmltopdf", "pdftotext"):
            self.assertTrue(shutil.which(tool), f"{tool} is missing: run scripts/setup.sh")
        self.assertEqual(self.env["ir.actions.report"].get_wkhtmltopdf_state(), "ok")

    def test_quote_as_printed(self):
        for lang, revision in (("ar_001", "المراجعة"), ("he_IL", "מהדורה")):
            with self.subTest(lang=lang):
                self.customer.lang = lang
                text, words = self._pdf("sale.action_report_saleorder", self.quote)
                self.assertIn(revision, text)
                # The first right-to-left words of the page are the label of the last column of
                # the informations row (our "Revision"; read back in visual order: Hebrew words
                # reversed, Arabic glyph by glyph): printed right to left, that column is the
                # leftmost, left to right it would be the rightmost.
                rtl_words = [w for w in words if RTL_LETTER.search(w[3])]
                self.assertTrue(rtl_words)
                top = min(w[1] for w in rtl_words)
                label = [w for w in rtl_words if abs(w[1] - top) < 2]
                self.assertLess(max(w[2] for w in label), self.page_width / 3)

    def test_quote_in_the_customers_language_and_direction(self):
        self._system_fonts()
        # a label of our report (crm_b2b_cpq's ar.po / he.po), right to left
        cases = {
            "en_US": ("Revision", False),
            "ar_001": ("المراجعة", True),
            "he_IL": ("מהדורה", True),
        }
        for lang, (revision, rtl) in cases.items():
            with self.subTest(lang=lang):
                self.customer.lang = lang
                # Printed by an English-speaking user: the customer's language decides.
                text, words = self._pdf("sale.action_report_saleorder", self.quote)
                self.assertIn(self.quote.name, text)
                self.assertIn("Jaffa Cold Storage", text)
                self.assertIn("Reefer Telematics Gateway", text)
                self.assertIn("3,600.00", text)
                self.assertIn(revision, text)
                self.assertColumnsRightToLeft(words, "Reefer", "3,600.00", rtl)
                if rtl:
                    self.assertNotIn("Revision", text)

    def test_processing_register_in_the_readers_language_and_direction(self):
        self._system_fonts()
        purposes = self.env["crm.gdpr.purpose"].create(
            {
                "name": "Service emails",
                "description": "Order confirmations and delivery notices.",
                "lawful_basis": "contract",
            }
        )
        cases = {
            "en_US": ("Register of processing activities", False),
            "ar_001": ("سجل أنشطة المعالجة", True),
            "he_IL": ("מרשם פעילויות העיבוד", True),
        }
        for lang, (title, rtl) in cases.items():
            with self.subTest(lang=lang):
                text, words = self._pdf(
                    "crm_gdpr.action_report_processing_register", purposes, lang=lang
                )
                self.assertIn(title, text)
                self.assertIn("Service emails", text)
                self.assertIn(self.env.company.name, text)
                # The purpose's heading starts at the right margin in rtl, the left one in ltr.
                heading = [w for w in words if w[3] == "Service"]
                self.assertTrue(heading, [w[3] for w in words])
                if rtl:
                    self.assertGreater(heading[0][0], self.page_width / 2)
                else:
                    self.assertLess(heading[0][2], self.page_width / 2)

    def test_erasure_certificate_names_nobody(self):
        self._system_fonts()
        person = self.env["res.partner"].create(
            {"name": "Noa Ben-Ami", "email": "noa.benami@example.co.il", "phone": "+972 3 555 0188"}
        )
        self.env["crm.lead"].create({"name": "Cold room for Noa", "partner_id": person.id})
        request = self.env["crm.gdpr.request"].create(
            {
                "request_type": "erasure",
                "partner_id": person.id,
                "identity_method": "email",
                "date_received": "2026-11-02",
            }
        )
        request.action_verify_identity()
        request.action_process()
        cases = {"en_US": "Erasure certificate", "ar_001": None, "he_IL": None}
        for lang, title in cases.items():
            with self.subTest(lang=lang):
                text, _words = self._pdf(
                    "crm_gdpr.action_report_erasure_certificate", request, lang=lang
                )
                self.assertIn(request.name, text)
                if title:
                    self.assertIn(title, text)
                for secret in ("Noa", "Ben-Ami", "noa.benami", "555 0188"):
                    self.assertNotIn(secret, text)

    def test_every_report_of_the_suite_is_printed_here(self):
        ours = set(project_addons())
        reports = self.env["ir.actions.report"].search([("report_type", "=", "qweb-pdf")])
        declared = {
            xmlid
            for xmlid in reports.get_external_id().values()
            if xmlid and xmlid.split(".")[0] in ours
        }
        self.assertEqual(
            declared - PRINTED_HERE,
            set(),
            "add a case printing these reports to tests/test_pdf_reports.py",
        )
