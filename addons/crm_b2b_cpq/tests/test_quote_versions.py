import time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestQuoteVersions(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.opportunity = cls.env["crm.lead"].create(
            {
                "name": "Northwind fleet analytics roll-out",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.salesman.id,
                "team_id": cls.team.id,
            }
        )

    def _sent_quote(self):
        quote = self._quote(
            [(self.licence, 20), (self.support, 1)], opportunity_id=self.opportunity.id
        )
        quote.action_quotation_sent()
        return quote

    def _revise(self, quote):
        action = quote.action_cpq_new_revision()
        return self.env["sale.order"].browse(action["res_id"])

    def test_new_revision_supersedes_and_links(self):
        quote = self._sent_quote()
        revision = self._revise(quote)

        self.assertEqual(revision.name, f"{quote.name}-R1")
        self.assertEqual(revision.cpq_revision_number, 1)
        self.assertEqual(revision.revision_origin_id, quote)
        self.assertEqual(revision.revision_previous_id, quote)
        self.assertEqual(revision.state, "draft")
        self.assertEqual(revision.opportunity_id, self.opportunity)
        self.assertEqual(quote.superseded_by_id, revision)
        self.assertEqual(quote.state, "cancel")
        self.assertEqual(quote.cpq_status, "superseded")
        self.assertEqual(quote.cpq_current_version_id, revision)
        self.assertEqual(revision.cpq_version_ids, quote | revision)
        self.assertEqual(
            revision.order_line.mapped("cpq_line_key"), quote.order_line.mapped("cpq_line_key")
        )
        self.assertEqual(revision.amount_untaxed, quote.amount_untaxed)

        revision.action_quotation_sent()
        second = self._revise(revision)
        self.assertEqual(second.name, f"{quote.name}-R2")
        self.assertEqual(second.revision_origin_id, quote)
        self.assertEqual(second.revision_previous_id, revision)
        self.assertEqual(quote.cpq_current_version_id, second)
        self.assertEqual(quote.cpq_version_ids.ids, (quote | revision | second).ids)

        # Draft/sent orders of the opportunity are exactly its current versions.
        current = self.opportunity.order_ids.filtered(lambda o: o.state in ("draft", "sent"))
        self.assertEqual(current, second)
        self.assertEqual(self.opportunity.quotation_count, 1)
        self.assertEqual(len(self.opportunity.order_ids), 3)

    def test_revision_only_from_current_sent_quote(self):
        draft = self._quote([(self.licence, 5)])
        with self.assertRaisesRegex(UserError, "Only a sent quotation"):
            draft.action_cpq_new_revision()
        quote = self._sent_quote()
        self._revise(quote)
        with self.assertRaisesRegex(UserError, "superseded"):
            quote.action_cpq_new_revision()
        confirmed = self._quote([(self.licence, 5)])
        confirmed.action_confirm()
        with self.assertRaisesRegex(UserError, "Only a sent quotation"):
            confirmed.action_cpq_new_revision()

    def test_revision_by_another_salesperson_without_access(self):
        quote = self._sent_quote()
        outsider = self.env["res.users"].create(
            {
                "name": "Ivo Ownonly",
                "login": "cpq_ownonly",
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            quote.with_user(outsider).action_cpq_new_revision()
        self.assertFalse(quote.superseded_by_id)
        self.assertEqual(quote.state, "sent")

    def test_superseded_version_is_frozen(self):
        quote = self._sent_quote()
        revision = self._revise(quote)
        line = quote.order_line[0]
        for attempt in (
            lambda: quote.write({"note": "changed after the fact"}),
            lambda: quote.with_user(self.salesman).write({"client_order_ref": "PO-1"}),
            lambda: line.with_user(self.salesman).write({"product_uom_qty": 99}),
            lambda: line.with_user(self.salesman).unlink(),
            lambda: (
                self.env["sale.order.line"]
                .with_user(self.salesman)
                .create({"order_id": quote.id, "product_id": self.server.id})
            ),
            lambda: quote.with_user(self.salesman).action_draft(),
        ):
            with self.assertRaisesRegex(UserError, "superseded"):
                attempt()
        self.assertEqual(quote.state, "cancel")
        self.assertEqual(line.product_uom_qty, 20)
        self.assertEqual(len(quote.order_line), 2)
        # Kept: a version cannot be deleted, neither the old nor the new one.
        with self.assertRaisesRegex(UserError, "versions are kept"):
            quote.sudo().unlink()
        with self.assertRaisesRegex(UserError, "versions are kept"):
            revision.sudo().unlink()
        # The chatter still works on a frozen version.
        quote.message_post(body="Customer asked about the old version")

    def test_only_current_version_can_be_accepted(self):
        quote = self._sent_quote()
        revision = self._revise(quote)
        with self.assertRaises(UserError):
            quote.action_confirm()
        self.assertFalse(quote._has_to_be_signed())
        self.assertFalse(quote._has_to_be_paid())
        self.assertTrue(any("superseded" in r for r in quote._cpq_blocking_reasons("sign")))
        revision.action_confirm()
        self.assertEqual(revision.state, "sale")
        self.assertEqual(quote.state, "cancel")

    def test_revision_links_cannot_be_written(self):
        quote = self._sent_quote()
        other = self._quote([(self.licence, 1)])
        for values in (
            {"superseded_by_id": other.id},
            {"revision_origin_id": other.id},
            {"cpq_revision_number": 7},
            {"revision_previous_id": other.id},
        ):
            with self.assertRaises(AccessError):
                quote.with_user(self.salesman).write(values)
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {"partner_id": self.customer.id, "superseded_by_id": other.id}
            )
        self.assertFalse(quote.superseded_by_id)

    def test_copy_is_a_new_quotation_not_a_version(self):
        quote = self._sent_quote()
        self._revise(quote)
        duplicate = quote.copy()
        self.assertFalse(duplicate.revision_origin_id)
        self.assertFalse(duplicate.superseded_by_id)
        self.assertEqual(duplicate.cpq_revision_number, 0)
        self.assertEqual(duplicate.state, "draft")
        self.assertEqual(duplicate.cpq_version_ids, duplicate)

    def test_diff_lists_added_removed_changed_and_totals(self):
        quote = self._quote(
            [(self.licence, 20), (self.support, 1), (self.server, 2)],
            opportunity_id=self.opportunity.id,
        )
        quote.action_quotation_sent()
        revision = self._revise(quote)
        licence_line, support_line, server_line = revision.order_line
        licence_line.product_uom_qty = 30
        support_line.write({"price_unit": 1100.0, "discount": 5.0})
        server_line.unlink()
        revision.write({"order_line": [Command.create({"product_id": self.server.id})]})

        diff = quote._cpq_version_diff(revision)

        self.assertEqual([e["product"] for e in diff["added"]], [self.server])
        self.assertEqual(diff["added"][0]["new_qty"], 1)
        self.assertEqual([e["product"] for e in diff["removed"]], [self.server])
        self.assertEqual(diff["removed"][0]["old_qty"], 2)
        changed = {e["product"]: e for e in diff["changed"]}
        self.assertEqual(changed[self.licence]["changes"], ["quantity"])
        self.assertEqual(
            (changed[self.licence]["old_qty"], changed[self.licence]["new_qty"]), (20, 30)
        )
        self.assertEqual(changed[self.support]["changes"], ["price", "discount"])
        self.assertEqual(changed[self.support]["new_discount"], 5.0)
        self.assertEqual(diff["totals"]["untaxed"], (quote.amount_untaxed, revision.amount_untaxed))
        self.assertEqual(quote.amount_untaxed, 2000 + 1200 + 10000)
        self.assertEqual(revision.amount_untaxed, 3000 + 1045 + 5000)

        # Same versions: nothing changed.
        same = quote._cpq_version_diff(quote)
        self.assertFalse(same["added"] or same["removed"] or same["changed"])

        wizard = self.env["cpq.version.diff.wizard"].create(
            {"old_order_id": quote.id, "new_order_id": revision.id}
        )
        self.assertIn("Added", wizard.diff_html)
        self.assertIn("Removed", wizard.diff_html)
        self.assertIn(self.support.name, wizard.diff_html)

    def test_diff_refuses_unrelated_quotations(self):
        quote = self._quote([(self.licence, 1)])
        other = self._quote([(self.licence, 2)])
        with self.assertRaisesRegex(UserError, "not versions of the same quotation"):
            wizard = self.env["cpq.version.diff.wizard"].create(
                {"old_order_id": quote.id, "new_order_id": other.id}
            )
            self.assertFalse(wizard.diff_html)

    def test_diff_of_two_200_line_versions_under_a_second(self):
        products = self.env["product.product"].create(
            [{"name": f"Spare part {i}", "list_price": 10 + i} for i in range(200)]
        )
        quote = self._quote([(product, 1 + i % 7) for i, product in enumerate(products)])
        quote.action_quotation_sent()
        revision = self._revise(quote)
        revision.order_line[:50].write({"product_uom_qty": 9})
        revision.order_line[50:60].unlink()
        self.env.invalidate_all()
        start = time.perf_counter()
        diff = quote._cpq_version_diff(revision)
        elapsed = time.perf_counter() - start
        self.assertLess(elapsed, 1.0)
        self.assertEqual(len(diff["removed"]), 10)
        self.assertEqual(len(diff["changed"]), len([i for i in range(50) if 1 + i % 7 != 9]))

    def test_opportunity_form_shows_versions(self):
        quote = self._sent_quote()
        revision = self._revise(quote)
        lead_form = Form(self.opportunity.with_user(self.salesman))
        versions = lead_form.order_ids
        self.assertEqual(len(versions), 2)
        statuses = {values["name"]: values["cpq_status"] for values in versions._records}
        self.assertEqual(statuses, {quote.name: "superseded", revision.name: "draft"})
