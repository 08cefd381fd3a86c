"""revision_number becomes cpq_revision_number: the OCA's sale_order_revision defines a
`revision_number` field on sale.order with another meaning (a counter on the original order).

Renames the column (values kept), the field's metadata and its external id, and the field's
name in the quotation email template (noupdate, so not reloaded), before the registry loads the
new field."""

from odoo.tools import SQL


def _column_exists(cr, table, column):
    cr.execute(
        SQL(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            table,
            column,
        )
    )
    return bool(cr.fetchone())


def migrate(cr, version):
    if not version:
        return
    if _column_exists(cr, "sale_order", "revision_number") and not _column_exists(
        cr, "sale_order", "cpq_revision_number"
    ):
        cr.execute(
            SQL("ALTER TABLE sale_order RENAME COLUMN revision_number TO cpq_revision_number")
        )
        cr.execute(
            SQL(
                "UPDATE ir_model_fields SET name = 'cpq_revision_number' "
                "WHERE model = 'sale.order' AND name = 'revision_number'"
            )
        )
        cr.execute(
            SQL(
                "UPDATE ir_model_data SET name = 'field_sale_order__cpq_revision_number' "
                "WHERE module = 'crm_b2b_cpq' AND name = 'field_sale_order__revision_number'"
            )
        )
    cr.execute(
        SQL(
            "UPDATE mail_template SET body_html = replace(body_html::text, "
            "'object.revision_number', 'object.cpq_revision_number')::jsonb "
            "WHERE body_html::text LIKE %s",
            "%object.revision_number%",
        )
    )
