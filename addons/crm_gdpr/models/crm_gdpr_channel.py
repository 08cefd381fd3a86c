from odoo import api, fields, models, tools
from odoo.exceptions import UserError


class CrmGdprChannel(models.Model):
    """A way personal data is used or a person is contacted (email, phone, SMS, sharing with
    partners, profiling). Consent is given per purpose *and* channel."""

    _name = "crm.gdpr.channel"
    _description = "Consent Channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Technical key used by code and integrations, e.g. 'email' or 'partner_sharing'.",
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = (
        ("code_unique", "UNIQUE(code)", "Two channels cannot share the same code."),
    )

    @api.model
    def _get_by_code(self, code):
        """Channel record for a code (or the record itself); empty recordset when unknown."""
        if isinstance(code, models.BaseModel):
            return code
        return self.browse(self._id_by_code(code))

    @api.model
    @tools.ormcache("code")
    def _id_by_code(self, code):
        channel = self.sudo().with_context(active_test=False).search([("code", "=", code)], limit=1)
        return channel.id or None

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if "code" in vals:
            self.env.registry.clear_cache()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_proof(self):
        Consent = self.env["crm.gdpr.consent"].sudo().with_context(active_test=False)
        if Consent.search_count([("channel_id", "in", self.ids)], limit=1):
            raise UserError(
                self.env._(
                    "People gave or refused consent on this channel: their receipts refer to it "
                    "and are proof. Archive the channel instead of deleting it."
                )
            )
