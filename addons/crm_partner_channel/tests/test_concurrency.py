import threading
import time
from functools import partial

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
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
        # a cursor used as a context manager commits when the block ends without error; the
        # environment is flushed first: a commit flushes only the environments still alive, and
        # one that nothing references any more would lose its pending writes
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = func(env)
            env.flush_all()
            return result

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


class CapacityRaceFixtures:
    """A partner with room for one open offer (capacity 1) that only our routing rules pick,
    and two queued leads, committed through their own cursor (the transactions of a race cannot
    see the test's) and removed at the end."""

    def _committed(self, func):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = func(env)
            env.flush_all()  # see TestAcceptRace._committed
            return result

    def _create_fixtures(self, env):
        company = env.company
        rules = env["crm.channel.routing.rule"].search([])
        ids = {
            "rules": rules.ids,
            "company": company.id,
            "fallback": company.channel_fallback_partner_id.id,
        }
        # only our rules: the tier rule leaves our partner alone, the capacity rule counts
        rules.write({"active": False})
        company.channel_fallback_partner_id = False
        grade = env["res.partner.grade"].create(
            {"name": "Capacity Race Tier", "partner_weight": 1, "channel_max_open_offers": 1}
        )
        partner = env["res.partner"].create(
            {"name": "Capacity Race Resellers", "is_company": True, "grade_id": grade.id}
        )
        our_rules = env["crm.channel.routing.rule"].create(
            [
                {
                    "name": "Race tier",
                    "sequence": 1,
                    "rule_type": "tier",
                    "grade_ids": [(6, 0, grade.ids)],
                },
                {"name": "Race capacity", "sequence": 2, "rule_type": "capacity"},
            ]
        )
        leads = env["crm.lead"].create(
            [{"name": f"Capacity race lead {index}", "type": "lead"} for index in range(2)]
        )
        leads.sudo().with_context(channel_routing=True).write({"channel_state": "queued"})
        ids.update(grade=grade.id, partner=partner.id, our_rules=our_rules.ids, leads=leads.ids)
        return ids

    def _remove_fixtures(self, env, ids):
        env["crm.lead"].with_context(active_test=False).browse(ids["leads"]).exists().unlink()
        env["crm.channel.routing.rule"].browse(ids["our_rules"]).exists().unlink()
        env["res.partner"].browse(ids["partner"]).exists().unlink()
        env["res.partner.grade"].browse(ids["grade"]).exists().unlink()
        env["crm.channel.routing.rule"].browse(ids["rules"]).exists().write({"active": True})
        env["res.company"].browse(ids["company"]).channel_fallback_partner_id = ids["fallback"]

    def _offers(self, env, ids):
        return env["crm.channel.offer"].search(
            [("partner_id", "=", ids["partner"]), ("state", "=", "offered")]
        )


