"""Query budget of lead routing, written the stock way (see crm's test_performances.py): as a
real sales manager with their record rules, after a warm-up run, and the same count whether
five or forty leads are routed."""

from odoo.tests import tagged, users, warmup

from .common import ChannelCase


@tagged("post_install", "-at_install")
class TestRoutingQueryBudget(ChannelCase):
    def _new_leads(self, count, start=0):
        return (
            self.env["crm.lead"]
            .sudo()
            .with_context(tracking_disable=True)
            .browse(
                [
                    self._lead(f"Cold room {start + index}", self.country_be).id
                    for index in range(count)
                ]
            )
        )

    @users("channel_manager")
    @warmup
    def test_route_leads(self):
        for count, start in ((5, 0), (40, 5)):
            leads = self._new_leads(count, start).with_env(self.env)
            self.env.flush_all()
            self.env.invalidate_all()
            # the first batch also loads what routing caches (rules, tiers): 27, then 22, of
            # which one locks the chosen partners' rows (crm.channel.offer._channel_lock_partners)
            with self.assertQueryCount(channel_manager=27):
                decisions = leads._channel_route()
            self.assertEqual(len(decisions), count)
            self.assertEqual(set(decisions.lead_id.ids), set(leads.ids))
