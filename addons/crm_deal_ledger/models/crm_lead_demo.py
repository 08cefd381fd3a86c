from datetime import timedelta

from odoo import Command, api, fields, models

# Demo deals at every step from quoted to fully paid, in US dollars and in euros. Steps run
# through the stock flows; day offsets count back from today. The records are created without
# XML ids, like business data: uninstalling the addon leaves the posted accounting in place.
DEMO_PRODUCTS = {
    "automation": ("Warehouse automation project (milestone)", 10000.0),
    "support": ("Premium support, 12 months", 4800.0),
}
DEMO_DEALS = [
    {
        "name": "Cold store automation, phase 1",
        "customer": ("Nordhavn Cold Chain A/S", "Aarhus", "base.dk", "nordhavn-coldchain"),
        "salesperson": "base.user_demo",
        "currency": "USD",
        "won": False,
        "lines": [("automation", 4, 12000.0)],
        "steps": [],
    },
    {
        "name": "Fleet telematics rollout",
        "customer": ("Brightwater Logistics Ltd", "Leeds", "base.uk", "brightwater-logistics"),
        "salesperson": "base.user_admin",
        "currency": "EUR",
        "won": False,
        "lines": [("automation", 3, 10500.0), ("support", 1, 5000.0)],
        "steps": [("sent",)],
    },
    {
        "name": "Packaging line retrofit",
        "customer": ("Kestrel Foods Inc.", "Omaha", "base.us", "kestrelfoods"),
        "salesperson": "base.user_demo",
        "currency": "USD",
        "lines": [("automation", 6, 12000.0)],
        "steps": [("confirm", 12)],
    },
    {
        "name": "Regional DC conveyor upgrade",
        "customer": ("Vallée Verte Distribution SAS", "Lyon", "base.fr", "valleeverte"),
        "salesperson": "base.user_admin",
        "currency": "EUR",
        "lines": [("automation", 10, 11000.0), ("support", 2, 5000.0)],
        "steps": [("confirm", 40), ("down_payment", 30, 38), ("pay", None, 20)],
    },
    {
        "name": "Yard management system",
        "customer": ("Summit Ridge Hardware LLC", "Denver", "base.us", "summitridge"),
        "salesperson": "base.user_demo",
        "currency": "USD",
        # A first version of the quote, superseded (cancelled) by the one the customer signed.
        "superseded": [("automation", 5, 12300.0)],
        "lines": [("automation", 4, 12300.0), ("support", 1, 4800.0)],
        "steps": [("confirm", 70), ("invoice", 65), ("pay", 32000.0, 35)],
    },
    {
        "name": "Cleanroom monitoring sensors",
        "customer": ("Rheinufer Pharma GmbH", "Köln", "base.de", "rheinufer-pharma"),
        "salesperson": "base.user_admin",
        "currency": "EUR",
        "lines": [("automation", 3, 11000.0), ("support", 1, 5000.0)],
        "steps": [("confirm", 60), ("invoice", 55), ("credit_note", 5000.0, 30)],
    },
    {
        "name": "Store analytics subscription",
        "customer": ("Harbor & Pine Outfitters", "Portland", "base.us", "harborandpine"),
        "salesperson": "base.user_demo",
        "currency": "USD",
        "lines": [("support", 4, 4800.0)],
        "steps": [("confirm", 50), ("invoice", 48), ("pay", None, 18)],
    },
    {
        "name": "Bottling line sensors",
        "customer": ("Costa Azul Bebidas S.A.", "Valencia", "base.es", "costaazul"),
        "salesperson": "base.user_admin",
        "currency": "EUR",
        "lines": [("automation", 2, 10500.0), ("support", 1, 5000.0)],
        # Invoiced at one rate, paid at another: a realised exchange gain.
        "steps": [("confirm", 85), ("invoice", 80), ("pay", None, 5)],
    },
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _demo_load_deal_ledger(self):
        """Create the demo deals of DEMO_DEALS and walk each to its step (demo data only)."""
        env = self.env
        usd, eur = env.ref("base.USD"), env.ref("base.EUR")
        pricelists = {
            currency.name: env["product.pricelist"].create(
                {"name": f"Deal ledger demo ({currency.name})", "currency_id": currency.id}
            )
            for currency in usd + eur
        }
        products = {
            key: env["product.product"].create(
                {"name": name, "type": "service", "invoice_policy": "order", "list_price": price}
            )
            for key, (name, price) in DEMO_PRODUCTS.items()
        }
        team = env.ref("sales_team.team_sales_department", raise_if_not_found=False)
        won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
        open_stage = env["crm.stage"].search(
            [("is_won", "=", False)], order="sequence desc", limit=1
        )
        for deal in DEMO_DEALS:
            name, city, country, domain = deal["customer"]
            customer = env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "city": city,
                    "country_id": env.ref(country).id,
                    "email": f"accounts@{domain}.example.com",
                }
            )
            salesperson = env.ref(deal["salesperson"], raise_if_not_found=False) or env.user
            lead = self.create(
                {
                    "name": deal["name"],
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": salesperson.id,
                    "team_id": team.id if team else False,
                    "stage_id": (won_stage if deal.get("won", True) else open_stage).id,
                }
            )

            pricelist = pricelists[deal["currency"]]
            if deal.get("superseded"):
                env["sale.order"].create(
                    lead._demo_order_values(pricelist, products, deal["superseded"])
                )._action_cancel()
            order = env["sale.order"].create(
                lead._demo_order_values(pricelist, products, deal["lines"])
            )
            self._demo_ledger_walk(order, deal["steps"])
            lead._update_revenues_from_so(order)

    def _demo_order_values(self, pricelist, products, lines):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "opportunity_id": self.id,
            "pricelist_id": pricelist.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": products[key].id,
                        "product_uom_qty": quantity,
                        "price_unit": price,
                    }
                )
                for key, quantity, price in lines
            ],
        }

    @api.model
    def _demo_ledger_walk(self, order, steps):
        """Walk `order` through the stock flows (demo data only). Steps:
        ("sent",), ("confirm", days ago), ("down_payment", percent, days ago),
        ("invoice", days ago), ("pay", amount or None for all, days ago),
        ("credit_note", untaxed price of the credited line, days ago)."""
        today = fields.Date.context_today(self)
        invoices = self.env["account.move"]
        for step, *args in steps:
            day = today - timedelta(days=args[-1]) if args else today
            if step == "sent":
                order.action_quotation_sent()
            elif step == "confirm":
                order.action_confirm()
                order.date_order = fields.Datetime.to_datetime(day)
            elif step == "down_payment":
                wizard = (
                    self.env["sale.advance.payment.inv"]
                    .with_context(active_model="sale.order", active_ids=order.ids)
                    .create({"advance_payment_method": "percentage", "amount": args[0]})
                )
                invoices = wizard._create_invoices(order)
                invoices.write({"invoice_date": day, "date": day})
                invoices.action_post()
            elif step == "invoice":
                invoices = order._create_invoices(final=True)
                invoices.write({"invoice_date": day, "date": day})
                invoices.action_post()
            elif step == "pay":
                values = {"payment_date": day}
                if args[0] is not None:
                    values["amount"] = args[0]
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoices.ids
                ).create(values)._create_payments()
            elif step == "credit_note":
                # Posting a reversal applies it to the invoice it reverses (stock behaviour).
                invoices = invoices._reverse_moves([{"invoice_date": day, "date": day}])
                kept = invoices.invoice_line_ids.filtered(lambda line: line.price_unit > 0)[0]
                invoices.write(
                    {
                        "invoice_line_ids": [
                            Command.unlink(line.id) for line in invoices.invoice_line_ids - kept
                        ]
                        + [Command.update(kept.id, {"price_unit": args[0], "quantity": 1})]
                    }
                )
                invoices.action_post()
