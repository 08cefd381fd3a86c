from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CpqCommon

EXPIRED = "crm_b2b_cpq.mail_activity_type_cpq_expired"


@tagged("post_install", "-at_install")
class TestExpiry(CpqCommon):
    def _expiry_activities(self, orders):
        return orders.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(EXPIRED)
        )

    def _run_cron(self, **kwargs):
        self.env["sale.order"]._cron_cpq_mark_expired(**kwargs)

    def test_cron_marks_past_validity_and_notifies(self):
        with freeze_time("2025-01-15 09:00:00"):
            sent = self._quote([(self.licence, 5)], validity_date=date(2025, 1, 31))
            sent.action_quotation_sent()
            confirmed = self._quote([(self.licence, 5)], validity_date=date(2025, 3, 1))
            confirmed.action_confirm()
        with freeze_time("2025-03-10 09:00:00"):
            past = self._quote([(self.licence, 5)], validity_date=date(2025, 3, 9))
            today = self._quote([(self.licence, 5)], validity_date=date(2025, 3, 10))
            self._run_cron()

        self.assertTrue(past.cpq_expired)
        self.assertEqual(past.cpq_expired_on, date(2025, 3, 10))
        self.assertEqual(past.cpq_status, "expired")
        self.assertTrue(sent.cpq_expired)
        self.assertEqual(sent.state, "sent")  # still the current version of its deal
        self.assertFalse(today.cpq_expired)
        self.assertFalse(confirmed.cpq_expired)
        activities = self._expiry_activities(past | sent)
        self.assertEqual(len(activities), 2)
        self.assertEqual(activities.user_id, self.salesman)
        self.assertTrue(past.message_ids.filtered(lambda m: "expired on" in (m.body or "")))

        # Idempotent: a second run notifies nobody again.
        with freeze_time("2025-03-11 09:00:00"):
            self._run_cron()
        self.assertEqual(len(self._expiry_activities(past | sent)), 2)

    @freeze_time("2025-03-10 09:00:00")
    def test_cron_takes_bounded_batches(self):
        quotes = self.env["sale.order"]
        for _i in range(3):
            quotes |= self._quote([(self.licence, 5)], validity_date=date(2025, 3, 1))
        self._run_cron(batch_size=2)
        self.assertEqual(len(quotes.filtered("cpq_expired")), 2)
        self._run_cron(batch_size=2)
        self.assertEqual(len(quotes.filtered("cpq_expired")), 3)

    @freeze_time("2025-03-10 09:00:00")
    def test_expired_quote_cannot_be_signed_paid_sent_or_confirmed(self):
        quote = self._quote(
            [(self.licence, 5)],
            validity_date=date(2025, 3, 9),
            require_signature=True,
            require_payment=True,
        )
        self.assertFalse(quote._has_to_be_signed())
        self.assertFalse(quote._has_to_be_paid())
        for action in (quote.action_quotation_send, quote.action_confirm):
            with self.assertRaisesRegex(UserError, "expired on"):
                action()
        with self.assertRaisesRegex(Exception, "expired on"):
            self._payment_transaction(quote)

        # Extending the validity brings it back.
        self._run_cron()
        self.assertTrue(quote.cpq_expired)
        quote.with_user(self.salesman).validity_date = date(2025, 4, 30)
        self.assertFalse(quote.cpq_expired)
        self.assertNotEqual(quote.cpq_status, "expired")
        self.assertTrue(quote._has_to_be_signed())

    def test_cron_is_registered(self):
        cron = self.env.ref("crm_b2b_cpq.ir_cron_cpq_mark_expired")
        self.assertTrue(cron.active)
        self.assertEqual(cron.model_id.model, "sale.order")
