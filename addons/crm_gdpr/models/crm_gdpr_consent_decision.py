from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Why processing is refused, in the order they are decided (see _gdpr_reason_label).
DENIAL_REASONS = (
    "erased",
    "restricted",
    "objected",
    "no_consent",
    "pending",
    "withdrawn",
    "expired",
    "tampered",
)

# Lawful bases under which the person's objection (Art. 21) stops processing.
OBJECTABLE_BASES = {"consent", "legitimate_interests", "public_task"}

# From this many targets, the consent decision is one join the planner shapes from the tables'
# statistics (hash joins for a mailing) instead of one index probe per target.
HASH_JOIN_FROM = 2000


class CrmGdprConsent(models.Model):
    """The question every other feature asks: may we process this person's data? The
    decision for many targets at once, and why not."""

    _inherit = "crm.gdpr.consent"

    @api.model
    def _gdpr_denials(self, targets, purpose=None, channel="email"):
        """Why the personal data of each target may NOT be processed for `purpose` on `channel`.

        :param targets: records of any model holding people (crm.lead, res.partner,
            mailing.contact, ... matched on their normalized email and their contact), or a list
            of email addresses.
        :param purpose: a crm.gdpr.purpose record, or None for "any purpose using the channel"
            (then only a valid consent on that channel allows processing).
        :param channel: a crm.gdpr.channel record or its code.
        :return: {record id or email: reason code}, reason codes being the keys of
            DENIAL_REASONS; targets missing from the dict may be processed.

        Costs one or two queries whatever the number of targets. Pending, withdrawn and expired
        consents, restriction (Art. 18), objection (Art. 21) and erasure all deny. Under a lawful
        basis other than consent, a missing or pending consent does not deny, a withdrawn one
        counts as an objection.
        """
        if not targets:
            return {}
        channel_record = self.env["crm.gdpr.channel"].sudo()._get_by_code(channel)
        if not channel_record:
            raise UserError(self.env._("Unknown consent channel: %s", channel))
        channel = channel_record
        purpose = purpose.sudo() if purpose else None
        self.env["crm.gdpr.subject"].flush_model()
        self.env["crm.gdpr.consent"].flush_model()
        self.env["crm.gdpr.receipt"].flush_model(["consent_id", "sequence", "state_to"])
        self.env["crm.gdpr.purpose"].flush_model(["active", "lawful_basis"])
        consent_filter = SQL("c.channel_id = %s", channel.id)
        if purpose:
            consent_filter = SQL("%s AND c.purpose_id = %s", consent_filter, purpose.id)
        else:
            consent_filter = SQL(
                "%s AND c.purpose_id IN (SELECT id FROM crm_gdpr_purpose WHERE active)",
                consent_filter,
            )
        basis = purpose.lawful_basis if purpose else "consent"
        if purpose and basis == "consent" and not isinstance(targets, list):
            targets = self._gdpr_undecided_by_email(targets, purpose, channel)
            if not targets:
                return {}
        reasons = self._gdpr_reason_sql(basis)
        if isinstance(targets, list) or len(targets) < HASH_JOIN_FROM:
            query = self._gdpr_probe_query(targets, reasons, consent_filter)
        else:
            query = self._gdpr_hash_query(targets, reasons, consent_filter)
        if purpose:
            query = SQL("SELECT key, reason FROM (%s) q WHERE reason IS NOT NULL", query)
        else:
            # Several consents (any purpose): one valid consent is enough.
            query = SQL(
                "SELECT key, min(reason) FROM (%s) q GROUP BY key "
                "HAVING bool_and(reason IS NOT NULL)",
                query,
            )
        return dict(self.env.execute_query(query))

    @api.model
    def _gdpr_reason_sql(self, basis):
        """SQL giving the denial reason (NULL: allowed) from subject `s` and consent `c`. The
        same rules as documented in _gdpr_denials."""
        cases = [
            SQL("WHEN s.erased THEN 'erased'"),
            SQL("WHEN s.processing_restricted THEN 'restricted'"),
        ]
        if basis in OBJECTABLE_BASES:
            cases.append(SQL("WHEN s.objected THEN 'objected'"))
        if basis == "consent":
            cases += [
                # The state must be the one its last receipt moved it to: a consent flipped to
                # "given" in SQL, without its receipt, allows nothing.
                SQL(
                    "WHEN c.state = 'given' AND (SELECT r.state_to FROM crm_gdpr_receipt r "
                    "WHERE r.consent_id = c.id ORDER BY r.sequence DESC LIMIT 1) "
                    "IS DISTINCT FROM 'given' THEN 'tampered'"
                ),
                SQL(
                    "WHEN c.state = 'given' AND (c.date_expiry IS NULL OR c.date_expiry > %s) "
                    "THEN NULL",
                    fields.Datetime.now(),
                ),
                SQL("WHEN c.state = 'given' THEN 'expired'"),
                SQL("WHEN c.state IS NULL THEN 'no_consent'"),
            ]
            default = SQL("c.state")
        else:
            cases.append(SQL("WHEN c.state = 'withdrawn' THEN 'objected'"))
            default = SQL("NULL")
        return SQL("(CASE %s ELSE %s END)", SQL(" ").join(cases), default)

    @api.model
    def _gdpr_filter_allowed(self, targets, purpose=None, channel="email"):
        """The subset of `targets` (records or emails) whose personal data may be processed for
        `purpose` on `channel`. See _gdpr_denials for the rules."""
        denied = self._gdpr_denials(targets, purpose=purpose, channel=channel)
        if isinstance(targets, list):
            return [email for email in targets if email not in denied]
        return targets.filtered(lambda record: record.id not in denied)

    @api.model
    def _gdpr_reason_label(self, reason):
        labels = {
            "erased": self.env._("The person's data was erased."),
            "restricted": self.env._("Processing is restricted at the person's request."),
            "objected": self.env._("The person objected to the processing."),
            "no_consent": self.env._("No consent was given."),
            "pending": self.env._("The consent awaits the person's confirmation."),
            "withdrawn": self.env._("The consent was withdrawn."),
            "expired": self.env._("The consent expired."),
            "tampered": self.env._(
                "The consent disagrees with its receipts: it was changed outside Odoo."
            ),
        }
        return labels.get(reason, reason)
