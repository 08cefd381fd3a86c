from odoo import api, fields, models
from odoo.exceptions import ValidationError

# What an anonymised lead never holds again (its personal fields and its contact link).
ANONYMOUS_LEAD_FIELDS = ("contact_name", "email_from", "phone", "mobile", "partner_name")


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ("crm.lead", "crm.gdpr.person.mixin")

    gdpr_anonymised = fields.Boolean(
        string="Anonymised",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Personal data was removed (erasure or retention rule).",
    )

    # An anonymised lead stays anonymous: stock copies the contact's email and phone into the
    # lead when the contact changes; never into an anonymised one.
    def _get_partner_email_update(self, force_void=True):
        if self.gdpr_anonymised:
            return False
        return super()._get_partner_email_update(force_void=force_void)

    def _get_partner_phone_update(self, force_void=True):
        if self.gdpr_anonymised:
            return False
        return super()._get_partner_phone_update(force_void=force_void)

    @api.constrains("gdpr_anonymised", *ANONYMOUS_LEAD_FIELDS)
    def _check_stays_anonymous(self):
        for lead in self.filtered("gdpr_anonymised"):
            if any(lead[fname] for fname in ANONYMOUS_LEAD_FIELDS):
                raise ValidationError(
                    self.env._(
                        "The lead %s was anonymised: personal data cannot be added to it again. "
                        "Create a new lead instead.",
                        lead.id,
                    )
                )

    def write(self, vals):
        if vals.get("partner_id") and any(self.mapped("gdpr_anonymised")):
            raise ValidationError(
                self.env._(
                    "An anonymised lead cannot be linked to a contact again: create a new lead."
                )
            )
        return super().write(vals)
