from odoo import api, fields, models

from .. import matching


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The company name as deal registration compares it (legal forms, accents, scripts, "&"
    # and hyphens left out), stored to find candidates with an index
    channel_name_key = fields.Char(
        compute="_compute_channel_name_key", store=True, index="btree_not_null"
    )

    @api.depends("name")
    def _compute_channel_name_key(self):
        for partner in self:
            partner.channel_name_key = matching.name_key(partner.name) or False

    # Role of a contact of a partner company in the portal. Record rules read it: a partner
    # manager sees every deal of its company, a partner salesperson only its own.
    channel_role = fields.Selection(
        [("manager", "Partner Manager"), ("salesperson", "Partner Salesperson")],
        default="salesperson",
        help="Partner Manager: sees and works every deal of the partner company in the portal. "
        "Partner Salesperson: sees the offers not yet taken and the deals it took or registered.",
    )
    # Routing profile of a partner company. An empty profile dimension means no restriction.
    channel_territory_ids = fields.Many2many(
        "crm.channel.territory",
        "crm_channel_territory_partner_rel",
        "partner_id",
        "territory_id",
        string="Territories",
        help="Where this partner takes leads. Empty: everywhere.",
    )
    channel_industry_ids = fields.Many2many(
        "res.partner.industry",
        "crm_channel_partner_industry_rel",
        "partner_id",
        "industry_id",
        string="Industries Served",
        help="Industries this partner takes leads of. Empty: all industries.",
    )
    channel_product_category_ids = fields.Many2many(
        "product.category",
        "crm_channel_partner_product_category_rel",
        "partner_id",
        "category_id",
        string="Product Categories",
        help="Product categories this partner sells. Empty: all categories.",
    )
    channel_offer_ids = fields.One2many("crm.channel.offer", "partner_id", string="Offers")
    channel_open_offer_count = fields.Integer(
        "Open Offers", compute="_compute_channel_open_offer_count"
    )

    def _compute_channel_open_offer_count(self):
        counts = dict(
            self.env["crm.channel.offer"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "offered")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.channel_open_offer_count = counts.get(partner, 0)

    def write(self, vals):
        result = super().write(vals)
        if ("channel_role" in vals or "parent_id" in vals) and self.sudo().user_ids.filtered(
            "share"
        ):
            # record rules of crm.lead read the role of portal users; domains are cached per user
            self.env.registry.clear_cache()
        return result

    def _channel_is_manager(self):
        """Whether this contact manages its partner company's deals in the portal."""
        self.ensure_one()
        return self.channel_role == "manager"

    def _channel_offer_recipients(self):
        """Who hears of new offers: the portal users of the partner company, or the company's
        own address when it has none."""
        self.ensure_one()
        users = (
            self.env["res.users"]
            .sudo()
            .search([("partner_id", "child_of", self.id), ("share", "=", True)])
        )
        recipients = users.partner_id.filtered("email")
        if not recipients and self.email:
            recipients = self
        return recipients
