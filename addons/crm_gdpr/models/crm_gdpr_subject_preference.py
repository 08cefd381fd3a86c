from odoo import api, models, tools
from odoo.exceptions import UserError
from odoo.tools import consteq


class CrmGdprSubject(models.Model):
    """The person's own choices: the preference page, its signed link, the web form."""

    _inherit = "crm.gdpr.subject"

    def _preference_page_values(self, lang=None):
        """What the preference page shows, in `lang` (default: the person's language): every
        active purpose, and per channel the person's consent and the one-click action
        available."""
        self.ensure_one()
        Purpose = self.env["crm.gdpr.purpose"].sudo()
        purposes = Purpose.search([("company_id", "in", [False, *self.env.companies.ids])])
        consents = {
            (consent.purpose_id.id, consent.channel_id.id): consent
            for consent in self.sudo().consent_ids
        }
        states = dict(
            self.env["crm.gdpr.consent"]._fields["state"]._description_selection(self.env)
        )
        rows = []
        for purpose in purposes:
            mode = purpose._preference_mode()
            channels = []
            for channel in purpose.channel_ids:
                consent = consents.get((purpose.id, channel.id))
                state = consent.state if consent else False
                line = {
                    "channel": channel,
                    "consent": consent,
                    "state": state,
                    "state_label": states.get(state) or self.env._("Not given"),
                    "since": self._gdpr_format_datetime(consent.date_state) if consent else "",
                    "can_withdraw": state in ("given", "pending"),
                    "can_give": state in (False, "withdrawn", "expired"),
                }
                if mode == "objection":
                    # Legitimate interests: we may process unless the person objects.
                    objected = state == "withdrawn"
                    line.update(
                        state="withdrawn" if objected else "given",
                        state_label=self.env._("Objected") if objected else self.env._("Active"),
                        can_withdraw=not objected,
                        can_give=objected,
                    )
                elif mode == "info":
                    # Needed for a contract or by law: shown, not a choice.
                    line.update(
                        state="given",
                        state_label=self.env._("Needed"),
                        can_withdraw=False,
                        can_give=False,
                    )
                channels.append(line)
            rows.append({"purpose": purpose, "mode": mode, "channels": channels})
        lang = lang or self._gdpr_lang()
        return {
            "rows": rows,
            "lang": lang,
            "text_dir": self.env["res.lang"]._get_data(code=lang).direction or "ltr",
            "dpo": self.env.company.gdpr_dpo_partner_id,
            "has_active_consent": any(
                line["can_withdraw"]
                for row in rows
                if row["mode"] == "consent"
                for line in row["channels"]
            ),
        }

    def _preference_apply(
        self, decision, purpose_id=None, channel_id=None, source=None, evidence=None
    ):
        """Apply a choice made on the preference page. Returns a message code: 'pending'
        (confirmation email sent), 'throttled' (one was sent minutes ago), 'withdrawn',
        'withdrawn_all' or 'unchanged'. Raises UserError on bad input, changing nothing."""
        self.ensure_one()
        evidence = dict(evidence or {})
        if decision == "withdraw_all":
            active = self.sudo().consent_ids.filtered(lambda c: c.state in ("given", "pending"))
            active._change_state("withdrawn", source=source, **evidence)
            return "withdrawn_all" if active else "unchanged"
        if decision not in ("give", "withdraw"):
            raise UserError(self.env._("Choose to give or to withdraw a consent."))
        purpose, channel = self._preference_target(purpose_id, channel_id)
        if purpose._preference_mode() == "info":
            raise UserError(self.env._("This processing is not a choice: it is needed."))
        evidence["version_id"] = purpose.current_version_id.id
        consent = self.sudo().consent_ids.filtered(
            lambda c: c.purpose_id == purpose and c.channel_id == channel
        )
        if decision == "withdraw":
            if consent.state in ("withdrawn", "expired"):
                return "unchanged"
            if not consent:
                if purpose._preference_mode() != "objection":
                    return "unchanged"
                self.sudo()._set_consents(purpose, channel, "withdrawn", source, **evidence)
                return "withdrawn"
            consent._change_state("withdrawn", source=source, **evidence)
            return "withdrawn"
        if consent.state in ("given", "pending"):
            return "unchanged"
        consents = self.sudo()._set_consents(purpose, channel, "pending", source, **evidence)
        token = self.env["crm.gdpr.optin.token"]._issue(self, consents, source)
        return "pending" if token else "throttled"

    def _preference_target(self, purpose_id, channel_id):
        try:
            purpose_id, channel_id = int(purpose_id), int(channel_id)
        except (TypeError, ValueError):
            raise UserError(self.env._("This choice is not available.")) from None
        purpose = self.env["crm.gdpr.purpose"].sudo().browse(purpose_id).exists()
        channel = self.env["crm.gdpr.channel"].sudo().browse(channel_id).exists()
        if not purpose or not purpose.active or channel not in purpose.channel_ids:
            raise UserError(self.env._("This choice is not available."))
        return purpose, channel

    @api.model
    def _web_form_subscribe(self, name, email, choices, evidence):
        """A person subscribes on the web form: their consents stay pending until they confirm
        from their mailbox. `choices` are 'consent_<purpose id>_<channel id>' keys."""
        email_normalized = tools.email_normalize(email or "")
        if not email_normalized:
            raise UserError(self.env._("Enter a valid email address."))
        if not choices:
            raise UserError(self.env._("Tick at least one of the choices."))
        targets = []
        for choice in choices:
            parts = choice.split("_")
            if len(parts) != 3:
                raise UserError(self.env._("This choice is not available."))
            targets.append(self._preference_target(parts[1], parts[2]))
        subject = self.sudo()._find_or_create(email=email_normalized, name=(name or "").strip())
        if subject.erased:
            raise UserError(self.env._("This choice is not available."))
        consents = self.env["crm.gdpr.consent"]
        for purpose, channel in targets:
            existing = subject.consent_ids.filtered(
                lambda c, p=purpose, ch=channel: c.purpose_id == p and c.channel_id == ch
            )
            if existing.state in ("given", "pending"):
                continue
            consents |= subject._set_consents(
                purpose,
                channel,
                "pending",
                "web_form",
                version_id=purpose.current_version_id.id,
                **evidence,
            )
        self.env["crm.gdpr.optin.token"]._issue(subject, consents, "web_form")
        return subject

    def _preference_token(self):
        self.ensure_one()
        salt = self.sudo().preference_salt or ""
        return tools.hmac(self.env(su=True), "crm_gdpr-preferences", (self.id, salt))

    def _check_preference_token(self, token):
        """True when `token` signs this person's preference link."""
        self.ensure_one()
        return (
            bool(token) and not self.sudo().erased and consteq(str(token), self._preference_token())
        )

    def _preference_footer(self):
        """HTML footer of marketing emails: the signed link to the preference page, in the
        person's language and direction."""
        self.ensure_one()
        lang = self._gdpr_lang()
        return (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "crm_gdpr.mailing_preference_footer",
                {
                    "url": self._preference_url(),
                    "text_dir": self.env["res.lang"]._get_data(code=lang).direction or "ltr",
                },
                minimal_qcontext=True,
            )
        )

    def _preference_url(self):
        self.ensure_one()
        return "%s/gdpr/preferences/%s/%s" % (
            self.get_base_url(),
            self.id,
            self._preference_token(),
        )
