from odoo.tools import SQL


def uninstall_hook(env):
    """Receipts and consents keep what they refer to (ON DELETE RESTRICT), so that proof cannot
    be lost while the addon runs. Uninstalling the addon drops its tables, proof included: the
    restrictions pointing at its tables go first, and the consents and their receipts (whose
    stored values follow the purposes), else Odoo could not remove the addon's own records
    (purposes, channels) before dropping those tables."""
    env.cr.execute(
        """
        SELECT conname, conrelid::regclass::text
          FROM pg_constraint
         WHERE contype = 'f' AND confdeltype = 'r'
           AND confrelid::regclass::text LIKE 'crm\\_gdpr\\_%%'
        """
    )
    for name, table in env.cr.fetchall():
        env.cr.execute(
            SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name))
        )
    env.cr.execute("DELETE FROM crm_gdpr_receipt")
    env.cr.execute("DELETE FROM crm_gdpr_consent")
    env.invalidate_all()
