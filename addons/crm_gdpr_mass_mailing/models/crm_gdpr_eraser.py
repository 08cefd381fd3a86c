from odoo import api, models


class CrmGdprEraser(models.AbstractModel):
    """Erasure deletes the person's mailing contacts (and so their list memberships) and
    anonymises the traces of the mailings sent to them."""

    _inherit = "crm.gdpr.eraser"

    @api.model
    def _other_identities(self, footprint):
        emails, names = super()._other_identities(footprint)
        contacts = footprint["mailing_contacts"]
        return (
            emails | set(contacts.mapped("email_normalized")),
            names | set(contacts.mapped("name")),
        )

    @api.model
    def _surname_scope_more(self, footprint):
        scope = super()._surname_scope_more(footprint)
        scope["mailing_contact"] = footprint["mailing_contacts"].ids
        scope["mailing_trace"] = footprint["traces"].ids
        return scope

    @api.model
    def _erase_mailing_records(self, footprint, pseudonyms):
        counts = super()._erase_mailing_records(footprint, pseudonyms)
        counts["mailing contacts deleted"] = len(footprint["mailing_contacts"])
        footprint["mailing_contacts"].unlink()
        footprint["traces"].write({"email": pseudonyms["email"]})
        counts["mailing traces anonymised"] = len(footprint["traces"])
        return counts
