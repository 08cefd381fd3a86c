from odoo.http import request

from odoo.addons.crm_gdpr.controllers.main import consent_evidence
from odoo.addons.mass_mailing.controllers.main import MassMailController


class GdprMassMailController(MassMailController):
    """Unsubscribing from a mailing (its link, or the one-click List-Unsubscribe header that
    mail clients post) withdraws the consent, with a receipt, on top of stock's blocklist or
    list opt-out. The token was checked by stock before these are called."""

    def _gdpr_withdraw(self, mailing, email):
        request.env["crm.gdpr.subject"].sudo()._unsubscribe_from_mailing(
            email, mailing, consent_evidence()
        )

    def _mailing_unsubscribe_from_list(self, mailing, document_id, email, hash_token):
        self._gdpr_withdraw(mailing, email)
        return super()._mailing_unsubscribe_from_list(mailing, document_id, email, hash_token)

    def _mailing_unsubscribe_from_document(self, mailing, document_id, email, hash_token):
        self._gdpr_withdraw(mailing, email)
        return super()._mailing_unsubscribe_from_document(mailing, document_id, email, hash_token)
