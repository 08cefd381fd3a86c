import json

from odoo.tests import HttpCase, tagged

from .common import ChannelQuoteFixtures

PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
    "AAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestChannelQuoteTour(ChannelQuoteFixtures, HttpCase):
    """In Chromium: a reseller quotes its deal with a configurable product, meets a
    configuration rule, fixes it and submits; the vendor approves; the customer accepts."""

    def test_reseller_quotes_vendor_approves_customer_accepts(self):
        # the customer signs to confirm (no online payment asked in this database)
        self.company.portal_confirmation_pay = False
        self.start_tour(
            f"/my/opportunity/{self.lead_a.id}",
            "crm_partner_channel_b2b_cpq_tour",
            login="pq_a_sales",
        )
        order = self.env["sale.order"].search([("opportunity_id", "=", self.lead_a.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.channel_user_id, self.user_a_sales)
        self.assertEqual(order.order_line.product_id, self.server_dual)
        self.assertEqual(order.order_line.product_no_variant_attribute_value_ids, self.redundant)
        self.assertEqual(order.order_line.discount, 15.0)
        self.assertEqual(order.approval_state, "to_approve")
        self.assertTrue(order.channel_submitted)
        self.assertEqual(order.approval_requested_by_id, self.user_a_sales)

        # the vendor approves: the submitted quote leaves for the customer
        order.with_user(self.approver).action_cpq_approve()
        self.assertEqual(order.state, "sent")

        # the customer accepts on the portal, with the link of the email
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/orders/{order.id}/accept",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "access_token": order.access_token,
                        "name": "Fabrikam Buyer",
                        "signature": PIXEL_PNG,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("error", response.json().get("result", {}), response.text)
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.cpq_status, "sale")
        self.assertEqual(order.signed_by, "Fabrikam Buyer")
