import itertools

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import GdprCase


@tagged("post_install", "-at_install")
class TestConsentReceipts(GdprCase):
    def test_phone_call_recorded_by_a_user_writes_a_receipt(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Warehouse shelving",
                "email_from": "mila.novak@example.si",
                "contact_name": "Mila Novak",
                "user_id": self.user_sales.id,
            }
        )
        wizard = Form(
            self.env["crm.gdpr.consent.record"]
            .with_user(self.user_sales)
            .with_context(active_model="crm.lead", active_id=lead.id)
        )
        wizard.purpose_id = self.purpose_news
        wizard.channel_ids.add(self.channel_email)
        wizard.source = "phone"
        wizard.note = "Agreed on the phone to get the newsletter."
        wizard.save().action_record()

        consent = lead.gdpr_consent_ids
        self.assertEqual(consent.state, "given")
        self.assertEqual(consent.subject_id.email_normalized, "mila.novak@example.si")
        receipt = consent.receipt_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual(receipt.source, "phone")
        self.assertEqual(receipt.user_id, self.user_sales)
        self.assertEqual((receipt.state_from, receipt.state_to), (False, "given"))
        self.assertEqual(receipt.note, "Agreed on the phone to get the newsletter.")
        self.assertEqual(receipt.origin, f"crm.lead,{lead.id}")
        self.assertEqual(receipt.text_hash, self.purpose_news.current_version_id._text_hash())
        self.assertEqual(consent.date_expiry.year - consent.date_given.year, 2)
        # The note is stored encrypted, never in clear.
        self.env.cr.execute("SELECT note_enc FROM crm_gdpr_receipt WHERE id = %s", (receipt.id,))
        self.assertNotIn("newsletter", self.env.cr.fetchone()[0])

    def test_phone_consent_needs_what_was_said(self):
        wizard = self.env["crm.gdpr.consent.record"].create(
            {
                "partner_id": self.partner_anna.id,
                "purpose_id": self.purpose_news.id,
                "channel_ids": [(6, 0, self.channel_email.ids)],
                "source": "phone",
            }
        )
        with self.assertRaises(UserError):
            wizard.action_record()
        self.assertFalse(self.partner_anna.gdpr_consent_ids)

    def test_every_change_of_consent_writes_a_receipt(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        # A plain write of the state goes through receipts as well.
        consent.with_user(self.user_sales).write({"state": "given"})
        consent._change_state("given", source="email")  # renewal
        receipts = consent.receipt_ids.sorted("sequence")
        self.assertEqual(
            [(r.state_from, r.state_to, r.source) for r in receipts],
            [
                (False, "given", "phone"),
                ("given", "withdrawn", "backend"),
                ("withdrawn", "given", "backend"),
                ("given", "given", "email"),
            ],
        )
        self.assertEqual(receipts[2].user_id, self.user_sales)
        # Each receipt is chained to the one before it.
        for before, after in itertools.pairwise(receipts):
            self.assertEqual(after.sequence, before.sequence + 1)
            self.assertEqual(after.previous_hash, before.hash)
        self.assertEqual(self._verify().state, "ok")

    def test_consent_fields_only_change_with_a_receipt(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        expiry = consent.date_expiry
        for values in (
            {"date_expiry": "2099-01-01 00:00:00"},
            {"state": "given", "needs_renewal": True},
            {"purpose_id": self.purpose_service.id},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                # a context key sent over RPC does not open the internal door
                consent.with_user(self.user_dpo).with_context(_crm_gdpr_state_write=True).write(
                    values
                )
        self.assertEqual(consent.date_expiry, expiry)
        self.assertEqual(len(consent.receipt_ids), 1)

    def test_restriction_flags_are_set_by_requests_only(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(partner=self.partner_anna)
        for flag in ("processing_restricted", "objected", "erased"):
            with self.subTest(flag=flag), self.assertRaises(AccessError):
                subject.with_user(self.user_sales).write({flag: True})
        subject.with_user(self.user_sales).write({"name": "Anna K."})
        self.assertEqual(subject.name, "Anna K.")

    def test_withdrawing_twice_writes_one_receipt(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        consent.action_withdraw()
        self.assertEqual(len(consent.receipt_ids), 2)

    def test_web_consent_cannot_be_given_without_confirmation(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(partner=self.partner_anna)
        with self.assertRaises(ValidationError):
            subject._set_consents(self.purpose_news, self.channel_email, "given", source="web_form")
        consent = subject._set_consents(
            self.purpose_news, self.channel_email, "pending", source="web_form"
        )
        with self.assertRaises(ValidationError):
            consent._change_state("given", source="portal")
        with self.assertRaises(ValidationError):
            consent._change_state("expired", source="backend")
        self.assertEqual(consent.state, "pending")

    def test_channel_must_belong_to_purpose(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(partner=self.partner_anna)
        with self.assertRaises(ValidationError):
            subject._set_consents(self.purpose_news, self.channel_sharing, "given", "phone")

    def test_receipts_cannot_be_changed_or_deleted_through_the_orm(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        receipt = consent.receipt_ids
        for env_user in (self.user_dpo, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                receipt.with_user(env_user).sudo().write({"source": "import"})
            with self.assertRaises(UserError):
                receipt.with_user(env_user).sudo().unlink()
        with self.assertRaises(UserError):
            receipt.sudo().copy()
        with self.assertRaises(UserError):
            self.env["crm.gdpr.receipt"].sudo().create(
                {
                    "sequence": 999999,
                    "date": "2024-01-01 00:00:00",
                    "subject_id": consent.subject_id.id,
                    "consent_id": consent.id,
                    "purpose_id": self.purpose_news.id,
                    "channel_id": self.channel_email.id,
                    "state_to": "given",
                    "source": "phone",
                }
            )
        with self.assertRaises(UserError):
            self.env["crm.gdpr.receipt"].sudo().with_context(crm_gdpr_receipt_append=True).create(
                {"sequence": 999999}
            )
        # Consents and people with proof cannot be deleted either.
        with self.assertRaises(UserError):
            consent.sudo().unlink()
        with self.assertRaises(UserError):
            consent.subject_id.sudo().unlink()
        with self.assertRaises(UserError):
            self.purpose_news.sudo().unlink()
        self.assertEqual(receipt.source, "phone")

    def _tamper(self, query, params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    def _check_tampered(self, query, params):
        """Tamper in SQL, verify, then undo the tampering; returns the verification."""
        with self.env.cr.savepoint() as savepoint:
            self._tamper(query, params)
            check = self._verify()
            values = {
                "state": check.state,
                "first": check.first_broken_sequence,
                "kinds": check.problem_ids.mapped("kind"),
            }
            savepoint.rollback()
        self.env.invalidate_all()
        return values

    def test_sql_tampering_is_detected(self):
        self.assertEqual(self._verify().state, "ok")
        consents = self._give(
            self.partner_anna, self.purpose_news, self.channel_email | self.channel_phone
        )
        consents[0].action_withdraw()
        receipts = consents.receipt_ids.sorted("sequence")
        self.assertEqual(self._verify().state, "ok")
        target = receipts[1]

        with self.subTest("a changed column"):
            check = self._check_tampered(
                "UPDATE crm_gdpr_receipt SET state_to = 'withdrawn' WHERE id = %s", (target.id,)
            )
            self.assertEqual(check["state"], "broken")
            self.assertEqual(check["first"], target.sequence)
            # The consent no longer agrees with its last receipt either.
            self.assertEqual(check["kinds"], ["altered", "consent"])

        with self.subTest("a changed column with its hash recomputed"):
            check = self._check_tampered(
                "UPDATE crm_gdpr_receipt SET source = 'import', hash = md5(hash) || md5(hash)"
                " WHERE id = %s",
                (target.id,),
            )
            self.assertEqual(check["state"], "broken")
            self.assertEqual(check["first"], target.sequence)
            self.assertIn("link", check["kinds"])

        with self.subTest("a deleted receipt"):
            check = self._check_tampered(
                "DELETE FROM crm_gdpr_receipt WHERE id = %s", (receipts[0].id,)
            )
            self.assertEqual(check["state"], "broken")
            self.assertIn("missing", check["kinds"])

        with self.subTest("the last receipt deleted"):
            check = self._check_tampered(
                "DELETE FROM crm_gdpr_receipt WHERE id = %s", (receipts[-1].id,)
            )
            self.assertEqual(check["state"], "broken")
            self.assertEqual(check["kinds"], ["head", "consent"])

        with self.subTest("a date moved back"):
            check = self._check_tampered(
                "UPDATE crm_gdpr_receipt SET date = date - interval '1 day' WHERE id = %s",
                (receipts[-1].id,),
            )
            self.assertEqual(check["state"], "broken")

        self.assertEqual(self._verify().state, "ok")

    def test_verification_action_from_the_receipt_list(self):
        action = self.env["crm.gdpr.receipt"].with_user(self.user_dpo).action_verify_chain()
        check = self.env["crm.gdpr.receipt.check"].browse(action["res_id"])
        self.assertEqual(check.state, "ok")
        self.assertEqual(check.head_sequence, check.receipt_count)

    def test_purpose_text_is_versioned_and_receipts_keep_the_text_shown(self):
        version_1 = self.purpose_news.current_version_id
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        self.purpose_news.description = "We send you our product news twice a month."
        version_2 = self.purpose_news.current_version_id
        self.assertEqual((version_1.version, version_2.version), (1, 2))
        self.assertNotEqual(version_1._text_hash(), version_2._text_hash())
        self.assertEqual(consent.purpose_version_id, version_1)
        self.assertEqual(consent.receipt_ids.text_hash, version_1._text_hash())
        # Same text again: no new version.
        self.purpose_news.write({"description": "We send you our product news twice a month."})
        self.assertEqual(self.purpose_news.current_version_id, version_2)
        with self.assertRaises(UserError):
            version_1.sudo().write({"text": "rewritten history"})

    def test_text_hash_is_taken_in_the_language_shown(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.purpose_news.with_context(
            lang="fr_FR"
        ).description = "Nous vous envoyons nos nouveautés une fois par mois."
        version = self.purpose_news.current_version_id
        consent = self._give(
            self.partner_anna,
            self.purpose_news,
            self.channel_email,
            lang="fr_FR",
            version_id=version.id,
        )
        receipt = consent.receipt_ids
        self.assertEqual(receipt.lang, "fr_FR")
        self.assertEqual(receipt.text_hash, version._text_hash("fr_FR"))
        self.assertNotEqual(receipt.text_hash, version._text_hash("en_US"))

    @freeze_time("2024-01-31 10:00:00")
    def test_expiry_job_flags_people_to_ask_again(self):
        consent = self._give(self.partner_anna, self.purpose_sharing, self.channel_sharing)
        never = self._give(self.partner_ben, self.purpose_service, self.channel_email)
        self.assertEqual(str(consent.date_expiry), "2025-01-31 10:00:00")
        self.assertFalse(never.date_expiry)
        Consent = self.env["crm.gdpr.consent"]
        with freeze_time("2025-01-31 09:59:59"):
            Consent._cron_expire_consents()
            self.assertEqual(consent.state, "given")
        with freeze_time("2025-01-31 10:00:00"):
            Consent._cron_expire_consents()
        self.assertEqual(consent.state, "expired")
        self.assertTrue(consent.needs_renewal)
        self.assertTrue(consent.subject_id.needs_renewal)
        self.assertEqual(consent.receipt_ids.sorted("sequence")[-1].source, "expiry")
        self.assertIn(
            consent.subject_id,
            self.env["crm.gdpr.subject"].search([("needs_renewal", "=", True)]),
        )
        # Running again changes nothing; asking again and getting a yes clears the flag.
        with freeze_time("2025-02-01 10:00:00"):
            Consent._cron_expire_consents()
            self.assertEqual(len(consent.receipt_ids), 2)
            consent._change_state("given", source="email")
        self.assertFalse(consent.needs_renewal)
        self.assertEqual(str(consent.date_expiry), "2026-02-01 10:00:00")
        self.assertEqual(never.state, "given")

    def test_salesman_cannot_manage_purposes(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.purpose_news.with_user(self.user_sales).write({"validity_months": 1})
