from odoo.addons.crm_gdpr.tests.common import GdprCase


class GdprAccountingCase(GdprCase):
    """A company of its own with the generic chart of accounts, the accounting audit trail on
    and a hash-secured sales journal: erasure must leave its invoices intact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acc_company = cls.env["res.company"].create(
            {"name": "Brabant Kitchens SRL", "country_id": cls.env.ref("base.be").id}
        )
        cls.env.user.company_ids |= cls.acc_company
        cls.user_dpo.company_ids |= cls.acc_company
        cls.user_sales.company_ids |= cls.acc_company
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.acc_company, install_demo=False
        )
        cls.acc_company.check_account_audit_trail = True
        cls.sale_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.acc_company.id), ("type", "=", "sale")], limit=1
        )
        cls.sale_journal.restrict_mode_hash_table = True

    @classmethod
    def _invoice(cls, partner, amount, date="2025-03-10", post=True):
        move = (
            cls.env["account.move"]
            .with_company(cls.acc_company)
            .with_context(tracking_disable=False)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "journal_id": cls.sale_journal.id,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Oak kitchen cabinets",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [(5, 0, 0)],
                            },
                        ),
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move
