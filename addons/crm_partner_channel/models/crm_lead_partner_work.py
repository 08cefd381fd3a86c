from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .crm_lead import channel_int as _channel_int


class CrmLead(models.Model):
    """A partner works its deals in the portal; the stock portal methods of
    website_crm_partner_assign go through the same checks."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Working the deal in the portal
    # ------------------------------------------------------------

    # ------------------------------------------------------------
    # Followers and posting: the vendor's to manage
    # ------------------------------------------------------------

    def _channel_check_own_people(self, partner_ids):
        """A partner names, follows or unfollows only people of its own company."""
        company = self.env.user.commercial_partner_id
        people = self.env["res.partner"].sudo().browse(partner_ids or []).exists()
        if len(people) != len(set(partner_ids or [])) or any(
            person.commercial_partner_id != company for person in people
        ):
            raise AccessError(
                self.env._("The vendor manages the followers of a deal; you manage your own.")
            )

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if self._channel_is_portal_env():
            self._channel_check_partner_access(states=("offered", "accepted"))
            self._channel_check_own_people(partner_ids)
            if subtype_ids:
                raise AccessError(self.env._("The vendor chooses what followers are told."))
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def message_unsubscribe(self, partner_ids=None):
        if self._channel_is_portal_env():
            self._channel_check_partner_access(states=("offered", "accepted"))
            self._channel_check_own_people(partner_ids)
        return super().message_unsubscribe(partner_ids=partner_ids)

    def message_post(self, **kwargs):
        # a partner posts on the deals it works (accepted), never on an offer it has not
        # accepted, and notifies only the vendor's followers and its own people; checked as the
        # partner even when the caller went sudo (stock's chatter route posts as sudo)
        # (customers' own pages, such as booking a meeting as the public user, post through
        # sudo too: only a partner company's people are partners here)
        if self and self.env.user.share and self._channel_posted_by_a_partner():
            self.sudo(False)._channel_check_partner_access()
            self._channel_check_own_people(
                [
                    command if isinstance(command, int) else command[1]
                    for command in kwargs.get("partner_ids") or []
                ]
            )
        return super().message_post(**kwargs)

    def _channel_posted_by_a_partner(self):
        """The portal user posting belongs to a partner company: graded, or the one a lead is
        (or was offered) with."""
        company = self.env.user.commercial_partner_id
        return bool(company.grade_id) or any(
            lead.partner_assigned_id.commercial_partner_id == company for lead in self.sudo()
        )

    def action_channel_set_stage(self, stage_id):
        return self.write({"stage_id": stage_id})

    def action_channel_update(self, values):
        """The portal's edit form: expected revenue, expected closing, priority."""
        allowed = {"expected_revenue", "date_deadline", "priority"}
        unknown = set(values) - allowed
        if unknown:
            raise AccessError(self.env._("Partners cannot change: %s.", ", ".join(sorted(unknown))))
        return self.write(dict(values))

    def action_channel_post_note(self, body):
        """A partner's note on the deal's thread, which the vendor follows."""
        self._channel_check_partner_access()
        text = (body or "").strip()
        if not text:
            raise UserError(self.env._("Write something before posting."))
        if len(text) > 10000:
            raise UserError(self.env._("A note is limited to 10,000 characters."))
        self.ensure_one()
        return (
            self.sudo()
            .message_post(
                body=text,
                author_id=self.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            .id
        )

    def action_channel_schedule_activity(self, activity_type_id, summary, date_deadline):
        """A partner plans its next step on the deal; the vendor sees it in the activities."""
        self._channel_check_partner_access()
        self.ensure_one()
        activity_type = self.env["mail.activity.type"].sudo().browse(_channel_int(activity_type_id))
        if not activity_type.exists() or activity_type.res_model not in (False, "crm.lead"):
            raise UserError(self.env._("Choose the kind of activity to plan."))
        try:
            deadline = fields.Date.to_date(date_deadline)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("The activity date must be a date.")) from error
        if not deadline:
            raise UserError(self.env._("Give the date of the activity."))
        if deadline < fields.Date.context_today(self) - timedelta(days=1):
            raise UserError(self.env._("The activity date cannot be in the past."))
        activity = (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.id,
                    "user_id": self.env.user.id,
                    "activity_type_id": activity_type.id,
                    "summary": (summary or "").strip()[:200] or activity_type.name,
                    "date_deadline": deadline,
                }
            )
        )
        self._channel_flush_as_sudo()
        return activity.id

    def action_channel_activity_done(self, activity_id):
        self._channel_check_partner_access()
        self.ensure_one()
        activity = self.env["mail.activity"].sudo().browse(_channel_int(activity_id)).exists()
        if not activity:
            raise UserError(self.env._("This activity is already done or no longer exists."))
        if activity.res_model != "crm.lead" or activity.res_id != self.id:
            raise AccessError(self.env._("This activity is not on this deal."))
        if activity.user_id != self.env.user:
            raise AccessError(self.env._("You can only close your own activities."))
        activity.action_feedback(feedback=self.env._("Done in the partner portal."))
        self._channel_flush_as_sudo()
        return True

    def _channel_portal_activities(self):
        """The caller's own open activities on the deal (partners cannot read activities)."""
        self.ensure_one()
        return self.sudo().activity_ids.filtered(lambda activity: activity.user_id == self.env.user)

    def action_channel_assign_salesperson(self, user_id):
        """A partner manager hands a deal to a salesperson of its company."""
        self._channel_check_partner_access(states=("offered", "accepted"))
        if not self.env.user.partner_id._channel_is_manager():
            raise AccessError(self.env._("Only your partner manager can reassign deals."))
        user = self.env["res.users"].sudo().browse(_channel_int(user_id)).exists()
        if not user:
            raise UserError(self.env._("Choose a colleague from the list."))
        if (
            not user
            or not user.share
            or user.commercial_partner_id != self.env.user.commercial_partner_id
        ):
            raise AccessError(self.env._("Choose a colleague of your company."))
        self.sudo().with_context(channel_routing=True).write({"channel_user_id": user.id})
        self._channel_flush_as_sudo()
        return True

    # ------------------------------------------------------------
    # Stock portal methods: the holes, closed
    # ------------------------------------------------------------

    def partner_interested(self, comment=False):
        if not self.env.user.share or self.env.su:
            return super().partner_interested(comment=comment)
        self.action_channel_accept()
        if comment:
            self.action_channel_post_note(comment)
        return True

    def partner_desinterested(self, comment=False, contacted=False, spam=False):
        if not self.env.user.share or self.env.su:
            return super().partner_desinterested(comment=comment, contacted=contacted, spam=spam)
        reason = self.env.ref(
            "crm_partner_channel.decline_reason_other", raise_if_not_found=False
        ) or self.env["crm.channel.decline.reason"].search([], limit=1)
        return self.action_channel_decline(reason.id, comment)

    def update_lead_portal(self, values):
        if not self.env.user.share or self.env.su:
            return super().update_lead_portal(values)
        self._channel_check_partner_access()
        update = {
            key: values[key]
            for key in ("expected_revenue", "date_deadline", "priority")
            if key in values
        }
        self.action_channel_update(update)
        if values.get("activity_date_deadline"):
            for lead in self:
                lead.action_channel_schedule_activity(
                    values.get("activity_type_id"),
                    values.get("activity_summary"),
                    values["activity_date_deadline"],
                )
        return True

    def update_contact_details_from_portal(self, values):
        # stock lets a partner rewrite the customer's company, email, phone and address: they
        # are the vendor's (and the person's); a partner tells the vendor in a note instead
        if not self.env.user.share or self.env.su:
            return super().update_contact_details_from_portal(values)
        raise AccessError(
            self.env._(
                "The customer's contact details are kept by the vendor: post a note on the deal "
                "to have them corrected."
            )
        )

    @api.model
    def create_opp_portal(self, values):
        if self.env.user.share and not self.env.su:
            raise AccessError(
                self.env._("Register your deals on the Deal Registration page of your portal.")
            )
        return super().create_opp_portal(values)

    def _channel_vendor_only(self):
        if self.env.user.share and not self.env.su:
            raise AccessError(self.env._("Only the vendor assigns leads to partners."))

    def assign_partner(self, partner_id=False):
        self._channel_vendor_only()
        return super().assign_partner(partner_id=partner_id)

    def action_assign_partner(self):
        self._channel_vendor_only()
        return super().action_assign_partner()

    def search_geo_partner(self):
        self._channel_vendor_only()
        return super().search_geo_partner()

    def assign_geo_localize(self, latitude=False, longitude=False):
        self._channel_vendor_only()
        return super().assign_geo_localize(latitude=latitude, longitude=longitude)

    def assign_salesman_of_assigned_partner(self):
        self._channel_vendor_only()
        return super().assign_salesman_of_assigned_partner()

    def _get_access_action(self, access_uid=None, force_website=False):
        action = super()._get_access_action(access_uid=access_uid, force_website=force_website)
        if action.get("type") == "ir.actions.act_url" and self.type == "lead":
            action["url"] = f"/my/lead/{self.id}"
        return action
