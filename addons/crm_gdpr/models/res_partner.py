from odoo import fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ("res.partner", "crm.gdpr.person.mixin")

    gdpr_anonymised = fields.Boolean(
        string="Anonymised",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Personal data was removed (erasure or retention rule).",
    )

    def write(self, vals):
        if "email" not in vals:
            return super().write(vals)
        before = {partner.id: partner.email_normalized for partner in self}
        res = super().write(vals)
        self._gdpr_follow_email(before)
        return res

    def _gdpr_follow_email(self, before):
        """Staff changing a contact's email: the person keeps their consents under the new
        address, with receipts. A portal user changing their own address in My Account (or any
        other path in sudo) moves nothing: their choices stay with the address they had, and
        the new one brings no one else's choices."""
        if self.env.su or not self.env.user._is_internal():
            return
        Subject = self.env["crm.gdpr.subject"]
        for partner in self:
            if partner.email_normalized != before.get(partner.id):
                Subject._follow_partner_email(partner, before.get(partner.id))
