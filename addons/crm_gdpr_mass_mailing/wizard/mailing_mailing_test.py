from odoo import models

# Held in the context by the mailing's "Test" wizard only: test mails go to the addresses the
# marketer types, as in stock, not to the mailing's recipients.
TEST_SEND_KEY = "crm_gdpr_test_send"
TEST_SEND = object()


class MailingMailingTest(models.TransientModel):
    _inherit = "mailing.mailing.test"

    def send_mail_test(self):
        """A test of a mailing goes to the addresses the marketer typed, as in stock."""
        return super(
            MailingMailingTest, self.with_context(**{TEST_SEND_KEY: TEST_SEND})
        ).send_mail_test()
