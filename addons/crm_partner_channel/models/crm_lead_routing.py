from collections import defaultdict
from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL

from ..claim import claim, claim_sql
from .channel_router import ChannelRouter
from .crm_lead import _logger


class CrmLead(models.Model):
    """Routing: which partner a lead is offered to (the choice itself is made by ChannelRouter,
    a plain module), manual assignment, and the scheduled work."""

    _inherit = "crm.lead"

    def _channel_offer_manually(self, partner):
        """The vendor assigned a partner by hand (lead form, stock forward wizard): the lead is
        offered to it like a routed one, with a deadline, and the decision says who chose."""
        company = partner.commercial_partner_id
        if not company.grade_id:
            return
        leads = self.sudo().filtered(lambda lead: lead.active)
        (self.sudo() - leads)._channel_hold_until_restored(company)
        open_offers = leads.channel_offer_id.filtered(lambda offer: offer.state == "offered")
        open_offers.write({"state": "cancelled", "date_answered": fields.Datetime.now()})
        now = fields.Datetime.now()
        decisions = (
            self.env["crm.channel.routing.decision"]
            .sudo()
            .create(
                [
                    {
                        "lead_id": lead.id,
                        "date": now,
                        "partner_id": company.id,
                        "grade_id": company.grade_id.id,
                        "outcome": "manual",
                        "explanation": {
                            "steps": [],
                            "candidates": [],
                            "reason": self.env._(
                                "Assigned by hand to %(partner)s by %(user)s.",
                                partner=company.name,
                                user=self.env.user.name,
                            ),
                        },
                    }
                    for lead in leads
                ]
            )
        )
        hours = company.grade_id.channel_offer_hours or 48
        self.env["crm.channel.offer"].sudo().create(
            [
                {
                    "lead_id": decision.lead_id.id,
                    "partner_id": company.id,
                    "grade_id": company.grade_id.id,
                    "date_offered": now,
                    "date_deadline": now + timedelta(hours=hours),
                    "decision_id": decision.id,
                }
                for decision in decisions
            ]
        )
        leads.with_context(channel_routing=True).write(
            {
                "partner_assigned_id": company.id,
                "channel_state": "offered",
                "channel_user_id": False,
            }
        )

    def _channel_hold_until_restored(self, company):
        """Archived leads assigned to ``company`` by hand: no offer while archived (a partner
        is not offered a lost or archived lead), and no channel state that would let the
        partner hold them without one: a state left by a previous partner is cleared (nobody
        but the channel writes one, see crm.lead._channel_check_own_fields), its open offer
        cancelled. When the lead is restored, it is offered (see
        crm.lead._channel_offer_restored)."""
        if not self:
            return
        open_offers = self.channel_offer_id.filtered(lambda offer: offer.state == "offered")
        open_offers.write({"state": "cancelled", "date_answered": fields.Datetime.now()})
        self.with_context(channel_routing=True).write(
            {"partner_assigned_id": company.id, "channel_state": False, "channel_user_id": False}
        )

    # ------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------

    def _channel_route(self):
        """Offer each lead of ``self`` to one partner, in one batch: partners, tiers, open offers
        and rules are loaded once, the choice is made in memory, and decisions, offers and lead
        updates are written in bulk. Returns the decisions."""
        leads = self.sudo().filtered(lambda lead: lead.active and lead.probability < 100)
        if not leads:
            return self.env["crm.channel.routing.decision"]
        router = self.env["crm.lead"]._channel_router(leads.company_id)
        now = fields.Datetime.now()
        category_paths = leads._channel_category_paths()
        decisions_vals, offers_vals, offered, unrouted = [], [], defaultdict(list), []
        for lead in leads:
            data = {
                "company_id": lead.company_id.id,
                "country_id": lead.country_id.id,
                "state_id": lead.state_id.id,
                "zip": lead.zip,
                "industry_id": lead.channel_industry_id.id,
                "category_paths": category_paths.get(lead.id, ()),
                "expected_revenue": lead.expected_revenue,
                "declined": set(lead.partner_declined_ids.ids),
            }
            choice = router.choose(data)
            decisions_vals.append(
                {
                    "lead_id": lead.id,
                    "date": now,
                    "partner_id": choice["partner_id"],
                    "grade_id": choice["grade_id"],
                    "outcome": choice["outcome"],
                    "candidate_count": choice["candidate_count"],
                    "explanation": choice["explanation"],
                }
            )
            if choice["partner_id"]:
                offered[choice["partner_id"]].append(lead.id)
                offers_vals.append(
                    {
                        "lead_id": lead.id,
                        "partner_id": choice["partner_id"],
                        "grade_id": choice["grade_id"],
                        "state": "offered",
                        "date_offered": now,
                        "date_deadline": now + timedelta(hours=choice["hours"]),
                    }
                )
            else:
                unrouted.append(lead.id)
        decisions = self.env["crm.channel.routing.decision"].sudo().create(decisions_vals)
        for values, decision in zip(offers_vals, decisions.filtered("partner_id"), strict=True):
            values["decision_id"] = decision.id
        self.env["crm.channel.offer"].sudo().create(offers_vals)
        quiet = leads.with_context(tracking_disable=True, mail_notrack=True, channel_routing=True)
        for partner_id, lead_ids in offered.items():
            quiet.browse(lead_ids).write(
                {
                    "partner_assigned_id": partner_id,
                    "channel_state": "offered",
                    "channel_user_id": False,
                }
            )
        if unrouted:
            values = {"channel_state": "no_partner", "partner_assigned_id": False}
            tag = self.env.ref(
                "website_crm_partner_assign.tag_portal_lead_partner_unavailable",
                raise_if_not_found=False,
            )
            if tag:
                values["tag_ids"] = [(4, tag.id)]
            quiet.browse(unrouted).write(values)
        router.save()
        return decisions

    def _channel_route_or_defer(self):
        """Route the leads, unless another transaction offered meanwhile to a partner chosen
        here (see crm.channel.offer._channel_lock_partners): then nothing of this routing is
        kept, the leads stay queued, and the next run routes them on fresh data. For callers
        that cannot be retried as a whole (the cron, whose batch is claimed). Returns the
        decisions, or None when deferred."""
        try:
            with self.env.cr.savepoint():
                return self._channel_route()
        except (errors.SerializationFailure, errors.DeadlockDetected):
            _logger.info(
                "Routing of leads %s deferred: their partners are being offered leads "
                "by another worker",
                self.ids,
            )
            return None

    def _channel_category_paths(self):
        """{lead id: parent paths of the categories of its products of interest}."""
        paths = {}
        for lead in self:
            categories = lead.channel_product_ids.categ_id
            if categories:
                paths[lead.id] = tuple(categories.mapped("parent_path"))
        return paths

    @api.model
    def _channel_router(self, companies):
        return ChannelRouter(self.env, companies)

    # ------------------------------------------------------------
    # Scheduled work
    # ------------------------------------------------------------

    @api.model
    def _cron_channel_process_offers(self, batch_size=500):
        """Expire the offers past their deadline, then re-offer the leads waiting for routing
        (declined, expired, new), a bounded batch per run; rows are claimed with SKIP LOCKED so
        several workers never take the same one."""
        now = fields.Datetime.now()
        expired_ids = claim_sql(
            self.env,
            SQL(
                """SELECT id FROM crm_channel_offer
                    WHERE state = 'offered' AND date_deadline <= %s
                 ORDER BY date_deadline, id LIMIT %s
               FOR UPDATE SKIP LOCKED""",
                now,
                batch_size,
            ),
        )
        if expired_ids is None:  # another worker is ahead: the rest is its work
            return True
        expired = self.env["crm.channel.offer"].sudo().browse(expired_ids)
        if expired:
            expired.write({"state": "expired"})
            for offer in expired:
                if offer.lead_id.channel_offer_id == offer:
                    offer.lead_id.message_post(
                        body=self.env._(
                            "Offer to %s expired without an answer.", offer.partner_id.name
                        ),
                        subtype_xmlid="mail.mt_note",
                    )
                    offer.lead_id._channel_release(offer.partner_id)
        self.env.flush_all()
        queued_ids = claim_sql(
            self.env,
            SQL(
                """SELECT id FROM crm_lead
                    WHERE channel_state = 'queued' AND active
                 ORDER BY id LIMIT %s
               FOR UPDATE SKIP LOCKED""",
                batch_size,
            ),
        )
        if queued_ids is None:
            queued_ids = []
        queued = self.sudo().browse(queued_ids)
        if queued:
            queued._channel_route_or_defer()
        remaining = self.sudo().search_count([("channel_state", "=", "queued")]) + self.env[
            "crm.channel.offer"
        ].sudo().search_count([("state", "=", "offered"), ("date_deadline", "<=", now)])
        self.env["ir.cron"]._notify_progress(
            done=len(expired_ids) + len(queued_ids), remaining=remaining
        )
        return True

    @api.model
    def _cron_channel_notify_partners(self, batch_size=200):
        """One email per partner company listing its new offers, instead of one per lead.
        The offers are claimed (SKIP LOCKED) before their email is written: two workers never
        mail the same offer."""
        Offer = self.env["crm.channel.offer"].sudo()
        domain = [("state", "=", "offered"), ("notified", "=", False)]
        offers, _lost_race = claim(Offer, domain, limit=batch_size, order="partner_id, id")
        template = self.env.ref(
            "crm_partner_channel.mail_template_channel_new_offers", raise_if_not_found=False
        )
        by_partner = defaultdict(lambda: self.env["crm.channel.offer"])
        for offer in offers:
            by_partner[offer.partner_id] |= offer
        for partner, partner_offers in by_partner.items():
            recipients = partner._channel_offer_recipients()
            if template and recipients:
                template.with_context(channel_offers=partner_offers).send_mail(
                    partner.id,
                    email_values={"recipient_ids": [(6, 0, recipients.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
        offers.write({"notified": True})
        self.env["ir.cron"]._notify_progress(done=len(offers), remaining=Offer.search_count(domain))
        return True
