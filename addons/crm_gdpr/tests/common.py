from odoo.tests import TransactionCase, new_test_user


class GdprCase(TransactionCase):
    """Purposes, channels, people and users shared by the privacy tests. Built here, never taken
    from demo data, so the tests hold on a database with or without the other addons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.channel_email = cls.env.ref("crm_gdpr.channel_email")
        cls.channel_phone = cls.env.ref("crm_gdpr.channel_phone")
        cls.channel_sharing = cls.env.ref("crm_gdpr.channel_partner_sharing")
        cls.channel_profiling = cls.env.ref("crm_gdpr.channel_profiling")
        cls.company = cls.env.company
        # Mailings go through the queue: tests look at the mails, nothing is sent over SMTP.
        cls.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        # Tests decide the mailing default themselves.
        cls.env["crm.gdpr.purpose"].search([("is_mailing_default", "=", True)]).write(
            {"is_mailing_default": False}
        )
        cls.purpose_news = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Product newsletter",
                "description": "We send you our product news once a month.",
                "lawful_basis": "consent",
                "channel_ids": [(6, 0, (cls.channel_email | cls.channel_phone).ids)],
                "validity_months": 24,
                "is_mailing_default": True,
            }
        )
        cls.purpose_sharing = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Reseller follow-up",
                "description": "A certified reseller near you contacts you about your project.",
                "lawful_basis": "consent",
                "channel_ids": [(6, 0, cls.channel_sharing.ids)],
                "validity_months": 12,
            }
        )
        cls.purpose_service = cls.env["crm.gdpr.purpose"].create(
            {
                "name": "Service announcements",
                "description": "We tell customers about outages and changes to their service.",
                "lawful_basis": "legitimate_interests",
                "channel_ids": [(6, 0, cls.channel_email.ids)],
                "validity_months": 0,
            }
        )
        cls.user_sales = new_test_user(
            cls.env,
            login="gdpr_sales",
            name="Priya Salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_dpo = new_test_user(
            cls.env,
            login="gdpr_dpo",
            name="Dana Protector",
            groups="sales_team.group_sale_salesman,crm_gdpr.group_gdpr_dpo",
        )
        cls.partner_anna = cls.env["res.partner"].create(
            {"name": "Anna Kowalska", "email": "anna.kowalska@example.pl", "lang": "en_US"}
        )
        cls.partner_ben = cls.env["res.partner"].create(
            {"name": "Benoit Lefebvre", "email": "benoit.lefebvre@example.fr"}
        )

    @classmethod
    def _give(cls, subject_or_partner, purpose, channels, state="given", source="phone", **ev):
        Subject = cls.env["crm.gdpr.subject"]
        subject = subject_or_partner
        if subject_or_partner._name == "res.partner":
            subject = Subject._find_or_create(partner=subject_or_partner)
        return subject._set_consents(purpose, channels, state, source=source, **ev)

    def _verify(self):
        return self.env["crm.gdpr.receipt.check"]._run()


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
