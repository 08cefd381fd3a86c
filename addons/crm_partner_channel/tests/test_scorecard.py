from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestScorecard(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # partner B: three offers accepted after 2, 4 and 10 hours (one of them late: its tier
        # gives 48 hours, so all are in time), one declined, one left to expire
        cls.b_leads = cls.env["crm.lead"]
        for hours in (2, 4, 10):
            lead = cls._lead(f"B deal {hours}h", cls.country_fr, expected_revenue=1000 * hours)
            lead._channel_offer_manually(cls.partner_b)
            offer = lead.channel_offer_id
            with freeze_time(offer.date_offered + timedelta(hours=hours)):
                lead.with_user(cls.user_b_sales).action_channel_accept()
            cls.b_leads |= lead
        declined = cls._lead("B declined", cls.country_fr)
        declined._channel_offer_manually(cls.partner_b)
        declined.with_user(cls.user_b_manager).action_channel_decline(cls.reason.id)
        expired = cls._lead("B expired", cls.country_fr)
        expired._channel_offer_manually(cls.partner_b)
        with freeze_time(expired.channel_offer_id.date_deadline + timedelta(hours=1)):
            cls.env["crm.lead"]._cron_channel_process_offers()
        # one won, one lost among the accepted deals
        cls.b_leads[0].action_set_won()
        cls.b_leads[1].action_set_lost()

    def row(self, partner):
        rows = self.env["crm.channel.scorecard"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(rows), 1)
        return rows

    def test_partner_figures(self):
        row = self.row(self.partner_b)
        # lead_b from the common fixtures was accepted at once
        self.assertEqual(row.offer_count, 6)
        self.assertEqual(row.accepted_count, 4)
        self.assertEqual(row.accepted_in_time_count, 4)
        self.assertEqual(row.declined_count, 1)
        self.assertEqual(row.expired_count, 1)
        self.assertAlmostEqual(row.acceptance_rate, 100.0 * 4 / 6, places=2)
        self.assertAlmostEqual(row.median_hours_to_accept, 3.0, places=1)  # 0, 2, 4, 10
        self.assertEqual(row.won_count, 1)
        self.assertEqual(row.lost_count, 1)
        self.assertAlmostEqual(row.win_rate, 50.0)
        # open pipeline: lead_b (12,000) and the 10h deal (10,000)
        self.assertAlmostEqual(row.pipeline, 22000.0)
        self.assertEqual(row.grade_id, self.silver)

    def test_partners_with_large_ids_have_their_row(self):
        """A row's id combines partner and company: it must not overflow for the partner ids of
        a database with years of contacts (above 2**31 / 100000)."""
        self.env.cr.execute(
            "SELECT setval('res_partner_id_seq', GREATEST(last_value, 30000)) "
            "FROM res_partner_id_seq"
        )
        partner = self.env["res.partner"].create(
            {
                "name": "Fabrikam Resellers",
                "is_company": True,
                "country_id": self.country_fr.id,
                "grade_id": self.silver.id,
                "channel_territory_ids": [(6, 0, self.territory_fr.ids)],
            }
        )
        self.assertGreater(partner.id, 2**31 // 100000)
        self._lead("Fabrikam deal", self.country_fr)._channel_offer_manually(partner)
        self.assertEqual(self.row(partner).offer_count, 1)

    def test_vendor_pivot_by_tier(self):
        groups = self.env["crm.channel.scorecard"].read_group(
            [("partner_id", "in", (self.partner_a | self.partner_b).ids)],
            ["offer_count:sum", "win_rate:avg", "pipeline:sum"],
            ["grade_id"],
        )
        by_tier = {group["grade_id"][0]: group for group in groups}
        self.assertEqual(by_tier[self.silver.id]["offer_count"], 6)
        self.assertEqual(by_tier[self.gold.id]["offer_count"], 2)

    def test_decline_reasons_for_the_vendor(self):
        groups = self.env["crm.channel.offer"].read_group(
            [("state", "=", "declined"), ("partner_id", "=", self.partner_b.id)],
            ["decline_reason_id"],
            ["decline_reason_id"],
        )
        self.assertEqual(groups[0]["decline_reason_id"][0], self.reason.id)
        self.assertEqual(groups[0]["decline_reason_id_count"], 1)

    @mute_logger("odoo.models")
    def test_partner_sees_only_itself(self):
        card = (
            self.env["crm.channel.scorecard"]
            .with_user(self.user_b_sales)
            ._channel_portal_scorecard()
        )
        self.assertEqual(card["partner"], self.partner_b)
        self.assertEqual(card["rows"].partner_id, self.partner_b)
        self.assertEqual(card["decline_reasons"], [(self.reason.name, 1)])
        with self.assertRaises(AccessError):
            self.env["crm.channel.scorecard"].with_user(self.user_b_sales).search([])
        with self.assertRaises(AccessError):
            self.env["crm.channel.scorecard"].with_user(self.salesman)._channel_portal_scorecard()
