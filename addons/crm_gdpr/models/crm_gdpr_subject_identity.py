import time

from werkzeug import urls

from odoo import api, models, tools
from odoo.exceptions import UserError
from odoo.tools import consteq

# A link confirming a portal user's address works this long (seconds).
EMAIL_CONFIRMATION_VALIDITY = 72 * 3600


class CrmGdprSubject(models.Model):
    """Who the person is: found or created from a contact or an address, and the address of
    a portal user, confirmed from its mailbox before its choices are shown."""

    _inherit = "crm.gdpr.subject"

    @api.model
    def _for_portal_partner(self, partner):
        """The person of a signed-in portal user: found by their contact only, never by the
        address typed in My Account (it may be someone else's). Created when unknown, with the
        contact's address unless another person already has it (then the choices of that address
        stay with that person)."""
        Subject = self.sudo().with_context(active_test=False)
        subject = Subject.search([("partner_id", "=", partner.id), ("erased", "=", False)], limit=1)
        if subject:
            return subject
        email = partner.email_normalized or False
        if email and Subject.search_count([("email_normalized", "=", email)]):
            email = False
        return Subject.create(
            {"name": partner.name or email, "email": email, "partner_id": partner.id}
        )

    def _portal_email_to_confirm(self, partner):
        """The address of the portal user's contact when it is not yet this person's."""
        self.ensure_one()
        email = partner.email_normalized
        return email if email and email != self.sudo().email_normalized else False

    def _email_confirmation_token(self, email, expires):
        self.ensure_one()
        return tools.hmac(self.env(su=True), "crm_gdpr-email", (self.id, email, int(expires)))

    def _send_email_confirmation(self, partner):
        """Mail a link to the contact's address: the address becomes this person's only from
        its mailbox. Returns the link (tests use it), False when there is nothing to confirm."""
        self.ensure_one()
        email = self._portal_email_to_confirm(partner)
        if not email:
            return False
        expires = int(time.time()) + EMAIL_CONFIRMATION_VALIDITY
        url = "%s/my/privacy/confirm-email?%s" % (
            self.get_base_url(),
            urls.url_encode(
                {
                    "email": email,
                    "expires": expires,
                    "token": self._email_confirmation_token(email, expires),
                }
            ),
        )
        template = self.env.ref("crm_gdpr.mail_template_email_confirmation").sudo()
        template.with_context(confirm_email=email, confirm_url=url).send_mail(
            self.id, email_values={"recipient_ids": []}
        )
        return url

    def _confirm_email(self, partner, email, expires, token):
        """The portal user opened the link sent to `email`: the address is theirs. Returns a
        message code: 'email_confirmed', 'email_taken' (the address is another contact's
        person, or both have choices: the DPO sorts it out) or 'invalid'."""
        self.ensure_one()
        try:
            expires = int(expires)
        except (TypeError, ValueError):
            return "invalid"
        if (
            not token
            or expires < time.time()
            or email != partner.email_normalized
            or email != self._portal_email_to_confirm(partner)
            or not consteq(str(token), self._email_confirmation_token(email, expires))
        ):
            return "invalid"
        me = self.sudo()
        other = me.search([("email_normalized", "=", email), ("id", "!=", me.id)], limit=1)
        if not other:
            me.write({"email": email})
            me._record_email_change()
            return "email_confirmed"
        if other.partner_id or other.erased or me.consent_ids:
            return "email_taken"
        # The person known by this address had no contact: it is this portal user, as their
        # mailbox proves. Their choices come with them; the empty person goes.
        me.unlink()
        other.partner_id = partner
        return "email_confirmed"

    @api.model
    def _find_or_create(self, partner=None, email=None, name=None):
        """The person behind a contact and/or an email address, created when unknown."""
        partner = partner or self.env["res.partner"]
        email_normalized = tools.email_normalize(email or partner.email or "") or False
        Subject = self.sudo().with_context(active_test=False)
        subject = Subject.browse()
        if email_normalized:
            subject = Subject.search(
                [("email_normalized", "=", email_normalized), ("erased", "=", False)], limit=1
            )
        if not subject and partner:
            subject = Subject.search(
                [("partner_id", "=", partner.id), ("erased", "=", False)], limit=1
            )
        if subject:
            if partner and not subject.partner_id:
                taken = Subject.search_count([("partner_id", "=", partner.id)])
                if not taken:
                    subject.partner_id = partner
            return subject.with_env(self.env)
        if not email_normalized and not partner:
            raise UserError(
                self.env._("Give a valid email address or a contact to record a consent.")
            )
        return Subject.create(
            {
                "name": name or partner.name or email_normalized,
                "email": email_normalized or False,
                "partner_id": partner.id or False,
                # A person with a contact follows the contact's language as it changes.
                "lang": False if partner else self.env.context.get("lang") or False,
            }
        ).with_env(self.env)
