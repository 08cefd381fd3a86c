from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.crm_channel_registration import SEARCH_PRODUCTS_LIMIT


class ChannelCase(TransactionCase):
    """Two partner companies with portal users, three tiers of our own, rules of our own, and
    leads offered to and accepted by the first company. Other graded partners of the database
    lose their tier so that routing only sees ours."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        env = cls.env
        cls.company = env.company
        cls.country_be = env.ref("base.be")
        cls.country_fr = env.ref("base.fr")
        cls.country_de = env.ref("base.de")
        # routing sees our partners, our rules and our leads only: other graded partners lose
        # their tier, other leads (demo data) neither wait for routing nor expire meanwhile
        env["res.partner"].search([("grade_id", "!=", False)]).write({"grade_id": False})
        # the channel's own way (superuser, channel_routing): nobody else writes channel_state
        env["crm.lead"].sudo().with_context(channel_routing=True).search(
            [("channel_state", "=", "queued")]
        ).write({"channel_state": False})
        env["crm.channel.offer"].search([("state", "=", "offered")]).write(
            {"date_deadline": "2999-12-31 00:00:00"}
        )
        env["crm.channel.routing.rule"].search([]).write({"active": False})
        cls.company.channel_fallback_partner_id = False
        cls.gold = env["res.partner.grade"].create(
            {
                "name": "Gold Test",
                "sequence": 1,
                "partner_weight": 50,
                "channel_max_open_offers": 5,
                "channel_offer_hours": 24,
                "channel_protection_days": 90,
            }
        )
        cls.silver = env["res.partner.grade"].create(
            {
                "name": "Silver Test",
                "sequence": 2,
                "partner_weight": 30,
                "channel_max_open_offers": 5,
                "channel_offer_hours": 48,
                "channel_protection_days": 60,
            }
        )
        cls.bronze = env["res.partner.grade"].create(
            {
                "name": "Bronze Test",
                "sequence": 3,
                "partner_weight": 20,
                "channel_max_open_offers": 3,
                "channel_offer_hours": 72,
                "channel_protection_days": 30,
            }
        )
        cls.territory_benelux = env["crm.channel.territory"].create(
            {"name": "Benelux", "country_ids": [(6, 0, [cls.country_be.id, env.ref("base.nl").id])]}
        )
        cls.territory_fr = env["crm.channel.territory"].create(
            {"name": "France", "country_ids": [(6, 0, cls.country_fr.ids)]}
        )
        cls.rule_territory = env["crm.channel.routing.rule"].create(
            {"name": "Territory", "sequence": 1, "rule_type": "territory", "required": True}
        )
        cls.rule_capacity = env["crm.channel.routing.rule"].create(
            {"name": "Capacity", "sequence": 90, "rule_type": "capacity", "required": True}
        )
        cls.partner_a = env["res.partner"].create(
            {
                "name": "Northwind Integrators",
                "is_company": True,
                "email": "hello@northwind.example.com",
                "country_id": cls.country_be.id,
                "grade_id": cls.gold.id,
                "channel_territory_ids": [(6, 0, cls.territory_benelux.ids)],
            }
        )
        cls.partner_b = env["res.partner"].create(
            {
                "name": "Contoso Partners",
                "is_company": True,
                "email": "hello@contoso.example.com",
                "country_id": cls.country_fr.id,
                "grade_id": cls.silver.id,
                "channel_territory_ids": [(6, 0, cls.territory_fr.ids)],
            }
        )
        cls.user_a_manager = cls._portal_user("a_manager", "Anna Manager", cls.partner_a, "manager")
        cls.user_a_sales = cls._portal_user("a_sales", "Arne Sales", cls.partner_a, "salesperson")
        cls.user_a_sales2 = cls._portal_user(
            "a_sales2", "Aline Sales", cls.partner_a, "salesperson"
        )
        cls.user_b_manager = cls._portal_user(
            "b_manager", "Bruno Manager", cls.partner_b, "manager"
        )
        cls.user_b_sales = cls._portal_user("b_sales", "Berta Sales", cls.partner_b, "salesperson")
        cls.salesman = mail_new_test_user(
            env,
            login="channel_salesman",
            name="Sam Vendor",
            email="sam.vendor@example.com",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        cls.sales_manager = mail_new_test_user(
            env,
            login="channel_manager",
            name="Mia Vendor",
            email="mia.vendor@example.com",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.stage_new = env["crm.stage"].create({"name": "Channel New", "sequence": 1})
        cls.stage_qualified = env["crm.stage"].create({"name": "Channel Qualified", "sequence": 2})
        cls.stage_proposal = env["crm.stage"].create({"name": "Channel Proposal", "sequence": 3})
        cls.stage_won = env["crm.stage"].create(
            {"name": "Channel Won", "sequence": 70, "is_won": True}
        )
        cls.tag_internal = env["crm.tag"].create({"name": "Strategic account"})
        cls.reason = env.ref("crm_partner_channel.decline_reason_capacity")
        # a lead offered to A, one A accepted (its salesperson), one B accepted
        cls.lead_offered = cls._lead("Office fit-out in Ghent", cls.country_be)
        cls.lead_offered._channel_offer_manually(cls.partner_a)
        cls.lead_a = cls._lead("Warehouse scanners for Antwerp", cls.country_be)
        cls.lead_a._channel_offer_manually(cls.partner_a)
        cls.lead_a.with_user(cls.user_a_sales).action_channel_accept()
        cls.lead_b = cls._lead("Retail tablets for Lyon", cls.country_fr)
        cls.lead_b._channel_offer_manually(cls.partner_b)
        cls.lead_b.with_user(cls.user_b_sales).action_channel_accept()

    @classmethod
    def _portal_user(cls, login, name, company, role):
        user = mail_new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@partners.example.com",
            groups="base.group_portal",
        )
        user.partner_id.write({"parent_id": company.id, "channel_role": role})
        return user

    @classmethod
    def _lead(cls, name, country, **values):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "lead",
                "country_id": country.id,
                "contact_name": "Jane Customer",
                "partner_name": f"{name} Ltd",
                "email_from": "jane.customer@customer-corp.example.com",
                "phone": "+32 470 12 34 56",
                "street": "Korenmarkt 1",
                "city": "Ghent",
                "expected_revenue": 12000,
                "description": "<p>Internal: budget approved by their CFO.</p>",
                "tag_ids": [(6, 0, cls.tag_internal.ids)],
                "stage_id": cls.stage_new.id,
                **values,
            }
        )

    def snapshot(self, lead):
        """Everything an attack could change on a lead, read as superuser."""
        lead = lead.sudo()
        lead.invalidate_recordset()
        return {
            "partner_assigned_id": lead.partner_assigned_id.id,
            "channel_user_id": lead.channel_user_id.id,
            "channel_state": lead.channel_state,
            "stage_id": lead.stage_id.id,
            "expected_revenue": lead.expected_revenue,
            "date_deadline": lead.date_deadline,
            "contact_name": lead.contact_name,
            "email_from": lead.email_from,
            "phone": lead.phone,
            "type": lead.type,
            "active": lead.active,
            "tag_ids": lead.tag_ids.ids,
            "description": str(lead.description),
            "message_count": len(lead.message_ids),
            "offers": [(o.id, o.state) for o in lead.channel_offer_ids],
            "activities": lead.activity_ids.ids,
            "followers": lead.message_partner_ids.ids,
        }


class ProductsCase(ChannelCase):
    """A catalogue of hundreds of products, some of them closed to partners."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.template"]
        cls.catalogue = Product.create(
            [
                {"name": f"Rugged Tablet T{n:03d}", "default_code": f"RT-{n:03d}", "sale_ok": True}
                for n in range(300)
            ]
        )
        cls.scanner = Product.create(
            {"name": "Zephyr Barcode Scanner", "default_code": "ZBS-900", "sale_ok": True}
        )
        cls.closed = Product.create(
            {"name": "Zephyr Service Kit", "sale_ok": True, "channel_partner_ok": False}
        )
        cls.internal = Product.create({"name": "Zephyr Spare Board", "sale_ok": False})
        cls.other_company = cls.env["res.company"].create({"name": "Other Vendor"})
        cls.foreign = Product.create(
            {"name": "Zephyr Foreign Printer", "sale_ok": True, "company_id": cls.other_company.id}
        )
        cls.archived = Product.create({"name": "Zephyr Old Scanner", "active": False})
        # a product with variants: the reference of a variant finds its template
        attribute = cls.env["product.attribute"].create(
            {"name": "Zephyr Size", "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "L"})]}
        )
        cls.glove = Product.create(
            {
                "name": "Work Glove",
                "sale_ok": True,
                "attribute_line_ids": [
                    (
                        0,
                        0,
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [(6, 0, attribute.value_ids.ids)],
                        },
                    )
                ],
            }
        )
        cls.glove.product_variant_ids[0].default_code = "WG-SMALL-77"
        cls.internal_user = mail_new_test_user(
            cls.env, login="chan_employee", name="Eve Employee", groups="base.group_user"
        )
        # a portal user of a company that is not a channel partner (no tier)
        cls.customer = cls.env["res.partner"].create({"name": "Plain Customer", "is_company": True})
        cls.portal_customer = mail_new_test_user(
            cls.env, login="chan_customer", name="Carl Customer", groups="base.group_portal"
        )
        cls.portal_customer.partner_id.parent_id = cls.customer

    def search_as(self, user, term, limit=SEARCH_PRODUCTS_LIMIT, lang="en_US"):
        Registration = self.env["crm.channel.registration"].with_user(user).with_context(lang=lang)
        return Registration._channel_search_products(term, limit)
