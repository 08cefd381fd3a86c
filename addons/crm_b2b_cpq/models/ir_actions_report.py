import re

from odoo import api, models

# An empty CSS url() (stock's report layouts write `background-image: url();` when the company's
# layout has no background) resolves against the page's <base href>: wkhtmltopdf then fetches the
# web site's home page for every print.
EMPTY_CSS_URL = re.compile(r"""url\(\s*(?:""|'')?\s*\)""")


class ReportReuse:
    """PDFs rendered once within one piece of work, for the renderings of it that would print
    the same document again (see IrActionsReport._render_qweb_pdf). Only Python code creates
    one and puts it in a context: a context sent by an RPC call (JSON) cannot hold it."""

    __slots__ = ("pdfs",)

    def __init__(self):
        self.pdfs = {}


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        # Every rendering (PDF, HTML, text, attached to an email) of every report on quotations,
        # stock's, this addon's or another addon's, goes through here: a quotation that cannot
        # be shown to the customer is not printed.
        if report.model == "sale.order" and docids:
            self.env["sale.order"].browse(docids).exists()._cpq_check_printable()
        return super()._get_rendering_context(report, docids, data)

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Under a ``cpq_report_reuse`` context (a ReportReuse), a report already rendered for
        the same records, language and company is not rendered again: the customer's acceptance
        prints the confirmed order for its confirmation email, then again for the "signed"
        message (stock's steps, see CpqCustomerPortal._cpq_accept), the same document twice,
        each time wkhtmltopdf's seconds of a server worker. The user is not part of the key:
        stock prints the email's as OdooBot and the message's as the visitor (both as
        superuser), which changes nothing but the time zone of the order's date (OdooBot's, or
        the visitor's); the message now carries the PDF the customer was emailed."""
        reuse = self.env.context.get("cpq_report_reuse")
        if not isinstance(reuse, ReportReuse) or data or not res_ids:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        report = self._get_report(report_ref)
        key = (
            report.id,
            tuple(res_ids) if isinstance(res_ids, list | tuple) else (res_ids,),
            self.env.lang,
            self.env.company.id,
        )
        if key not in reuse.pdfs:
            reuse.pdfs[key] = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        return reuse.pdfs[key]

    @api.model
    def _run_wkhtmltopdf(self, bodies, report_ref=False, header=None, footer=None, **kwargs):
        """Leaves out the home page that wkhtmltopdf would fetch for each page printed, through
        an empty ``url()`` of stock's report layouts: an HTML page rendered by an Odoo worker,
        for nothing. Under load it is worse than a waste: the worker printing waits for
        wkhtmltopdf, wkhtmltopdf waits for the home page, and when every worker of the server
        it was sent to is printing, each waits for another until limit_time_real kills them
        all (make load's 502s on signatures)."""
        bodies = [EMPTY_CSS_URL.sub("none", body) for body in bodies]
        header = header and EMPTY_CSS_URL.sub("none", header)
        footer = footer and EMPTY_CSS_URL.sub("none", footer)
        return super()._run_wkhtmltopdf(
            bodies, report_ref=report_ref, header=header, footer=footer, **kwargs
        )
