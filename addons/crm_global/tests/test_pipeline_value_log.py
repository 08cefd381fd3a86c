from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmGlobalValueCase


@tagged("post_install", "-at_install")
@freeze_time("2026-06-15 10:00:00")
class TestPipelineValueLog(CrmGlobalValueCase):
    """The value log is written in one batch per transaction (stock writes leads one by one
    on some paths), and says the same as when each write was logged at once."""

    def test_reassigning_is_absorbed_by_the_pending_change(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        other_user = self.user.copy({"login": "value-log-other"})
        lead.write({"user_id": other_user.id})  # stock assigns with a second write
        [change] = self._changes(lead)
        self.assertEqual((change.reason, change.value_after), ("new", 800))
        self.assertEqual(change.user_id, other_user, "attributed to whom the deal went to")

    def test_each_change_of_value_is_its_own_step(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        lead.deal_amount = 1500
        lead.deal_amount = 2000
        changes = self._changes(lead)
        self.assertEqual(changes.mapped("reason"), ["new", "amount", "amount"])
        self.assertEqual(changes.mapped("value_change"), [800, 400, 400])

    def test_log_is_written_at_commit_time_at_the_latest(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        self.env.cr.execute(
            "SELECT COUNT(*) FROM crm_pipeline_value_change WHERE lead_id = %s", [lead.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "deferred")
        self.env.cr.flush()  # what commit does first: flush and run the precommit hooks
        self.env.cr.execute(
            "SELECT COUNT(*) FROM crm_pipeline_value_change WHERE lead_id = %s", [lead.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)

    def test_deal_created_and_deleted_in_one_transaction_leaves_no_trace(self):
        count = self.Change.search_count([])
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        lead.unlink()
        self.env.cr.flush()
        self.assertEqual(self.Change.search_count([]), count)

    def test_deal_changed_then_deleted_leaves_from_its_first_value(self):
        lead = self._lead(deal_currency_id=self.usd.id, deal_amount=1000)
        self.env.cr.flush()
        lead.deal_amount = 1500
        lead.unlink()
        removed = self.Change.search([("reason", "=", "removed")], order="id desc", limit=1)
        self.assertEqual(removed.value_before, 800, "the value the transaction found")
