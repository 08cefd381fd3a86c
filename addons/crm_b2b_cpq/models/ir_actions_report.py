from odoo import models

CUSTOMER_QUOTE_REPORTS = ("sale.report_saleorder", "sale.report_saleorder_pro_forma")


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        # Every rendering (PDF, HTML, attached to an email) of the customer's quotation goes
        # through here: a quotation waiting for approval is not printed for the customer.
        if report.report_name in CUSTOMER_QUOTE_REPORTS and docids:
            self.env["sale.order"].browse(docids)._cpq_check_printable()
        return super()._get_rendering_context(report, docids, data)
