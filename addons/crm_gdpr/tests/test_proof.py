import hashlib
import json
import os
from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from ..models import crm_gdpr_consent_decision
from ..models.crm_gdpr_receipt import HASHED_COLUMNS, legacy_receipt_hash
from ..models.crm_gdpr_receipt_chain import GENESIS_HASH, KEY_FILE, KEY_OPTION
from .common import GdprCase


def unkeyed_hash(row):
    """The hash an attacker can recompute: SHA-256 over the same columns, without the key."""
    payload = []
    for column in HASHED_COLUMNS:
        value = row.get(column)
        if hasattr(value, "strftime"):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        payload.append(None if value is False or value is None or value == "" else value)
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


@tagged("post_install", "-at_install")
class TestProofSurvives(GdprCase):
    """Proof of consent survives deletions, forgeries and truncation; a consent that disagrees
    with its receipts allows nothing."""

    def _sql(self, query, params=()):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    def _receipt_row(self, receipt):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT %s FROM crm_gdpr_receipt WHERE id = %%s" % ", ".join(HASHED_COLUMNS),
            (receipt.id,),
        )
        return dict(zip(HASHED_COLUMNS, self.env.cr.fetchone(), strict=True))

    def _check(self):
        check = self._verify()
        return check.state, set(check.problem_ids.mapped("kind"))

    # ------------------------------------------------------------------
    # Nothing a receipt refers to can be deleted
    # ------------------------------------------------------------------

    def test_what_a_receipt_refers_to_cannot_be_deleted(self):
        fax = self.env["crm.gdpr.channel"].create({"name": "Fax", "code": "fax"})
        self.purpose_news.channel_ids |= fax
        consent = self._give(self.partner_anna, self.purpose_news, fax)
        receipt = consent.receipt_ids
        version = receipt.purpose_version_id
        self.assertTrue(version)
        for record in (fax, version, self.purpose_news, consent, consent.subject_id):
            with self.subTest(model=record._name), self.assertRaises(UserError):
                record.sudo().unlink()
        # Below the ORM, the database refuses as well.
        for table, record_id in (
            ("crm_gdpr_channel", fax.id),
            ("crm_gdpr_purpose_version", version.id),
            ("crm_gdpr_purpose", self.purpose_news.id),
        ):
            with (
                self.subTest(table=table),
                self.assertRaises(psycopg2.errors.ForeignKeyViolation),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self._sql(f"DELETE FROM {table} WHERE id = %s", (record_id,))
        self.assertTrue(receipt.exists())
        self.assertEqual(self._verify().state, "ok")

    def test_channel_without_consents_can_be_deleted(self):
        fax = self.env["crm.gdpr.channel"].create({"name": "Fax", "code": "fax"})
        fax.unlink()
        self.assertFalse(fax.exists())

    # ------------------------------------------------------------------
    # The chain is keyed with a secret outside the database
    # ------------------------------------------------------------------

    def test_forged_receipt_with_recomputed_hash_and_moved_head_is_detected(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        self.assertEqual(self._verify().state, "ok")
        last = consent.receipt_ids.sorted("sequence")[-1]
        with (
            self.subTest("last receipt rewritten, hash recomputed, head moved"),
            self.env.cr.savepoint() as savepoint,
        ):
            row = dict(self._receipt_row(last), state_to="given", source="double_optin")
            forged = unkeyed_hash(row)
            self._sql(
                "UPDATE crm_gdpr_receipt SET state_to = 'given', source = 'double_optin', "
                "hash = %s WHERE id = %s",
                (forged, last.id),
            )
            self._sql("UPDATE crm_gdpr_receipt_chain SET last_hash = %s", (forged,))
            self._sql("UPDATE crm_gdpr_consent SET state = 'given' WHERE id = %s", (consent.id,))
            state, kinds = self._check()
            self.assertEqual(state, "broken")
            self.assertIn("altered", kinds)
            self.assertIn("head", kinds)
            savepoint.rollback()
        with (
            self.subTest("a receipt appended in SQL, chained, hash recomputed, head moved"),
            self.env.cr.savepoint() as savepoint,
        ):
            self.env.flush_all()
            self.env.cr.execute(
                "INSERT INTO crm_gdpr_receipt (sequence, date, subject_id, consent_id, "
                "purpose_id, purpose_version_id, channel_id, lang, text_hash, state_from, "
                "state_to, source, previous_hash, hash) SELECT %s, date, subject_id, "
                "consent_id, purpose_id, purpose_version_id, channel_id, lang, text_hash, "
                "'withdrawn', 'given', 'double_optin', %s, 'x' FROM crm_gdpr_receipt "
                "WHERE id = %s RETURNING id",
                (last.sequence + 1, last.hash, last.id),
            )
            forged_receipt = self.env["crm.gdpr.receipt"].browse(self.env.cr.fetchone()[0])
            # The unkeyed hash of exactly what was inserted, chained to the last receipt.
            forged = unkeyed_hash(self._receipt_row(forged_receipt))
            self._sql(
                "UPDATE crm_gdpr_receipt SET hash = %s WHERE id = %s", (forged, forged_receipt.id)
            )
            self._sql(
                "UPDATE crm_gdpr_receipt_chain SET last_sequence = %s, last_hash = %s",
                (last.sequence + 1, forged),
            )
            self._sql("UPDATE crm_gdpr_consent SET state = 'given' WHERE id = %s", (consent.id,))
            state, kinds = self._check()
            self.assertEqual(state, "broken")
            self.assertIn("altered", kinds)
            savepoint.rollback()
        self.env.invalidate_all()
        self.assertEqual(self._verify().state, "ok")

    def test_truncation_with_head_moved_back_is_detected(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        receipts = consent.receipt_ids.sorted("sequence")
        before, last = receipts[-2], receipts[-1]
        self.assertEqual(self._verify().state, "ok")
        with self.env.cr.savepoint() as savepoint:
            self._sql("DELETE FROM crm_gdpr_receipt WHERE id = %s", (last.id,))
            self._sql(
                "UPDATE crm_gdpr_receipt_chain SET last_sequence = %s, last_hash = %s",
                (before.sequence, before.hash),
            )
            state, kinds = self._check()
            self.assertEqual(state, "broken")
            self.assertIn("head", kinds)
            # The consent says withdrawn, its last receipt now says given.
            self.assertIn("consent", kinds)
            savepoint.rollback()
        self.env.invalidate_all()
        self.assertEqual(self._verify().state, "ok")

    def test_the_key_is_outside_the_database(self):
        self._give(self.partner_anna, self.purpose_news, self.channel_email)
        self.assertEqual(self._verify().state, "ok")
        if not config.get(KEY_OPTION):
            path = os.path.join(config.filestore(self.env.cr.dbname), KEY_FILE)
            self.assertTrue(os.path.exists(path))
            with open(path) as f:
                key = f.read().strip()
            self.env.cr.execute(
                "SELECT count(*) FROM ir_config_parameter WHERE value LIKE %s", (f"%{key}%",)
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0)
        # Another key (an attacker's guess, or a server configured differently) breaks every
        # receipt: the hashes depend on the key.
        with patch.dict(config.options, {KEY_OPTION: "another-key-" + "x" * 40}):
            state, kinds = self._check()
        self.assertEqual(state, "broken")
        self.assertIn("altered", kinds)

    def _make_legacy_chain(self):
        """Rewrite the chain as version 1.0 wrote it: unkeyed hashes, no seal on the head."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT %s, id FROM crm_gdpr_receipt ORDER BY sequence" % ", ".join(HASHED_COLUMNS)
        )
        previous = GENESIS_HASH
        for values in self.env.cr.fetchall():
            row = dict(zip((*HASHED_COLUMNS, "id"), values, strict=True))
            row["previous_hash"] = previous
            previous = legacy_receipt_hash(row)
            self._sql(
                "UPDATE crm_gdpr_receipt SET previous_hash = %s, hash = %s WHERE id = %s",
                (row["previous_hash"], previous, row["id"]),
            )
        self._sql("UPDATE crm_gdpr_receipt_chain SET last_hash = %s, seal = NULL", (previous,))

    def test_chain_written_before_the_key_is_keyed_at_update(self):
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        self._make_legacy_chain()
        self.assertEqual(self._verify().state, "broken")
        Receipt = self.env["crm.gdpr.receipt"]
        self.assertTrue(Receipt._key_legacy_chain())
        self.assertEqual(self._verify().state, "ok")
        self.assertFalse(Receipt._key_legacy_chain(), "keyed once")
        # A legacy chain tampered with is not keyed: the verification keeps reporting it.
        self._make_legacy_chain()
        self._sql(
            "UPDATE crm_gdpr_receipt SET source = 'import' WHERE id = %s",
            (consent.receipt_ids[:1].id,),
        )
        with mute_logger("odoo.addons.crm_gdpr.models.crm_gdpr_receipt"):
            self.assertFalse(Receipt._key_legacy_chain())
        self.assertEqual(self._verify().state, "broken")

    # ------------------------------------------------------------------
    # A consent flipped in SQL allows nothing and is reported
    # ------------------------------------------------------------------

    def test_consent_flipped_in_sql_is_not_processed_nor_reported_intact(self):
        Consent = self.env["crm.gdpr.consent"]
        consent = self._give(self.partner_anna, self.purpose_news, self.channel_email)
        consent.action_withdraw()
        other = self._give(self.partner_ben, self.purpose_news, self.channel_email)
        self._sql("UPDATE crm_gdpr_consent SET state = 'given' WHERE id = %s", (consent.id,))
        self.assertEqual(consent.state, "given")
        partners = self.partner_anna | self.partner_ben
        for purpose in (self.purpose_news, None):
            with self.subTest(purpose=purpose and purpose.name):
                self.assertEqual(Consent._gdpr_filter_allowed(partners, purpose), self.partner_ben)
                self.assertEqual(
                    Consent._gdpr_filter_allowed([self.partner_anna.email], purpose), []
                )
        self.assertEqual(
            Consent._gdpr_denials(self.partner_anna, self.purpose_news),
            {self.partner_anna.id: "tampered"},
        )
        # The joins of big batches decide the same way.
        with patch.object(crm_gdpr_consent_decision, "HASH_JOIN_FROM", 1):
            self.assertEqual(
                Consent._gdpr_denials(partners, self.purpose_news),
                {self.partner_anna.id: "tampered"},
            )
            self.assertEqual(Consent._gdpr_filter_allowed(partners, None), self.partner_ben)
        self.assertEqual(self.partner_anna._gdpr_allowed(self.purpose_news), self.partner_anna[:0])
        check = self._verify()
        self.assertEqual(check.state, "broken")
        self.assertEqual(check.problem_ids.mapped("kind"), ["consent"])
        self.assertTrue(other.exists())

    def test_consent_inserted_in_sql_without_receipt_allows_nothing(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(partner=self.partner_ben)
        self._sql(
            "INSERT INTO crm_gdpr_consent (subject_id, purpose_id, channel_id, state, "
            "subject_email_normalized, subject_allows_processing, company_id) "
            "VALUES (%s, %s, %s, 'given', %s, true, NULL)",
            (subject.id, self.purpose_news.id, self.channel_email.id, subject.email_normalized),
        )
        self.assertEqual(
            self.env["crm.gdpr.consent"]._gdpr_denials(self.partner_ben, self.purpose_news),
            {self.partner_ben.id: "tampered"},
        )
        self.assertEqual(self._check(), ("broken", {"consent"}))

    # ------------------------------------------------------------------
    # Evidence is written by the code that witnessed it, never from a user's context
    # ------------------------------------------------------------------

    def test_context_keys_do_not_make_evidence(self):
        subject = self.env["crm.gdpr.subject"]._find_or_create(partner=self.partner_anna)
        forged = {
            "crm_gdpr_source": "double_optin",
            "crm_gdpr_evidence": {"ip_address": "203.0.113.66", "user_agent": "Forged/1.0"},
            "crm_gdpr_witness": {"source": "double_optin", "evidence": {"ip_address": "1.2.3.4"}},
        }
        Consent = self.env["crm.gdpr.consent"].with_user(self.user_sales).with_context(**forged)
        consent = Consent.create(
            {
                "subject_id": subject.id,
                "purpose_id": self.purpose_news.id,
                "channel_id": self.channel_email.id,
                "state": "given",
            }
        )
        consent.action_withdraw()
        consent.write({"state": "given"})
        receipts = consent.sudo().receipt_ids
        self.assertEqual(len(receipts), 3)
        self.assertEqual(set(receipts.mapped("source")), {"backend"})
        self.assertFalse(any(receipts.mapped("ip_address")))
        self.assertFalse(any(receipts.mapped("user_agent")))
        self.assertEqual(receipts.user_id, self.user_sales)