@tagged("post_install", "-at_install")
class TestCapacityRace(CapacityRaceFixtures, TransactionCase):
    """Two routings, each in its own transaction on committed data, choose at the same moment
    the one partner that has room for one more offer (capacity 1): it receives exactly one.

    The race is forced, not hoped for: a third transaction holds the partner's row while both
    routings run, so that each has read the partner's open offers (none) and chosen it before
    either commits; the test waits until PostgreSQL shows both waiting, then lets them go."""

    def _route(self, uid, lead_id, partner_id, how, started, outcomes):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, uid, {})
                # the transaction's snapshot: the partner has no open offer yet
                cr.execute(
                    "SELECT pg_backend_pid(), count(*) FROM crm_channel_offer"
                    " WHERE partner_id = %s AND state = 'offered'",
                    (partner_id,),
                )
                pid, count = cr.fetchone()
                started.append((pid, count))
                lead = env["crm.lead"].browse(lead_id)
                if how == "request":
                    # as Odoo serves a request: retried on a serialization failure
                    retrying(partial(lead.action_channel_route), env)
                    outcomes.append(("routed", lead_id))
                else:
                    decisions = lead._channel_route_or_defer()
                    outcomes.append(("deferred" if decisions is None else "routed", lead_id))
        except Exception as error:  # noqa: BLE001 - reported by the test, not swallowed
            outcomes.append(("crashed", repr(error)))

    def _race(self, how):
        ids = self._committed(self._create_fixtures)
        try:
            uid = self.env.ref("base.user_admin").id
            started, outcomes = [], []
            with self.registry.cursor() as holder:
                holder.execute(
                    "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE",
                    (ids["partner"],),
                )
                threads = [
                    threading.Thread(
                        target=self._route,
                        args=(uid, lead_id, ids["partner"], how, started, outcomes),
                    )
                    for lead_id in ids["leads"]
                ]
                for thread in threads:
                    thread.start()
                waiting = 0
                for _attempt in range(300):
                    pids = [pid for pid, _count in started]
                    if len(pids) == 2:
                        holder.execute(
                            "SELECT count(DISTINCT pid) FROM pg_locks"
                            " WHERE NOT granted AND pid = ANY(%s)",
                            (pids,),
                        )
                        waiting = holder.fetchone()[0]
                        if waiting == 2:
                            break
                    if outcomes:
                        break
                    time.sleep(0.1)
                # both routings chose the partner from a snapshot without any open offer
                self.assertEqual(waiting, 2, (started, outcomes))
                self.assertEqual([count for _pid, count in started], [0, 0])
                holder.rollback()
            for thread in threads:
                thread.join(timeout=120)
            self.assertFalse([o for o in outcomes if o[0] == "crashed"], outcomes)
            return ids, outcomes
        except BaseException:
            self._committed(lambda env: self._remove_fixtures(env, ids))
            raise

    @mute_logger("odoo.service.model", "odoo.addons.crm_partner_channel.models.crm_lead")
    def test_requests_offer_once(self):
        """Two vendors route a lead each (action_channel_route, retried as Odoo retries a
        request): the second routing, retried on fresh data, finds the partner full."""
        ids, outcomes = self._race("request")
        try:
            self.assertEqual(sorted(kind for kind, _lead in outcomes), ["routed", "routed"])

            def check(env):
                offers = self._offers(env, ids)
                self.assertEqual(len(offers), 1)
                leads = env["crm.lead"].browse(ids["leads"])
                winner = offers.lead_id
                loser = leads - winner
                self.assertEqual(winner.channel_state, "offered")
                self.assertEqual(winner.partner_assigned_id.id, ids["partner"])
                self.assertEqual(loser.channel_state, "no_partner")
                self.assertFalse(loser.channel_offer_ids)
                # one decision per lead: the failed attempt left nothing behind
                decisions = env["crm.channel.routing.decision"].search(
                    [("lead_id", "in", ids["leads"])]
                )
                self.assertEqual(sorted(decisions.lead_id.ids), sorted(ids["leads"]))

            self._committed(check)
        finally:
            self._committed(lambda env: self._remove_fixtures(env, ids))

    @mute_logger("odoo.addons.crm_partner_channel.models.crm_lead")
    def test_cron_workers_offer_once(self):
        """Two cron workers route their claimed leads (_channel_route_or_defer, as
        _cron_channel_process_offers does): one offers, the other keeps its lead queued, and its
        next run finds the partner full. Nothing lost, nothing twice."""
        ids, outcomes = self._race("cron")
        try:
            self.assertEqual(sorted(kind for kind, _lead in outcomes), ["deferred", "routed"])
            deferred_id = next(lead_id for kind, lead_id in outcomes if kind == "deferred")

            def check(env):
                offers = self._offers(env, ids)
                self.assertEqual(len(offers), 1)
                self.assertNotEqual(offers.lead_id.id, deferred_id)
                deferred = env["crm.lead"].browse(deferred_id)
                self.assertEqual(deferred.channel_state, "queued")
                self.assertFalse(deferred.channel_offer_ids)
                self.assertFalse(
                    env["crm.channel.routing.decision"].search([("lead_id", "=", deferred_id)])
                )

            self._committed(check)

            def next_run(env):
                deferred = env["crm.lead"].browse(deferred_id)
                self.assertTrue(deferred._channel_route_or_defer())
                self.assertEqual(deferred.channel_state, "no_partner")
                self.assertEqual(len(self._offers(env, ids)), 1)

            self._committed(next_run)
        finally:
            self._committed(lambda env: self._remove_fixtures(env, ids))


