from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request


def consent_evidence():
    """IP address and user agent of the current web request, as Odoo sees them: behind a
    reverse proxy, `proxy_mode` makes werkzeug's ProxyFix set remote_addr from the proxy
    headers; a raw header is never trusted here."""
    httprequest = request.httprequest
    return {
        "ip_address": httprequest.remote_addr,
        "user_agent": (httprequest.user_agent.string or "")[:512],
        "lang": request.env.context.get("lang"),
    }


def render_preferences(subject, form_action, message=None, layout="public", extra=None):
    """The preference page of `subject` (access already checked), in the person's language;
    a signed-in user reads it in the language of their session."""
    lang = request.env.context.get("lang") if layout == "portal" else None
    if lang not in dict(request.env["res.lang"].get_installed()):
        lang = subject._gdpr_lang()
    request.update_context(lang=lang)
    values = subject.with_context(lang=lang)._preference_page_values(lang=lang)
    values.update(
        subject=subject,
        form_action=form_action,
        message=message,
        page_name="gdpr_privacy",
        **(extra or {}),
    )
    template = "crm_gdpr.portal_my_privacy" if layout == "portal" else "crm_gdpr.preferences"
    return request.render(template, values)


def apply_choice(subject, post, source):
    """Apply one choice posted from a preference page; returns the code of the message shown.
    Bad input changes nothing and shows a message."""
    try:
        return subject._preference_apply(
            post.get("decision"),
            purpose_id=post.get("purpose_id"),
            channel_id=post.get("channel_id"),
            source=source,
            evidence=dict(consent_evidence(), lang=subject._gdpr_lang()),
        )
    except (UserError, ValidationError):
        return "invalid"


class GdprController(http.Controller):
    """Public pages of a person: the preference page reached from the signed link of every
    marketing email, the double opt-in confirmation and the subscription form. Routes check
    access, call one model method and render."""

    # ------------------------------------------------------------------
    # Preference page
    # ------------------------------------------------------------------

    def _subject_from_link(self, subject_id, token):
        subject = request.env["crm.gdpr.subject"].sudo().browse(subject_id).exists()
        if not subject or not subject._check_preference_token(token):
            raise NotFound()
        return subject

    @http.route(
        "/gdpr/preferences/<int:subject_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
        readonly=True,
    )
    def preferences(self, subject_id, token, message=None, **kwargs):
        """Read-only: the page reads the person's consents and writes nothing (the link is
        checked against a keyed hash, no token is stored), so a read-only replica can serve
        it. The choices are posted to preferences_update, on the primary."""
        subject = self._subject_from_link(subject_id, token)
        return render_preferences(
            subject, f"/gdpr/preferences/{subject_id}/{token}", message=message
        )

    @http.route(
        "/gdpr/preferences/<int:subject_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def preferences_update(self, subject_id, token, **post):
        subject = self._subject_from_link(subject_id, token)
        message = apply_choice(subject, post, source="preference_page")
        return request.redirect(f"/gdpr/preferences/{subject_id}/{token}?message={message}")

    # ------------------------------------------------------------------
    # Double opt-in confirmation
    # ------------------------------------------------------------------

    def _render_confirmation(self, record, status, token):
        subject = record.subject_id
        if subject:
            request.update_context(lang=subject._gdpr_lang())
        return request.render(
            "crm_gdpr.confirmation",
            {
                "status": status,
                "token": token,
                "record": record.with_context(lang=request.env.context.get("lang")),
                "subject": subject,
            },
        )

    @http.route(
        "/gdpr/confirm/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def confirm_page(self, token, **kwargs):
        # Showing the page changes nothing: mail scanners that open links confirm nothing.
        record = request.env["crm.gdpr.optin.token"].sudo()._find(token)
        return self._render_confirmation(record, record._status(), token)

    @http.route(
        "/gdpr/confirm/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def confirm(self, token, **kwargs):
        status, record = (
            request.env["crm.gdpr.optin.token"].sudo()._consume(token, **consent_evidence())
        )
        return self._render_confirmation(record, status, token)

    # ------------------------------------------------------------------
    # Subscription form (web form capture)
    # ------------------------------------------------------------------

    @http.route(
        "/gdpr/subscribe",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def subscribe_page(self, sent=None, **kwargs):
        return self._render_subscribe(sent=sent)

    def _render_subscribe(self, sent=None, error=None, post=None):
        return request.render(
            "crm_gdpr.subscribe",
            {
                "purposes": request.env["crm.gdpr.purpose"].sudo()._web_form_purposes(),
                "sent": sent,
                "error": error,
                "post": post or {},
            },
        )

    @http.route(
        "/gdpr/subscribe",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
        multilang=False,
    )
    def subscribe(self, **post):
        choices = [key for key in post if key.startswith("consent_")]
        try:
            request.env["crm.gdpr.subject"].sudo()._web_form_subscribe(
                name=post.get("name"),
                email=post.get("email"),
                choices=choices,
                evidence=consent_evidence(),
            )
        except (UserError, ValidationError) as error:
            return self._render_subscribe(error=error.args[0], post=post)
        return request.redirect("/gdpr/subscribe?sent=1")
