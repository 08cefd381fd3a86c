from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

# Fields the system may still write on a superseded (frozen) version.
FROZEN_WRITABLE = {"message_main_attachment_id", "access_token", "message_follower_ids"}


class SaleOrder(models.Model):
    """Quotation versions. "New revision" on a sent quotation copies it into the next version
    (same number, suffix -R1, -R2...), cancels the earlier one and links both ways. The earlier
    version stays, frozen. So the draft/sent orders of an opportunity are exactly its current
    versions (the deal ledger counts on it), and stock Odoo already refuses to confirm, sign or
    pay a cancelled quotation on every path."""

    _inherit = "sale.order"

    cpq_revision_number = fields.Integer(
        string="Revision", default=0, copy=False, readonly=True, index=True
    )
    revision_origin_id = fields.Many2one(
        "sale.order",
        string="Original Quotation",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Version 0 of this quotation; empty on version 0 itself.",
    )
    revision_previous_id = fields.Many2one(
        "sale.order",
        string="Previous Version",
        copy=False,
        readonly=True,
        ondelete="restrict",
    )
    superseded_by_id = fields.Many2one(
        "sale.order",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    cpq_version_ids = fields.Many2many(
        "sale.order",
        compute="_compute_cpq_version_ids",
        string="Versions",
        help="All versions of this quotation, oldest first.",
    )
    cpq_version_count = fields.Integer(compute="_compute_cpq_version_ids", string="Version Count")
    cpq_current_version_id = fields.Many2one(
        "sale.order",
        compute="_compute_cpq_version_ids",
        string="Current Version",
    )

    @api.depends("revision_origin_id", "superseded_by_id")
    def _compute_cpq_version_ids(self):
        saved = self.filtered("id")
        (self - saved).update(
            {"cpq_version_ids": False, "cpq_version_count": 1, "cpq_current_version_id": False}
        )
        if not saved:
            return
        roots = saved.mapped(lambda order: order.revision_origin_id or order)
        family = self.search(
            ["|", ("id", "in", roots.ids), ("revision_origin_id", "in", roots.ids)],
            order="cpq_revision_number, id",
        )
        by_root = {}
        for version in family:
            by_root.setdefault((version.revision_origin_id or version).id, []).append(version.id)
        for order in saved:
            versions = self.browse(by_root.get((order.revision_origin_id or order).id, order.ids))
            order.cpq_version_ids = versions
            order.cpq_version_count = len(versions)
            current = versions.filtered(lambda v: not v.superseded_by_id)
            order.cpq_current_version_id = current[-1:] or versions[-1:]

    def _cpq_protected_fields(self):
        return super()._cpq_protected_fields() | {
            "cpq_revision_number",
            "revision_origin_id",
            "revision_previous_id",
            "superseded_by_id",
        }

    def _cpq_check_frozen(self, fnames):
        res = super()._cpq_check_frozen(fnames)
        frozen = self.filtered("superseded_by_id")
        if frozen and fnames - FROZEN_WRITABLE:
            frozen._cpq_raise_frozen()
        return res

    def _cpq_raise_frozen(self):
        order = self[:1]
        raise UserError(
            self.env._(
                "Quotation %(name)s was superseded by %(current)s and is kept as it was sent. "
                "Edit the current version instead.",
                name=order.name,
                current=order.cpq_current_version_id.name or order.superseded_by_id.name,
            )
        )

    def _cpq_blocking_reasons(self, action):
        reasons = super()._cpq_blocking_reasons(action)
        if self.superseded_by_id and action != "print":
            reasons.append(
                self.env._(
                    "Quotation %(name)s was superseded by %(current)s: only the current version "
                    "can be sent, signed, paid or confirmed.",
                    name=self.name,
                    current=self.cpq_current_version_id.name,
                )
            )
        return reasons

    def action_draft(self):
        self.filtered("superseded_by_id")[:1]._cpq_raise_frozen()
        return super().action_draft()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_quotation_version(self):
        versions = self.filtered(lambda order: order.revision_origin_id or order.superseded_by_id)
        if versions:
            raise UserError(
                self.env._(
                    "Quotation %(name)s is a version of a revised quotation: versions are kept. "
                    "Cancel it instead.",
                    name=versions[0].name,
                )
            )

    def action_cpq_new_revision(self):
        """Create the next version of this sent quotation and supersede this one."""
        self.ensure_one()
        if self.superseded_by_id:
            self._cpq_raise_frozen()
        if self.state != "sent":
            raise UserError(
                self.env._(
                    "Only a sent quotation gets a new revision; %(name)s is not sent: edit it "
                    "directly.",
                    name=self.name,
                )
            )
        self.check_access("write")
        origin = self.revision_origin_id or self
        number = max(self.cpq_version_ids.mapped("cpq_revision_number") + [0]) + 1
        revision = self.copy({"name": f"{origin.name}-R{number}", "origin": self.origin})
        # Checked above: the user may write this quotation. The links are set in sudo mode
        # because users never write them directly.
        revision.sudo().write(
            {
                "cpq_revision_number": number,
                "revision_origin_id": origin.id,
                "revision_previous_id": self.id,
            }
        )
        self.with_context(disable_cancel_warning=True)._action_cancel()
        self.sudo().write({"superseded_by_id": revision.id})
        # The family changed: every version's view of it must be recomputed.
        (self.cpq_version_ids | revision).invalidate_recordset(
            ["cpq_version_ids", "cpq_version_count", "cpq_current_version_id"]
        )
        self.message_post(
            body=self.env._("Superseded by %(version)s.", version=revision._get_html_link()),
            subtype_xmlid="mail.mt_note",
        )
        revision.message_post(
            body=self.env._("New revision of %(version)s.", version=self._get_html_link()),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": revision.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_cpq_compare_versions(self):
        self.ensure_one()
        previous = (
            self.revision_previous_id or self.cpq_version_ids.filtered(lambda v: v != self)[-1:]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compare Versions"),
            "res_model": "cpq.version.diff.wizard",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_old_order_id": (previous or self).id,
                "default_new_order_id": self.id,
            },
        }

    # ------------------------------------------------------------------------------------------
    # Diff between two versions
    # ------------------------------------------------------------------------------------------

    def _cpq_version_diff(self, newer):
        """What changed from this version to `newer`: lines added, removed and changed
        (quantity, unit price, discount), and the change in totals.

        Lines are matched through their version key, which a revision copies from the line it
        comes from. Batched: a few queries whatever the number of lines.
        """
        self.ensure_one()
        newer.ensure_one()
        old_lines = self._cpq_diff_lines()
        new_lines = newer._cpq_diff_lines()
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        discount_digits = self.env["decimal.precision"].precision_get("Discount")
        added, removed, changed = [], [], []
        for key, line in new_lines.items():
            old = old_lines.get(key)
            if old is None:
                added.append(self._cpq_diff_entry(None, line))
                continue
            changes = []
            if old.product_id != line.product_id:
                changes.append("product")
            if float_compare(old.product_uom_qty, line.product_uom_qty, qty_digits):
                changes.append("quantity")
            if float_compare(old.price_unit, line.price_unit, price_digits):
                changes.append("price")
            if float_compare(old.discount, line.discount, discount_digits):
                changes.append("discount")
            if changes:
                changed.append(dict(self._cpq_diff_entry(old, line), changes=changes))
        for key, line in old_lines.items():
            if key not in new_lines:
                removed.append(self._cpq_diff_entry(line, None))
        return {
            "old": self,
            "new": newer,
            "added": added,
            "removed": removed,
            "changed": changed,
            "totals": {
                "untaxed": (self.amount_untaxed, newer.amount_untaxed),
                "tax": (self.amount_tax, newer.amount_tax),
                "total": (self.amount_total, newer.amount_total),
            },
        }

    def _cpq_diff_lines(self):
        lines = self.order_line.filtered(lambda line: not line.display_type)
        by_key = {}
        for line in lines:
            key = line.cpq_line_key or f"line-{line.id}"
            if key in by_key:  # a line duplicated inside the same version
                key = f"{key}-{line.id}"
            by_key[key] = line
        return by_key

    def _cpq_diff_entry(self, old, new):
        line = new or old
        return {
            "product": line.product_id,
            "name": (line.name or line.product_id.display_name or "").split("\n")[0],
            "old_qty": old.product_uom_qty if old else 0.0,
            "new_qty": new.product_uom_qty if new else 0.0,
            "old_price": old.price_unit if old else 0.0,
            "new_price": new.price_unit if new else 0.0,
            "old_discount": old.discount if old else 0.0,
            "new_discount": new.discount if new else 0.0,
            "old_subtotal": old.price_subtotal if old else 0.0,
            "new_subtotal": new.price_subtotal if new else 0.0,
            "changes": [],
        }
