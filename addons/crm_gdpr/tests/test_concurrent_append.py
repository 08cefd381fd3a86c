import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrentAppend(TransactionCase):
    """Two people withdraw at the same moment on two servers: both transactions append to the
    receipt chain. The second one to lock the head fails to serialize, as designed (Odoo retries
    the request, which then appends after the first); that expected outcome is not an ERROR in
    the server's log (make load asserts the logs of a run are free of them).

    Each transaction has its own cursor on committed data; the only thing committed is the head's
    write_date (a lock taken, nothing appended)."""

    def test_head_locked_by_a_later_commit_fails_to_serialize_quietly(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            head_a = api.Environment(cr_a, SUPERUSER_ID, {})["crm.gdpr.receipt.chain"]._get_main()
            head_b = api.Environment(cr_b, SUPERUSER_ID, {})["crm.gdpr.receipt.chain"]._get_main()
            # B's transaction has begun (its snapshot is taken) before A locks and commits
            cr_b.execute(
                "SELECT last_sequence FROM crm_gdpr_receipt_chain WHERE id = %s", [head_b.id]
            )
            sequence = cr_b.fetchone()[0]
            self.assertEqual(head_a._lock_head()[0], sequence)
            cr_a.commit()
            with (
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
                self.assertRaises(psycopg2.errors.SerializationFailure),
            ):
                head_b._lock_head()
            cr_b.rollback()
            # the retry, in a new transaction, locks the head as A left it
            self.assertEqual(head_b._lock_head()[0], sequence)
            cr_b.rollback()
