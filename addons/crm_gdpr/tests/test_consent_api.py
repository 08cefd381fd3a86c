from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestConsentApi(GdprCase):
    """The batched question other features and addons ask: may this person's data be processed
    for this purpose on this channel?"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.people = {
            state: Partner.create({"name": f"Person {state}", "email": f"{state}@example.com"})
            for state in ("given", "pending", "withdrawn", "none")
        }
        for state in ("given", "pending", "withdrawn"):
            cls._give(
                cls.people[state], cls.purpose_news, cls.channel_email, state=state, source="email"
            )
        cls.Consent = cls.env["crm.gdpr.consent"]

    def test_each_state_decides(self):
        partners = Partner = self.env["res.partner"]
        for partner in self.people.values():
            partners |= partner
        denials = self.Consent._gdpr_denials(partners, self.purpose_news, "email")
        self.assertEqual(
            denials,
            {
                self.people["pending"].id: "pending",
                self.people["withdrawn"].id: "withdrawn",
                self.people["none"].id: "no_consent",
            },
        )
        allowed = self.Consent._gdpr_filter_allowed(partners, self.purpose_news, "email")
        self.assertEqual(allowed, self.people["given"])
        # Consent to email says nothing about the phone.
        self.assertEqual(
            self.Consent._gdpr_filter_allowed(partners, self.purpose_news, self.channel_phone),
            Partner,
        )

    def test_leads_are_matched_by_email_then_by_contact(self):
        Lead = self.env["crm.lead"]
        by_email = Lead.create({"name": "By email", "email_from": "GIVEN@example.com"})
        by_partner = Lead.create(
            {"name": "By contact", "partner_id": self.people["given"].id, "email_from": False}
        )
        other_email = Lead.create(
            {
                "name": "Other address",
                "partner_id": self.people["given"].id,
                "email_from": "someone.else@example.com",
            }
        )
        stranger = Lead.create({"name": "Stranger", "email_from": "nobody@example.com"})
        leads = by_email | by_partner | other_email | stranger
        self.assertEqual(
            self.Consent._gdpr_filter_allowed(leads, self.purpose_news, "email"),
            by_email | by_partner | other_email,
        )

    def test_email_lists(self):
        emails = ["Given <given@example.com>", "pending@example.com", "unknown@example.com"]
        self.assertEqual(
            self.Consent._gdpr_denials(emails, self.purpose_news, "email"),
            {"pending@example.com": "pending", "unknown@example.com": "no_consent"},
        )
        self.assertEqual(
            self.Consent._gdpr_filter_allowed(emails, self.purpose_news, "email"),
            ["Given <given@example.com>"],
        )
        self.assertEqual(self.Consent._gdpr_denials([], self.purpose_news, "email"), {})

    def test_expired_by_date_before_the_job_runs(self):
        with freeze_time("2024-03-01 08:00:00"):
            consent = self._give(self.partner_anna, self.purpose_sharing, self.channel_sharing)
        with freeze_time("2025-02-28 08:00:00"):
            self.assertFalse(
                self.Consent._gdpr_denials(
                    self.partner_anna, self.purpose_sharing, "partner_sharing"
                )
            )
        with freeze_time("2025-03-01 08:00:00"):
            self.assertEqual(
                self.Consent._gdpr_denials(
                    self.partner_anna, self.purpose_sharing, "partner_sharing"
                ),
                {self.partner_anna.id: "expired"},
            )
        self.assertEqual(consent.state, "given")

    def test_restriction_objection_and_erasure_deny(self):
        given = self.people["given"]
        subject = given.gdpr_subject_id
        for flag, reason in (
            ("processing_restricted", "restricted"),
            ("objected", "objected"),
            ("erased", "erased"),
        ):
            with self.subTest(flag=flag), self.env.cr.savepoint() as savepoint:
                subject.sudo().write({flag: True})
                self.assertEqual(
                    self.Consent._gdpr_denials(given, self.purpose_news, "email"),
                    {given.id: reason},
                )
                savepoint.rollback()
        self.assertFalse(self.Consent._gdpr_denials(given, self.purpose_news, "email"))

    def test_legitimate_interest_needs_no_consent_but_honours_objection(self):
        none, given = self.people["none"], self.people["given"]
        self.assertFalse(self.Consent._gdpr_denials(none | given, self.purpose_service, "email"))
        self._give(
            none, self.purpose_service, self.channel_email, state="withdrawn", source="email"
        )
        given.gdpr_subject_id.sudo().objected = True
        self.assertEqual(
            self.Consent._gdpr_denials(none | given, self.purpose_service, "email"),
            {none.id: "objected", given.id: "objected"},
        )
        # Restriction stops even contract-based processing.
        purpose_contract = self.purpose_service.copy({"lawful_basis": "contract"})
        self.assertEqual(self.Consent._gdpr_denials(given, purpose_contract, "email"), {})
        given.gdpr_subject_id.sudo().processing_restricted = True
        self.assertEqual(
            self.Consent._gdpr_denials(given, purpose_contract, "email"),
            {given.id: "restricted"},
        )

    def test_any_purpose_on_a_channel(self):
        partners = self.people["given"] | self.people["none"]
        self.assertEqual(
            self.Consent._gdpr_filter_allowed(partners, None, "email"), self.people["given"]
        )
        self.assertFalse(self.Consent._gdpr_filter_allowed(partners, None, "partner_sharing"))
        self._give(self.people["none"], self.purpose_sharing, self.channel_sharing)
        self.assertEqual(
            self.Consent._gdpr_filter_allowed(partners, None, "partner_sharing"),
            self.people["none"],
        )

    def test_unknown_channel_and_models_without_people(self):
        with self.assertRaises(UserError):
            self.Consent._gdpr_denials(self.partner_anna, self.purpose_news, "carrier_pigeon")
        with self.assertRaises(UserError):
            self.Consent._gdpr_denials(self.env.ref("base.EUR"), self.purpose_news, "email")

    def test_big_batches_decide_like_small_ones(self):
        """Past HASH_JOIN_FROM targets the decision joins whole tables instead of probing:
        same answers either way."""
        Partner = self.env["res.partner"]
        partners = Partner.create(
            [{"name": f"Batch {i}", "email": f"batch{i}@example.net"} for i in range(2100)]
        )
        states = ("given", "pending", "withdrawn", None)
        subjects = self.env["crm.gdpr.subject"].create(
            [{"name": p.name, "email": p.email, "partner_id": p.id} for p in partners[:1200]]
        )
        self.env["crm.gdpr.consent"].with_context(import_file=True).create(
            [
                {
                    "subject_id": subject.id,
                    "purpose_id": self.purpose_news.id,
                    "channel_id": self.channel_email.id,
                    "state": states[i % 4],
                }
                for i, subject in enumerate(subjects)
                if states[i % 4]
            ]
        )
        subjects[:10].sudo().write({"objected": True})
        for purpose in (self.purpose_news, self.purpose_service, None):
            with self.subTest(purpose=purpose and purpose.name):
                big = self.Consent._gdpr_denials(partners, purpose, "email")
                small = {}
                for start in range(0, len(partners), 700):
                    small.update(
                        self.Consent._gdpr_denials(partners[start : start + 700], purpose, "email")
                    )
                self.assertEqual(big, small)
        denials = self.Consent._gdpr_denials(partners, self.purpose_news, "email")
        self.assertEqual(len(denials), 2100 - 300 + 3)  # 300 given, 3 of them objected
        self.assertNotIn(partners[12].id, denials)
        self.assertEqual(denials[partners[13].id], "pending")
        self.assertEqual(denials[partners[14].id], "withdrawn")
        self.assertEqual(denials[partners[15].id], "no_consent")
        self.assertEqual(denials[partners[2000].id], "no_consent")
        self.assertEqual(denials[partners[0].id], "objected")

    def test_the_address_shortcut_of_big_batches_agrees_with_the_full_decision(self):
        """A mailing first looks for consents by address (copies of the person's address and
        restrictions kept on the consent); those copies follow every change of the person."""
        Partner = self.env["res.partner"]
        keys = ("clean", "moved", "restricted", "objected", "expired", "erased", "pending")
        people = {
            key: Partner.create({"name": key, "email": f"{key}@short.example"}) for key in keys
        }
        with freeze_time("2020-01-01"):
            self._give(people["expired"], self.purpose_news, self.channel_email)
        for key in ("clean", "moved", "restricted", "objected", "erased"):
            self._give(people[key], self.purpose_news, self.channel_email)
        self._give(people["pending"], self.purpose_news, self.channel_email, state="pending")
        Subject = self.env["crm.gdpr.subject"].sudo()
        subjects = {key: Subject._find_or_create(partner=people[key]) for key in keys}
        subjects["moved"].write({"email": "new.address@short.example"})
        subjects["restricted"].write({"processing_restricted": True})
        subjects["objected"].write({"objected": True})
        subjects["erased"].write({"erased": True})
        moved_lead = self.env["crm.lead"].create(
            {"name": "Moved", "email_from": "new.address@short.example"}
        )
        old_address = Partner.create({"name": "Old", "email": "moved@short.example"})
        targets = Partner.browse([people[key].id for key in keys]) | old_address

        def undecided(records):
            return self.Consent._gdpr_undecided_by_email(
                records, self.purpose_news, self.channel_email
            )

        # The contact "moved" kept the old address: the shortcut leaves it to the full decision,
        # which finds the person by contact.
        self.assertEqual(undecided(targets), targets - people["clean"])
        self.assertFalse(undecided(moved_lead))
        denials = self.Consent._gdpr_denials(targets, self.purpose_news, "email")
        self.assertEqual(set(denials), set((targets - people["clean"] - people["moved"]).ids))
        self.assertEqual(denials[old_address.id], "no_consent")
        self.assertEqual(denials[people["expired"].id], "expired")
        self.assertEqual(denials[people["restricted"].id], "restricted")

    def test_query_count_does_not_grow_with_the_number_of_people(self):
        Partner = self.env["res.partner"]
        small = Partner.create([{"name": f"P{i}", "email": f"p{i}@example.org"} for i in range(3)])
        big = Partner.create([{"name": f"Q{i}", "email": f"q{i}@example.org"} for i in range(300)])
        self.env.flush_all()
        self.env.invalidate_all()
        # the channel, the purpose, the consents found by address, the full decision for the rest
        with self.assertQueryCount(4):
            self.Consent._gdpr_denials(small, self.purpose_news, "email")
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            denials = self.Consent._gdpr_denials(big, self.purpose_news, "email")
        self.assertEqual(len(denials), 300)
