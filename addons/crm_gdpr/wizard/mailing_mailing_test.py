from odoo import models

from ..models.mail_mail import TEST_SEND, TEST_SEND_KEY


class MailingMailingTest(models.TransientModel):
    _inherit = "mailing.mailing.test"

    def send_mail_test(self):
        """A test of a mailing goes to the addresses the marketer typed, as in stock."""
        return super(
            MailingMailingTest, self.with_context(**{TEST_SEND_KEY: TEST_SEND})
        ).send_mail_test()
