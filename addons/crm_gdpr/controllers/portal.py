from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .main import apply_choice, render_preferences


class GdprPortal(CustomerPortal):
    """The preference page of the logged-in user, under /my."""

    def _my_subject(self):
        partner = request.env.user.partner_id
        # By the contact only: the address in My Account may be someone else's.
        return request.env["crm.gdpr.subject"].sudo()._for_portal_partner(partner)

    @http.route("/my/privacy", type="http", auth="user", methods=["GET"], website=True)
    def my_privacy(self, message=None, **kwargs):
        subject = self._my_subject()
        return render_preferences(subject, "/my/privacy", message=message, layout="portal")

    @http.route("/my/privacy", type="http", auth="user", methods=["POST"], website=True)
    def my_privacy_update(self, **post):
        subject = self._my_subject()
        message = apply_choice(subject, post, source="portal")
        return request.redirect(f"/my/privacy?message={message}")
