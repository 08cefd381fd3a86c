from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestBuyingCommittee(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"]
        cls.cfo = contact.create(
            {
                "name": "Marcus Oyelaran",
                "parent_id": cls.customer.id,
                "email": "cfo@northwind.example",
            }
        )
        cls.it_lead = contact.create(
            {
                "name": "Sanne de Vries",
                "parent_id": cls.customer.id,
                "email": "it@northwind.example",
            }
        )
        cls.skeptic = contact.create(
            {"name": "Piotr Nowak", "parent_id": cls.customer.id, "email": "ops@northwind.example"}
        )
        cls.opportunity = cls.env["crm.lead"].create(
            {
                "name": "Northwind telematics",
                "type": "opportunity",
                "partner_id": cls.customer_contact.id,
                "user_id": cls.salesman.id,
                "cpq_committee_ids": [
                    Command.create(
                        {"partner_id": cls.cfo.id, "role": "economic_buyer", "stance": "neutral"}
                    ),
                    Command.create(
                        {
                            "partner_id": cls.it_lead.id,
                            "role": "technical_evaluator",
                            "stance": "supportive",
                        }
                    ),
                    Command.create(
                        {
                            "partner_id": cls.skeptic.id,
                            "role": "blocker",
                            "stance": "opposed",
                            "receives_quotes": False,
                        }
                    ),
                ],
            }
        )

    def _member(self, partner):
        return self.opportunity.cpq_committee_ids.filtered(lambda m: m.partner_id == partner)

    def test_send_quotation_to_the_committee(self):
        quote = self._quote(
            [(self.licence, 10)],
            partner=self.customer_contact,
            opportunity_id=self.opportunity.id,
        )
        self.assertEqual(quote.cpq_committee_partner_ids, self.cfo | self.it_lead)
        action = quote.with_user(self.salesman).action_cpq_send_to_committee()
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.salesman)
            .with_context(**action["context"])
        )
        self.assertEqual(
            set(composer.partner_ids.ids), {self.customer_contact.id, self.cfo.id, self.it_lead.id}
        )
        composer.save().action_send_mail()
        self.assertEqual(quote.state, "sent")
        self.assertEqual(self._member(self.cfo).sent_order_ids, quote)
        self.assertEqual(self._member(self.it_lead).sent_order_ids, quote)
        self.assertFalse(self._member(self.skeptic).sent_order_ids)

        # The next version is sent to the CFO only: each member shows what they received.
        revision = self.env["sale.order"].browse(quote.action_cpq_new_revision()["res_id"])
        revision.with_context(mark_so_as_sent=True).message_post(
            body="Revised quotation", partner_ids=self.cfo.ids, message_type="comment"
        )
        self.opportunity.cpq_committee_ids.invalidate_recordset(["sent_order_ids"])
        self.assertEqual(self._member(self.cfo).sent_order_ids, quote | revision)
        self.assertEqual(self._member(self.it_lead).sent_order_ids, quote)

    def test_no_committee_no_committee_email(self):
        quote = self._quote([(self.licence, 10)])
        with self.assertRaisesRegex(UserError, "no buying committee member"):
            quote.action_cpq_send_to_committee()

    def test_committee_email_is_right_to_left_for_arabic_readers(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.customer_contact.lang = "ar_001"
        quote = self._quote(
            [(self.licence, 10)],
            partner=self.customer_contact,
            opportunity_id=self.opportunity.id,
        )
        template = self.env.ref("crm_b2b_cpq.mail_template_cpq_committee_quotation")
        body = template._render_field("body_html", quote.ids, compute_lang=True)[quote.id]
        self.assertIn('dir="rtl"', body)
        self.assertIn(f"<bdi>{quote.name}</bdi>", body)

    def test_one_member_per_contact(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.opportunity.cpq_committee_ids = [
                Command.create({"partner_id": self.cfo.id, "role": "champion"})
            ]
            self.env.flush_all()

    def test_committee_follows_lead_access(self):
        own_only = new_test_user(
            self.env, login="cpq_own_only", groups="sales_team.group_sale_salesman"
        )
        members = self.opportunity.cpq_committee_ids
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            members.with_user(own_only).read(["role"])
        self.opportunity.user_id = own_only
        self.assertEqual(len(members.with_user(own_only).read(["role"])), 3)