@tagged("post_install", "-at_install")
class TestCapacityRaceWrites(CapacityRaceFixtures, TransactionCase):
    """An offer reopened, or an open offer moved to another partner, by a plain write (RPC,
    import) while a routing chooses that partner from an older count: the routing must not
    offer it one more lead than its capacity (crm.channel.offer.write locks the partner as
    create does).

    The order is forced: the routing's transaction reads the partner's open offers (none) first,
    then the write commits in another transaction, then the routing runs (as a request, retried
    by Odoo on a serialization failure). Without the lock in write, the routing offers its lead
    to the full partner from its snapshot, and the partner ends with two open offers."""

    def _create_fixtures(self, env):
        ids = super()._create_fixtures(env)
        other = env["res.partner"].create({"name": "Capacity Race Other", "is_company": True})
        lead = env["crm.lead"].browse(ids["leads"][1])
        offer = env["crm.channel.offer"].create(
            {
                "lead_id": lead.id,
                "partner_id": ids["partner"],
                "state": "declined",
                "date_deadline": "2030-01-01 00:00:00",
            }
        )
        ids.update(other=other.id, offer=offer.id)
        return ids

    def _remove_fixtures(self, env, ids):
        result = super()._remove_fixtures(env, ids)
        env["res.partner"].browse(ids["other"]).exists().unlink()
        return result

    def _race(self, prepare, write):
        """`prepare` and `write` get a committed superuser env and the fixtures' ids; the
        routing of the first lead runs between the write's commit and its own first read."""
        ids = self._committed(self._create_fixtures)
        try:
            self._committed(lambda env: prepare(env, ids))
            uid = self.env.ref("base.user_admin").id
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM crm_channel_offer"
                    " WHERE partner_id = %s AND state = 'offered'",
                    (ids["partner"],),
                )
                self.assertEqual(cr.fetchone()[0], 0)
                # another transaction writes and commits after this one's snapshot
                self._committed(lambda env: write(env, ids))
                env = api.Environment(cr, uid, {})
                lead = env["crm.lead"].browse(ids["leads"][0])
                retrying(partial(lead.action_channel_route), env)

            def check(env):
                offers = self._offers(env, ids)
                self.assertEqual(offers.ids, [ids["offer"]], "the partner holds one open offer")
                routed = env["crm.lead"].browse(ids["leads"][0])
                self.assertEqual(routed.channel_state, "no_partner")
                self.assertFalse(routed.channel_offer_ids)

            self._committed(check)
        finally:
            self._committed(lambda env: self._remove_fixtures(env, ids))

    @mute_logger("odoo.service.model", "odoo.addons.crm_partner_channel.models.crm_lead")
    def test_offer_reopened_by_write(self):
        """A declined offer written back to "offered" (RPC, import) counts for its partner."""

        def reopen(env, ids):
            env["crm.channel.offer"].browse(ids["offer"]).write({"state": "offered"})

        self._race(lambda env, ids: None, reopen)

    @mute_logger("odoo.service.model", "odoo.addons.crm_partner_channel.models.crm_lead")
    def test_offer_moved_by_write(self):
        """An open offer of another partner written to this partner counts for it."""

        def open_elsewhere(env, ids):
            env["crm.channel.offer"].browse(ids["offer"]).write(
                {"state": "offered", "partner_id": ids["other"]}
            )

        def move(env, ids):
            env["crm.channel.offer"].browse(ids["offer"]).write({"partner_id": ids["partner"]})

        self._race(open_elsewhere, move)
