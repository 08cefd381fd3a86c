from odoo import models
from odoo.exceptions import AccessError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def action_channel_new_quote(self):
        """A reseller starts a quote for its accepted deal: a CPQ quotation of the vendor,
        linked to the opportunity, for the deal's customer, judged by the deal's team's policy.
        Returns the new quote (sudo: the caller renders it after this check)."""
        self.ensure_one()
        if not self.env.su and not self.has_access("read"):
            raise AccessError(self.env._("This deal is not one of your company's."))
        # crm_partner_channel's one decision: the caller's company works this deal (a partner
        # salesperson: its own), the offer is accepted or the registration approved
        self._channel_check_partner_access()
        self._channel_check_open_deals()
        user = self.env.user
        lead = self.sudo()
        if not lead.partner_id:
            # as sale_crm's "New Quotation" does: the customer of the deal becomes a contact
            lead._handle_partner_assignment(create_missing=True)
        company = lead.company_id or lead.team_id.company_id or lead.env.company
        values = {
            "partner_id": lead.partner_id.id,
            "opportunity_id": lead.id,
            "team_id": lead.team_id.id,
            "user_id": lead.user_id.id,
            "company_id": company.id,
            "origin": lead.name,
            "campaign_id": lead.campaign_id.id,
            "medium_id": lead.medium_id.id,
            "source_id": lead.source_id.id,
            "tag_ids": [],
            "channel_partner_id": user.commercial_partner_id.id,
            "channel_user_id": user.id,
            "channel_issuer": company.channel_quote_issuer,
        }
        # no reseller among the followers: a follower reads the order (and its costs) through
        # the stock portal rule
        return (
            self.env["sale.order"]
            .sudo()
            .with_company(company)
            .with_context(mail_create_nosubscribe=True)
            .create(values)
        )

    def _channel_deal_quotes(self):
        """The quotes of the caller's company on this deal, for its portal page (sudo, after
        crm_partner_channel's access decision on the deal)."""
        self.ensure_one()
        self._channel_check_partner_access()
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("opportunity_id", "=", self.id),
                    ("channel_partner_id", "=", self.env.user.commercial_partner_id.id),
                ],
                order="id desc",
            )
        )
