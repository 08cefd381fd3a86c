from odoo import fields, models

from ..models.crm_gdpr_request import IDENTITY_METHODS


class CrmGdprIdentityCheck(models.TransientModel):
    """Asked when "Identity Verified" is pressed: how the person's identity was checked."""

    _name = "crm.gdpr.identity.check"
    _description = "Identity Check of a Data-Subject Request"

    request_id = fields.Many2one("crm.gdpr.request", required=True, ondelete="cascade")
    identity_method = fields.Selection(
        IDENTITY_METHODS, string="Identity Checked By", required=True
    )
    identity_note = fields.Text(help="What was checked (never a copy of a document).")

    def action_confirm(self):
        self.ensure_one()
        request = self.request_id
        request.write(
            {"identity_method": self.identity_method, "identity_note": self.identity_note}
        )
        request.action_verify_identity()
        return {"type": "ir.actions.act_window_close"}
