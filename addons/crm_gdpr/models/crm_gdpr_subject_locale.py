from odoo import models
from odoo.tools import format_datetime


class CrmGdprSubject(models.Model):
    """Language and time, in one place (a bridge may render in the person's time zone)."""

    _inherit = "crm.gdpr.subject"

    def _gdpr_lang(self):
        """Installed language in which pages and emails for this person are rendered."""
        self.ensure_one()
        installed = dict(self.env["res.lang"].get_installed())
        for code in (self.lang, self.partner_id.lang, self.env.context.get("lang")):
            if code and code in installed:
                return code
        return "en_US"

    def _gdpr_tz(self):
        self.ensure_one()
        return self.partner_id.tz or "UTC"

    def _gdpr_format_datetime(self, value):
        """A date and time as this person reads it (their language and time zone)."""
        self.ensure_one()
        if not value:
            return ""
        return format_datetime(
            self.env, value, tz=self._gdpr_tz(), dt_format="medium", lang_code=self._gdpr_lang()
        )
