from markupsafe import Markup
from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .crm_lead import _logger, channel_int


class CrmLead(models.Model):
    """Offers: a partner accepts or declines, the vendor withdraws; exactly one answer wins."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Offers: accept and decline (portal), withdraw (vendor)
    # ------------------------------------------------------------

    def action_channel_accept(self):
        """The partner takes the offer. Exactly one of concurrent callers wins (see
        _channel_claim_offer); the others get a clear message and change nothing."""
        self._channel_check_offer_still_ours()
        self._channel_check_partner_access(states=("offered",))
        user = self.env.user
        for lead in self.sudo():
            offer = lead.channel_offer_id
            if (
                not offer
                or offer.state != "offered"
                or offer.partner_id != lead.partner_assigned_id
            ):
                raise UserError(self.env._("This offer is no longer open."))
            offer.flush_recordset()
            now = fields.Datetime.now()
            if not lead._channel_claim_offer(offer, "accepted", now):
                raise UserError(
                    self.env._(
                        "This offer was taken or has expired meanwhile; it is no longer open."
                    )
                )
            offer.invalidate_recordset(["state"])
            offer.write({"state": "accepted", "date_answered": now, "answered_by_id": user.id})
            lead.with_context(channel_routing=True).write(
                {"channel_state": "accepted", "channel_user_id": user.id}
            )
            lead.convert_opportunity(lead.partner_id)
            lead.message_subscribe(partner_ids=user.partner_id.ids)
            lead.message_post(
                body=self.env._("Offer accepted by %s.", user.name),
                author_id=user.partner_id.id,
                subtype_xmlid="mail.mt_note",
            )
        self._channel_flush_as_sudo()
        return True

    def action_channel_decline(self, reason_id=False, comment=False):
        """The partner declines the offer, saying why; the next routing run re-offers it."""
        self._channel_check_offer_still_ours()
        self._channel_check_partner_access(states=("offered",))
        reason = self.env["crm.channel.decline.reason"].browse(channel_int(reason_id)).exists()
        if not reason:
            raise UserError(self.env._("Choose why you decline this offer."))
        comment = (comment or "").strip()[:2000]
        user = self.env.user
        for lead in self.sudo():
            offer = lead.channel_offer_id
            if not offer or offer.state != "offered":
                raise UserError(self.env._("This offer is no longer open."))
            offer.flush_recordset()
            if not lead._channel_claim_offer(offer, "declined"):
                raise UserError(self.env._("This offer is no longer open."))
            now = fields.Datetime.now()
            offer.invalidate_recordset(["state"])
            offer.write(
                {
                    "state": "declined",
                    "date_answered": now,
                    "answered_by_id": user.id,
                    "decline_reason_id": reason.id,
                    "decline_comment": comment,
                }
            )
            message = Markup("<p>%s</p>") % self.env._(
                "Offer declined by %(user)s (%(partner)s): %(reason)s",
                user=user.name,
                partner=offer.partner_id.name,
                reason=reason.name,
            )
            if comment:
                message += Markup("<p>%s</p>") % comment
            # posted by the system on the partner's behalf: a partner posts on accepted deals only
            lead.with_user(SUPERUSER_ID).message_post(
                body=message, author_id=user.partner_id.id, subtype_xmlid="mail.mt_note"
            )
            lead._channel_release(offer.partner_id)
        self._channel_flush_as_sudo()
        return True

    @api.model
    def _channel_offer_was_ours(self, lead_ids):
        """Whether the caller's company was offered these leads at some point (its offers on
        them exist), whatever became of the offers since."""
        company = self.env.user.commercial_partner_id
        if not self.env.user.share or not company:
            return False
        return bool(
            self.env["crm.channel.offer"]
            .sudo()
            .search_count(
                [("lead_id", "in", list(lead_ids)), ("partner_id", "=", company.id)], limit=1
            )
        )

    def _channel_check_offer_still_ours(self):
        """A partner answering an offer that the vendor withdrew, that expired or went to another
        partner meanwhile is told that the offer is no longer open (not that it may not see the
        lead): it lost a race, it did not attack."""
        company = self.env.user.commercial_partner_id
        for lead in self.sudo():
            if (
                lead.partner_assigned_id.commercial_partner_id != company
                and self._channel_offer_was_ours(lead.ids)
            ):
                raise UserError(self.env._("This offer is no longer open."))

    def _channel_claim_offer(self, offer, state, before=None):
        """Move an open offer to ``state`` in one conditional UPDATE, the row locked without
        waiting: of concurrent callers exactly one gets True. A caller that finds the row locked
        or changed since its transaction began gets False instead of a database error."""
        deadline = SQL("AND date_deadline > %s", before) if before else SQL()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """SELECT id FROM crm_channel_offer
                            WHERE id = %s AND state = 'offered' %s
                              FOR UPDATE NOWAIT""",
                        offer.id,
                        deadline,
                    ),
                    log_exceptions=False,
                )
                if not self.env.cr.fetchall():
                    return False
                self.env.cr.execute(
                    SQL("UPDATE crm_channel_offer SET state = %s WHERE id = %s", state, offer.id)
                )
        except (errors.LockNotAvailable, errors.SerializationFailure):
            _logger.info("Offer %s is being answered by someone else", offer.id)
            return False
        return True

    def _channel_release(self, partners):
        """Take leads back from partners (declined, expired, withdrawn): they lose access, are
        never offered the lead again, and the next routing run re-offers it."""
        people = (
            self.env["res.partner"]
            .sudo()
            .search([("id", "child_of", partners.commercial_partner_id.ids)])
        )
        self.sudo().message_unsubscribe(partner_ids=people.ids)
        self.sudo().with_context(channel_routing=True).write(
            {
                "partner_assigned_id": False,
                "channel_user_id": False,
                "channel_state": "queued",
                "partner_declined_ids": [(4, partner.id) for partner in partners],
            }
        )

    def action_channel_withdraw(self):
        """Vendor: withdraw the current offer and route the lead again."""
        self._channel_check_vendor()
        for lead in self:
            offer = lead.channel_offer_id
            if offer.state != "offered":
                raise UserError(self.env._("Lead %s has no open offer to withdraw.", lead.name))
            offer.sudo().write({"state": "cancelled", "date_answered": fields.Datetime.now()})
            lead._channel_release(offer.partner_id)
        return True

    def action_channel_route(self):
        """Vendor: offer the selected leads to partners now."""
        self._channel_check_vendor()
        leads = self.filtered(lambda lead: lead.channel_state in (False, "queued", "no_partner"))
        if not leads:
            raise UserError(
                self.env._("These leads are already offered to or worked by a partner.")
            )
        leads._channel_route()
        return True

    def _channel_check_vendor(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(self.env._("Only the vendor's salespeople can do this."))
        self.check_access("write")
