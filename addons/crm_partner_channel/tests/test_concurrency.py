import threading

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestAcceptRace(TransactionCase):
    """Two people of a partner accept the same offer at the same moment, each in its own
    transaction on committed data: exactly one wins, the other is told the offer is gone.

    The fixtures are committed through their own cursor (threads cannot see the test's
    transaction) and removed at the end."""

    ROUNDS = 3

    def _committed(self, func):
        # a cursor used as a context manager commits when the block ends without error
        with self.registry.cursor() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, {}))

    def _create_fixtures(self, env):
        grade = env["res.partner.grade"].create(
            {"name": "Race Tier", "partner_weight": 1, "channel_offer_hours": 24}
        )
        company = env["res.partner"].create(
            {"name": "Race Resellers", "is_company": True, "grade_id": grade.id}
        )
        users = env["res.users"].with_context(no_reset_password=True)
        first, second = (
            users.create(
                {
                    "name": f"Racer {index}",
                    "login": f"channel_racer_{index}",
                    "email": f"racer{index}@race.example.com",
                    "groups_id": [(6, 0, env.ref("base.group_portal").ids)],
                }
            )
            for index in (1, 2)
        )
        (first | second).partner_id.write({"parent_id": company.id, "channel_role": "manager"})
        leads = env["crm.lead"].create(
            [{"name": f"Race lead {index}", "type": "lead"} for index in range(self.ROUNDS)]
        )
        for lead in leads:
            lead._channel_offer_manually(company)
        return {
            "grade": grade.id,
            "company": company.id,
            "users": [first.id, second.id],
            "leads": leads.ids,
        }

    def _remove_fixtures(self, env, ids):
        leads = env["crm.lead"].with_context(active_test=False).browse(ids["leads"]).exists()
        leads.unlink()
        users = env["res.users"].with_context(active_test=False).browse(ids["users"]).exists()
        partners = users.partner_id
        users.unlink()
        (partners | env["res.partner"].browse(ids["company"])).exists().unlink()
        env["res.partner.grade"].browse(ids["grade"]).exists().unlink()

    def _accept(self, uid, lead_id, barrier, outcomes):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, uid, {})
                barrier.wait(timeout=20)
                try:
                    env["crm.lead"].browse(lead_id).action_channel_accept()
                    env.flush_all()
                    outcomes.append(("won", uid))
                except UserError as error:
                    cr.rollback()
                    outcomes.append(("lost", str(error)))
        except Exception as error:  # noqa: BLE001 - reported by the test, not swallowed
            outcomes.append(("crashed", repr(error)))

    @mute_logger("odoo.sql_db")
    def test_exactly_one_wins(self):
        ids = self._committed(self._create_fixtures)
        try:
            for lead_id in ids["leads"]:
                barrier = threading.Barrier(2)
                outcomes = []
                threads = [
                    threading.Thread(target=self._accept, args=(uid, lead_id, barrier, outcomes))
                    for uid in ids["users"]
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                kinds = sorted(kind for kind, _detail in outcomes)
                self.assertEqual(kinds, ["lost", "won"], outcomes)
                winner = next(detail for kind, detail in outcomes if kind == "won")

                def check(env, lead_id=lead_id, winner=winner):
                    lead = env["crm.lead"].browse(lead_id)
                    self.assertEqual(lead.channel_state, "accepted")
                    self.assertEqual(lead.channel_user_id.id, winner)
                    self.assertEqual(lead.channel_offer_ids.mapped("state"), ["accepted"])
                    self.assertEqual(lead.channel_offer_ids.answered_by_id.id, winner)
                    accepted_notes = [
                        body for body in lead.message_ids.mapped("body") if "accepted" in body
                    ]
                    self.assertEqual(len(accepted_notes), 1)

                self._committed(check)
        finally:
            self._committed(lambda env: self._remove_fixtures(env, ids))
