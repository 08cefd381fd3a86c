import psycopg2.errors

from odoo import api, models
from odoo.tools import SQL


class SaleOrder(models.Model):
    """What the customer may see of a quotation: nothing while it is outside its policy without
    an approval covering it as it is now (waiting for approval, rejected, or changed beyond its
    approval).

    Enforced where every customer read passes: the record rule `sale_order_rule_cpq_customer`
    for portal and public users (the /my lists and counters, the pages they open while logged
    in, their RPC reads, reports), the portal's access check with a token
    (`CpqCustomerPortal._document_check_access`: the page, its PDF, accept, decline, pay, the
    product documents, the options), the payment link with a payment access token
    (`CpqPaymentPortal.payment_pay`) and the portal chatter's access with a token or signed
    link (`_get_thread_with_access`). The customer sees a page saying the quotation is being
    reviewed; the salesperson's preview still shows it, with the reasons."""

    _inherit = "sale.order"

    def _cpq_hidden_from_customer(self):
        """Whether this quotation must not be shown to its customer now (on the stored state
        the record rule reads, and on the quotation as it is now)."""
        self.ensure_one()
        if self.state not in ("draft", "sent") or self.superseded_by_id:
            return False
        return self.approval_state in ("to_approve", "rejected") or self.sudo().cpq_under_review

    def _cpq_lock_for_signature(self):
        """Lock the quotation's row before the customer's signature is written (portal accept);
        False when someone else is signing it at this very moment.

        Two signatures of one quotation at the same moment (the buyer and a colleague who got
        the email too, on two servers): the second does not wait for the first (a waiting
        request holds a server worker, and the first one's PDF needs a free worker): it is told
        at once. When the first one signed and committed after the second began, the second
        fails to serialize here and Odoo retries its request, which finds the quotation signed
        and says so. One signature, one confirmation. Both outcomes are expected, not errors for
        the server's log (``log_exceptions=False``): without the lock, the second request waits
        on the row, then its write of the signature fails to serialize, logged as an ERROR."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except psycopg2.errors.LockNotAvailable:
            return False
        return True

    def _cpq_customer_of(self, user):
        """Whether `user` (portal) is a customer of this quotation as stock's portal rule for
        quotations says (`sale.sale_order_rule_portal`): a follower of the customer's company."""
        self.ensure_one()
        if not user.share or user._is_public():
            return False
        return bool(
            self.sudo().filtered_domain(
                [("message_partner_ids", "child_of", [user.commercial_partner_id.id])]
            )
        )

    @api.model
    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        # The portal chatter with a token or a signed link: none while hidden.
        thread = super()._get_thread_with_access(thread_id, mode, **kwargs)
        if (
            thread
            and not self.env.user._is_internal()
            and thread.sudo()._cpq_hidden_from_customer()
        ):
            return self.browse()
        return thread
