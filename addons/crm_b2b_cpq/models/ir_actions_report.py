from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        # Every rendering (PDF, HTML, text, attached to an email) of every report on quotations,
        # stock's, this addon's or another addon's, goes through here: a quotation that cannot
        # be shown to the customer is not printed.
        if report.model == "sale.order" and docids:
            self.env["sale.order"].browse(docids).exists()._cpq_check_printable()
        return super()._get_rendering_context(report, docids, data)
