import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from .common import CpqCommon, print_quote_pdf


class RecordingHandler(BaseHTTPRequestHandler):
    """Keeps the path of every request (what wkhtmltopdf fetched while printing) and answers it
    with an empty document."""

    def do_GET(self):  # http.server's name for a GET handler
        self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestReportFetches(CpqCommon):
    """A quotation printed by wkhtmltopdf fetches its stylesheets from report.url, not the web
    site's home page (stock's layouts write an empty url() that resolves to it)."""

    def setUp(self):
        super().setUp()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
        self.server.paths = []
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:%d" % self.server.server_port
        )

    def _print(self, quote):
        print_quote_pdf(self, quote)
        return self.server.paths

    def test_printing_fetches_no_page(self):
        self.env.company.layout_background = "Blank"
        quote = self._quote([(self.licence, 3)])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("sale.action_report_saleorder", quote.ids)[0]
            .decode()
        )
        # the layout still writes it (else this test would prove nothing)
        self.assertIn("background-image: url();", html)
        paths = self._print(quote)
        self.assertTrue(
            any("report_assets" in path for path in paths), f"no stylesheet fetched: {paths}"
        )
        self.assertNotIn("/", paths)

    def test_a_background_image_is_still_printed(self):
        # a layout with a background (a static file) keeps its url()
        self.env.company.layout_background = "Demo logo"
        paths = self._print(self._quote([(self.licence, 3)]))
        self.assertIn("/base/static/img/demo_logo_report.png", paths)
        self.assertNotIn("/", paths)
