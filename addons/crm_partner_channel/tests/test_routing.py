from collections import Counter
from datetime import timedelta

from odoo.tests import tagged

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestRouting(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_c = cls.env["res.partner"].create(
            {
                "name": "Fabrikam Benelux",
                "is_company": True,
                "country_id": cls.country_be.id,
                "grade_id": cls.bronze.id,
                "channel_territory_ids": [(6, 0, cls.territory_benelux.ids)],
            }
        )
        cls.industry_retail = cls.env["res.partner.industry"].create({"name": "Retail Test"})
        cls.industry_health = cls.env["res.partner.industry"].create({"name": "Health Test"})
        cls.categ_hardware = cls.env["product.category"].create({"name": "Hardware Test"})
        cls.categ_laptops = cls.env["product.category"].create(
            {"name": "Laptops Test", "parent_id": cls.categ_hardware.id}
        )
        cls.categ_software = cls.env["product.category"].create({"name": "Software Test"})
        cls.laptop = cls.env["product.template"].create(
            {"name": "ProBook 14", "categ_id": cls.categ_laptops.id}
        )

    def route(self, lead):
        decision = lead._channel_route()
        self.assertEqual(len(decision), 1)
        return decision

    def test_territory_picks_the_covering_partners(self):
        lead = self._lead("Clinic tablets", self.country_fr)
        decision = self.route(lead)
        self.assertEqual(decision.outcome, "offered")
        self.assertEqual(decision.partner_id, self.partner_b)
        self.assertEqual(lead.partner_assigned_id, self.partner_b)
        self.assertEqual(lead.channel_state, "offered")
        offer = lead.channel_offer_id
        self.assertEqual(offer.partner_id, self.partner_b)
        self.assertEqual(offer.state, "offered")
        self.assertEqual(offer.decision_id, decision)
        self.assertEqual(offer.date_deadline - offer.date_offered, self.silver_hours())
        steps = decision.explanation["steps"]
        self.assertEqual(
            [(s["rule"], s["applied"], s["before"], s.get("after")) for s in steps],
            [("Territory", True, 3, 1), ("Capacity", True, 1, 1)],
        )
        self.assertEqual(
            [c["name"] for c in decision.explanation["candidates"]], ["Contoso Partners"]
        )
        # visible on the lead
        html = str(lead.channel_decision_ids.explanation_html)
        self.assertIn("Territory", html)
        self.assertIn("Contoso Partners", html)

    def silver_hours(self):
        return timedelta(hours=self.silver.channel_offer_hours)

    def test_nobody_covers_the_lead(self):
        lead = self._lead("Bakery POS", self.country_de)
        decision = self.route(lead)
        self.assertEqual(decision.outcome, "none")
        self.assertFalse(lead.partner_assigned_id)
        self.assertEqual(lead.channel_state, "no_partner")
        self.assertFalse(lead.channel_offer_ids)
        self.assertTrue(decision.explanation["stopped"])
        self.assertIn(
            self.env.ref("website_crm_partner_assign.tag_portal_lead_partner_unavailable"),
            lead.tag_ids,
        )

    def test_fallback_partner_gets_what_nobody_covers(self):
        self.company.channel_fallback_partner_id = self.partner_c
        lead = self._lead("Bakery POS", self.country_de)
        decision = self.route(lead)
        self.assertEqual(decision.outcome, "fallback")
        self.assertEqual(lead.partner_assigned_id, self.partner_c)
        self.assertIn("Fabrikam Benelux", decision.explanation["reason"])
        # a fallback that declined the lead is not offered it again
        lead2 = self._lead("Bakery POS 2", self.country_de)
        lead2.partner_declined_ids = self.partner_c
        self.assertEqual(self.route(lead2).outcome, "none")

    def test_optional_rule_is_ignored_when_nobody_passes(self):
        self.env["crm.channel.routing.rule"].create(
            {"name": "Industry", "sequence": 5, "rule_type": "industry", "required": False}
        )
        self.partner_a.channel_industry_ids = self.industry_health
        self.partner_c.channel_industry_ids = self.industry_health
        lead = self._lead(
            "Store fit-out", self.country_be, channel_industry_id=self.industry_retail.id
        )
        decision = self.route(lead)
        step = decision.explanation["steps"][1]
        self.assertEqual(step["rule"], "Industry")
        self.assertTrue(step["ignored"])
        self.assertIn(decision.partner_id, self.partner_a | self.partner_c)
        # a partner serving the industry wins over the others; a generalist passes too
        self.partner_c.channel_industry_ids = self.industry_retail
        lead = self._lead(
            "Store fit-out 2", self.country_be, channel_industry_id=self.industry_retail.id
        )
        self.assertEqual(self.route(lead).partner_id, self.partner_c)
        self.partner_a.channel_industry_ids = False
        lead = self._lead(
            "Store fit-out 3", self.country_be, channel_industry_id=self.industry_retail.id
        )
        self.assertEqual(self.route(lead).explanation["steps"][1]["after"], 2)

    def test_required_industry_rule_ends_in_no_partner(self):
        self.env["crm.channel.routing.rule"].create(
            {"name": "Industry", "sequence": 5, "rule_type": "industry", "required": True}
        )
        (self.partner_a | self.partner_c).channel_industry_ids = self.industry_health
        lead = self._lead(
            "Store fit-out", self.country_be, channel_industry_id=self.industry_retail.id
        )
        self.assertEqual(self.route(lead).outcome, "none")
        # a lead without industry: the rule does not apply
        lead = self._lead("Store fit-out 2", self.country_be)
        decision = self.route(lead)
        self.assertFalse(decision.explanation["steps"][1]["applied"])
        self.assertEqual(decision.outcome, "offered")

    def test_product_category_covers_subcategories(self):
        self.env["crm.channel.routing.rule"].create(
            {
                "name": "Products",
                "sequence": 6,
                "rule_type": "product_category",
                "required": True,
            }
        )
        self.partner_a.channel_product_category_ids = self.categ_software
        self.partner_c.channel_product_category_ids = self.categ_hardware
        lead = self._lead(
            "Laptops for a school", self.country_be, channel_product_ids=[(6, 0, self.laptop.ids)]
        )
        self.assertEqual(self.route(lead).partner_id, self.partner_c)

    def test_tier_rule_reserves_big_deals(self):
        self.env["crm.channel.routing.rule"].create(
            {
                "name": "Big deals to Gold",
                "sequence": 7,
                "rule_type": "tier",
                "grade_ids": [(6, 0, self.gold.ids)],
                "min_expected_revenue": 50000,
            }
        )
        big = self._lead("Hospital network", self.country_be, expected_revenue=80000)
        self.assertEqual(self.route(big).partner_id, self.partner_a)
        small = self._lead("Corner shop", self.country_be, expected_revenue=2000)
        decision = self.route(small)
        self.assertFalse(decision.explanation["steps"][1]["applied"])

    def test_capacity_and_onboarding(self):
        # A (gold) holds 2 open offers out of 2: full
        self.gold.channel_max_open_offers = 2
        self._lead("Filler", self.country_be)._channel_offer_manually(self.partner_a)
        lead = self._lead("Warehouse", self.country_be)
        self.assertEqual(self.route(lead).partner_id, self.partner_c)
        # unlimited
        self.gold.channel_max_open_offers = 0
        self.bronze.channel_max_open_offers = 1
        lead = self._lead("Warehouse 2", self.country_be)
        self.assertEqual(self.route(lead).partner_id, self.partner_a)
        # a partner still onboarding gets nothing
        self.partner_a.activation = self.env.ref(
            "website_crm_partner_assign.res_partner_activation_data_first_contact"
        )
        self.bronze.channel_max_open_offers = 0
        lead = self._lead("Warehouse 3", self.country_be)
        self.assertEqual(self.route(lead).partner_id, self.partner_c)
        # nor a partner whose routing weight is 0
        self.partner_c.partner_weight = 0
        lead = self._lead("Warehouse 4", self.country_be)
        self.assertEqual(self.route(lead).outcome, "none")

    def test_zip_ranges_and_states(self):
        paris = self.env["crm.channel.territory"].create(
            {
                "name": "Paris",
                "country_ids": [(6, 0, self.country_fr.ids)],
                "zip_from": "750",
                "zip_to": "759",
            }
        )
        self.partner_c.channel_territory_ids = paris
        inside = self._lead("Paris office", self.country_fr, zip="75 011")
        decision = self.route(inside)
        self.assertEqual(decision.explanation["steps"][0]["after"], 2)
        outside = self._lead("Rouen office", self.country_fr, zip="76000")
        self.assertEqual(self.route(outside).partner_id, self.partner_b)
        no_zip = self._lead("Somewhere in France", self.country_fr, zip=False)
        self.assertEqual(self.route(no_zip).partner_id, self.partner_b)

    def test_declined_partners_are_skipped(self):
        lead = self._lead("Warehouse", self.country_be)
        lead.partner_declined_ids = self.partner_a
        self.assertEqual(self.route(lead).partner_id, self.partner_c)

    def test_round_robin_inside_a_tier(self):
        self.partner_c.grade_id = self.gold
        leads = self.env["crm.lead"]
        for index in range(4):
            leads |= self._lead(f"Shop {index}", self.country_be)
        leads._channel_route()
        counts = Counter(lead.partner_assigned_id.id for lead in leads)
        self.assertEqual(counts[self.partner_a.id], 2)
        self.assertEqual(counts[self.partner_c.id], 2)

    def test_tier_shares_follow_weights_over_1000_leads(self):
        """Smooth weighted round-robin: each tier's share of 1,000 leads is within 5 points of
        its weight (50/30/20), whatever the number of partners per tier."""
        country = self.country_de
        territory = self.env["crm.channel.territory"].create(
            {"name": "Germany", "country_ids": [(6, 0, country.ids)]}
        )
        (self.gold | self.silver | self.bronze).write({"channel_max_open_offers": 0})
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Reseller {grade.name} {index}",
                    "is_company": True,
                    "grade_id": grade.id,
                    "channel_territory_ids": [(6, 0, territory.ids)],
                }
                for grade, count in ((self.gold, 3), (self.silver, 7), (self.bronze, 12))
                for index in range(count)
            ]
        )
        leads = self.env["crm.lead"].create(
            [{"name": f"Lead {index}", "country_id": country.id} for index in range(1000)]
        )
        leads._channel_route()
        shares = Counter(lead.channel_offer_id.grade_id.name for lead in leads)
        total = sum(shares.values())
        self.assertEqual(total, 1000)
        weights = {"Gold Test": 50, "Silver Test": 30, "Bronze Test": 20}
        for name, weight in weights.items():
            with self.subTest(tier=name):
                self.assertLessEqual(abs(100.0 * shares[name] / total - weight), 5)
        # inside a tier, partners share evenly
        per_partner = Counter(lead.partner_assigned_id.id for lead in leads)
        for grade in (self.gold, self.silver, self.bronze):
            counts = [per_partner[p.id] for p in partners if p.grade_id == grade]
            self.assertLessEqual(max(counts) - min(counts), 1)

    def test_queries_do_not_grow_with_leads(self):
        country = self.country_de
        territory = self.env["crm.channel.territory"].create(
            {"name": "Germany", "country_ids": [(6, 0, country.ids)]}
        )
        (self.gold | self.silver | self.bronze).write({"channel_max_open_offers": 0})
        self.env["res.partner"].create(
            [
                {
                    "name": f"Reseller {index}",
                    "is_company": True,
                    "grade_id": (self.gold | self.silver | self.bronze)[index % 3].id,
                    "channel_territory_ids": [(6, 0, territory.ids)],
                }
                for index in range(40)
            ]
        )

        def queries_for(count):
            leads = self.env["crm.lead"].create(
                [{"name": f"Lead {index}", "country_id": country.id} for index in range(count)]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            leads._channel_route()
            self.env.flush_all()
            return self.env.cr.sql_log_count - start

        few, many = queries_for(50), queries_for(400)
        self.assertLess(many / 400, 0.5, f"{many} queries for 400 leads")
        self.assertLess(many / 400, few / 50, "queries per lead must not grow")
