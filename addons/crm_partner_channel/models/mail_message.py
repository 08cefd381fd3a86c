from collections import defaultdict

from odoo import api, models


class MailMessage(models.Model):
    """A partner reads a lead's thread, but not the messages holding the personal data of a lead
    whose personal data it may not see (before acceptance, or when the lead's hook withholds
    it): emails, messages of the customer, notes quoting its contact details."""

    _inherit = "mail.message"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        query = super()._search(domain, offset=offset, limit=limit, order=order)
        if self.env.su or not self.env.user.share:
            return query
        ids = list(query)
        hidden = self.browse(ids)._channel_hidden_from_partner()
        if not hidden:
            return self.browse(ids)._as_query(order)
        return self.browse([id_ for id_ in ids if id_ not in hidden.ids])._as_query(order)

    def _get_forbidden_access(self, operation):
        forbidden = super()._get_forbidden_access(operation)
        if operation == "read" and self.env.user.share and not self.env.su:
            forbidden |= (self - forbidden)._channel_hidden_from_partner()
        return forbidden

    def _channel_hidden_from_partner(self):
        lead_messages = defaultdict(lambda: self.browse())
        for message in self.sudo():
            if message.model == "crm.lead" and message.res_id:
                lead_messages[message.res_id] |= message
        if not lead_messages:
            return self.browse()
        leads = self.env["crm.lead"].sudo().browse(list(lead_messages)).exists()
        messages = self.browse().union(*(lead_messages[lead.id] for lead in leads))
        return self.browse(leads._channel_messages_hidden_from_partner(messages).ids)
