from cryptography.fernet import Fernet, InvalidToken

from odoo import api, models


class CrmGdprSubject(models.Model):
    """The key that encrypts the evidence (IP address, user agent) of the person's receipts."""

    _inherit = "crm.gdpr.subject"

    def _receipt_cipher(self, create=False):
        """Fernet cipher of this person's receipt evidence; None once erased (key destroyed)."""
        self.ensure_one()
        sudo_self = self.sudo()
        key = sudo_self.receipt_key
        if not key and create and not sudo_self.erased:
            key = Fernet.generate_key().decode()
            sudo_self.receipt_key = key
        return Fernet(key.encode()) if key else None

    @api.model
    def _encrypt(self, cipher, value):
        if not value:
            return None
        return cipher.encrypt(value.encode()).decode()

    @api.model
    def _decrypt(self, cipher, token):
        if not token or not cipher:
            return False
        try:
            return cipher.decrypt(token.encode()).decode()
        except InvalidToken:
            return False
