import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

# a 1x1 PNG, what the portal's signature pad sends
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
    "AAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestConcurrentSignature(TransactionCase):
    """The same quotation signed twice at the same moment (two servers, two transactions): while
    the first signs, the second is refused at once; once the first committed, the second fails
    to serialize when it locks the quotation, and its retry finds the quotation signed: one
    signature, one confirmation. Quietly: no ERROR in the log.

    Each transaction has its own cursor on committed data: the quotation is committed and
    removed at the end."""

    def _committed(self, func):
        # flushed before the commit: a commit flushes only the environments still referenced,
        # and the pending writes of one dropped already (action_quotation_sent's) would be lost
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = func(env)
            env.flush_all()
            return result

    def test_second_signature_at_once_fails_to_serialize_quietly(self):
        def create(env):
            partner = env["res.partner"].create({"name": "Concurrent signer"})
            order = env["sale.order"].create(
                {"partner_id": partner.id, "require_signature": True, "require_payment": False}
            )
            order.action_quotation_sent()
            return order.id, partner.id

        order_id, partner_id = self._committed(create)

        def remove(env):
            order = env["sale.order"].browse(order_id)
            order._action_cancel()
            order.unlink()
            env["res.partner"].browse(partner_id).unlink()

        self.addCleanup(self._committed, remove)
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            order_a = api.Environment(cr_a, SUPERUSER_ID, {})["sale.order"].browse(order_id)
            order_b = api.Environment(cr_b, SUPERUSER_ID, {})["sale.order"].browse(order_id)
            # both customers see a quotation to sign: B's transaction has begun
            self.assertTrue(order_b._has_to_be_signed())
            self.assertTrue(order_a._has_to_be_signed())
            self.assertTrue(order_a._cpq_lock_for_signature())
            # while A signs, B is told at once (no worker waits on the row), quietly
            with self.assertNoLogs("odoo.sql_db", level="ERROR"):
                self.assertFalse(order_b._cpq_lock_for_signature())
            order_a.write({"signed_by": "First", "signature": SIGNATURE})
            cr_a.commit()
            with (
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
                self.assertRaises(psycopg2.errors.SerializationFailure),
            ):
                order_b._cpq_lock_for_signature()
            cr_b.rollback()
            order_b.invalidate_recordset()
            # the retry, in a new transaction, finds the quotation signed by the first
            self.assertTrue(order_b._cpq_lock_for_signature())
            self.assertFalse(order_b._has_to_be_signed())
            self.assertEqual(order_b.signed_by, "First")
            cr_b.rollback()
