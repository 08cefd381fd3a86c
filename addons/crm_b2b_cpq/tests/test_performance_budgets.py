"""Query budget of CPQ pricing, written the stock way (see crm's test_performances.py): as the
real salesperson with their record rules, after a warm-up run, and the same count whether a
quote of five or twenty lines is priced again."""

from odoo.fields import Command
from odoo.tests import tagged, users, warmup

from .common import CpqCommon


@tagged("post_install", "-at_install")
class TestPricingQueryBudget(CpqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parts = cls.env["product.product"].create(
            [
                {
                    "name": f"Spare part {index:02d}",
                    "list_price": 50.0 + index,
                    "standard_price": 20.0 + index,
                    "taxes_id": [Command.clear()],
                }
                for index in range(20)
            ]
        )
        for index, part in enumerate(cls.parts):
            cls._tiered_rule(
                part,
                ("volume", "graduated", "block")[index % 3],
                [(10, 45.0 + index), (50, 40.0 + index)],
                fixed_price=50.0 + index,
                cpq_block_size=5.0,
            )

    @users("cpq_rep")
    @warmup
    def test_price_a_quote(self):
        for size in (5, 20):
            order = self._quote([(part, 9) for part in self.parts[:size]]).with_env(self.env)
            self.env.flush_all()
            self.env.invalidate_all()
            # 38 before quotes kept the teams that bound their policy (one read of them)
            with self.assertQueryCount(cpq_rep=39):
                order.order_line.write({"product_uom_qty": 12})  # across the first tier
                self.env.flush_all()
            self.assertTrue(all(line.cpq_tier_id for line in order.order_line), "tiers apply")
