from collections import defaultdict

from odoo import api, fields, models, tools

# Models whose records are people: a hand-written mass email to them is marketing, and a
# mailing to them must say for which purpose it is sent (crm_gdpr_mass_mailing).
PEOPLE_MODELS = ("crm.lead", "res.partner", "mailing.contact")

GDPR_FAILURE_TYPES = [
    ("gdpr_no_consent", "No Consent"),
    ("gdpr_pending", "Consent Awaiting Confirmation"),
    ("gdpr_withdrawn", "Consent Withdrawn"),
    ("gdpr_expired", "Consent Expired"),
    ("gdpr_restricted", "Processing Restricted or Objected"),
    ("gdpr_tampered", "Consent Disagrees with its Receipts"),
]

# Denial reason (crm.gdpr.consent._gdpr_denials) -> failure type of mails and traces.
FAILURE_TYPE_OF_REASON = {
    "no_consent": "gdpr_no_consent",
    "pending": "gdpr_pending",
    "withdrawn": "gdpr_withdrawn",
    "expired": "gdpr_expired",
    "restricted": "gdpr_restricted",
    "objected": "gdpr_restricted",
    "erased": "gdpr_restricted",
    "tampered": "gdpr_tampered",
}

# Context key under which the code sending marketing mail (a template marked marketing, the
# composer in mass mode) puts a Marketing object; a context from RPC can never hold one.
MARKETING_KEY = "crm_gdpr_marketing"


class Marketing:
    """Says that the mails created in this context are marketing, for `purpose_id` (or for any
    purpose using email when None)."""

    __slots__ = ("purpose_id",)

    def __init__(self, purpose):
        self.purpose_id = purpose.id if purpose else None


def marketing_context(purpose):
    return {MARKETING_KEY: Marketing(purpose)}


class MailMail(models.Model):
    _inherit = "mail.mail"

    failure_type = fields.Selection(selection_add=GDPR_FAILURE_TYPES)
    gdpr_marketing = fields.Boolean(
        string="Marketing",
        readonly=True,
        help="Sent only to people who may be mailed for its purpose, checked when it is sent. "
        "Mails of a mass mailing are always marketing.",
    )
    gdpr_purpose_id = fields.Many2one(
        "crm.gdpr.purpose", string="Marketing Purpose", readonly=True, ondelete="restrict"
    )

    @api.model_create_multi
    def create(self, vals_list):
        marketing = self.env.context.get(MARKETING_KEY)
        if isinstance(marketing, Marketing):
            for vals in vals_list:
                vals["gdpr_marketing"] = True
                vals.setdefault("gdpr_purpose_id", marketing.purpose_id)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # The last check: when a marketing mail is sent
    # ------------------------------------------------------------------

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        """Marketing mail reaches only the people who may be mailed for its purpose at the time
        it is sent, whenever it was queued: a withdrawal, an objection or a restriction after
        the mail was composed stops it here. Transactional mail passes."""
        self._gdpr_stop_denied()
        return super()._send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            smtp_session=smtp_session,
            alias_domain_id=alias_domain_id,
            mail_server=mail_server,
            post_send_callback=post_send_callback,
        )

    def _gdpr_is_marketing(self):
        """Marketing mail is checked for consent when it is sent (a bridge adds mass mailings)."""
        self.ensure_one()
        return bool(self.gdpr_marketing)

    def _gdpr_purpose(self):
        """The purpose a marketing mail is sent for; None: any purpose using email; False: not
        an email to check (a bridge may say so of an SMS mailing)."""
        self.ensure_one()
        purpose = self.gdpr_purpose_id
        if not purpose:
            purpose = self.env["crm.gdpr.purpose"].sudo()._get_mailing_default()
        return purpose or None

    def _gdpr_recipients(self):
        """{normalized email: res.partner or None} of the people this mail goes to."""
        self.ensure_one()
        recipients = {}
        for email in tools.email_split(self.email_to or ""):
            normalized = tools.email_normalize(email, strict=False)
            if normalized:
                recipients[normalized] = None
        for partner in self.recipient_ids:
            normalized = partner.email_normalized
            if normalized:
                recipients[normalized] = partner
        return recipients

    def _gdpr_stop_denied(self):
        """Cancel the outgoing marketing mails of self whose recipients may not get them, and
        take the refused people out of the others."""
        mails = self.sudo().filtered(lambda m: m.state == "outgoing" and m._gdpr_is_marketing())
        if not mails:
            return
        Consent = self.env["crm.gdpr.consent"].sudo()
        by_purpose = defaultdict(lambda: self.env["mail.mail"].sudo())
        for mail in mails:
            purpose = mail._gdpr_purpose()
            if purpose is not False:
                by_purpose[purpose] |= mail
        for purpose, purpose_mails in by_purpose.items():
            recipients = {mail: mail._gdpr_recipients() for mail in purpose_mails}
            emails = sorted({email for found in recipients.values() for email in found})
            if not emails:
                continue
            denials = Consent._gdpr_denials(emails, purpose=purpose, channel="email")
            for mail, found in recipients.items():
                refused = {email: denials[email] for email in found if email in denials}
                if not refused:
                    continue
                if len(refused) == len(found):
                    mail._gdpr_cancel(next(iter(refused.values())))
                else:
                    mail._gdpr_remove_recipients(refused, found)

    def _gdpr_cancel(self, reason):
        self.ensure_one()
        failure_type = FAILURE_TYPE_OF_REASON[reason]
        label = self.env["crm.gdpr.consent"]._gdpr_reason_label(reason)
        self.write({"state": "cancel", "failure_type": failure_type, "failure_reason": label})
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search([("mail_mail_id", "=", self.id), ("notification_type", "=", "email")])
        )
        notifications.write(
            {"notification_status": "canceled", "failure_type": False, "failure_reason": label}
        )

    def _gdpr_remove_recipients(self, refused, found):
        """Send to the people who may be mailed only (a mail to several people)."""
        self.ensure_one()
        partners = self.env["res.partner"].browse(
            [found[email].id for email in refused if found[email]]
        )
        kept = [
            email
            for email in tools.mail.email_split_and_format(self.email_to or "")
            if tools.email_normalize(email, strict=False) not in refused
        ]
        self.write(
            {
                "email_to": ",".join(kept) or False,
                "recipient_ids": [fields.Command.unlink(partner.id) for partner in partners],
            }
        )
        self.env["mail.notification"].sudo().search(
            [
                ("mail_mail_id", "=", self.id),
                ("notification_type", "=", "email"),
                ("res_partner_id", "in", partners.ids),
            ]
        ).write({"notification_status": "canceled"})

    # ------------------------------------------------------------------
    # Preference link
    # ------------------------------------------------------------------

    def _gdpr_carries_preference_link(self):
        """Marketing mail carries the person's preference link (a bridge adds mailings)."""
        return bool(self.gdpr_marketing)

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        """Every marketing email carries the signed link to the recipient's preference page."""
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )
        if not self._gdpr_carries_preference_link():
            return email_list
        for email_values in email_list:
            if not email_values.get("email_to") or tools.is_html_empty(email_values["body"]):
                continue
            email = tools.email_normalize(email_values["email_to"][0], strict=False)
            if not email:
                continue
            subject = self.env["crm.gdpr.subject"].sudo()._find_or_create(email=email)
            email_values["body"] = tools.mail.append_content_to_html(
                email_values["body"], subject._preference_footer(), plaintext=False
            )
        return email_list
