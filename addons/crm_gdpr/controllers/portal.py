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
        email_to_confirm = subject._portal_email_to_confirm(request.env.user.partner_id)
        return render_preferences(
            subject,
            "/my/privacy",
            message=message,
            layout="portal",
            extra={"email_to_confirm": email_to_confirm},
        )

    @http.route("/my/privacy", type="http", auth="user", methods=["POST"], website=True)
    def my_privacy_update(self, **post):
        subject = self._my_subject()
        if post.get("decision") == "confirm_email":
            sent = subject._send_email_confirmation(request.env.user.partner_id)
            return request.redirect(f"/my/privacy?message={'email_sent' if sent else 'unchanged'}")
        message = apply_choice(subject, post, source="portal")
        return request.redirect(f"/my/privacy?message={message}")

    @http.route(
        "/my/privacy/confirm-email", type="http", auth="user", methods=["GET"], website=True
    )
    def my_privacy_confirm_email(self, email=None, expires=None, token=None, **kwargs):
        """The link mailed to the address: only its mailbox has it, and only the signed-in
        portal user who asked can use it."""
        subject = self._my_subject()
        message = subject._confirm_email(request.env.user.partner_id, email, expires, token)
        return request.redirect(f"/my/privacy?message={message}")
