"""Time zones of contacts: stock's creator default is no longer taken as the contact's own zone.

Before 18.0.1.1.0 every ``res.partner.tz`` counted as set on the contact, including the zone
stock copies from the creating user. A zone that differs from its creator's, or the zone of a
user's own contact (set in their preferences), was chosen by a person: it keeps counting. The
others are the creator's default: the effective zone is inferred again.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET crm_tz_origin = 'partner'
             WHERE p.tz IS NOT NULL
               AND (EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id AND NOT u.share)
                    OR p.tz IS DISTINCT FROM (
                        SELECT cp.tz FROM res_users cu JOIN res_partner cp ON cp.id = cu.partner_id
                         WHERE cu.id = p.create_uid))
            """
        )
    )
    Partner = env["res.partner"].with_context(active_test=False)
    partners = Partner.search([])
    for name in ("crm_tz", "crm_tz_source", "crm_tz_confidence", "crm_tz_candidates"):
        env.add_to_compute(Partner._fields[name], partners)
    partners._recompute_recordset()
    env.flush_all()
