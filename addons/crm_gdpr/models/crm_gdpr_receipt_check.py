import logging

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_gdpr_receipt import HASHED_COLUMNS, receipt_hash
from .crm_gdpr_receipt_chain import GENESIS_HASH

_logger = logging.getLogger(__name__)

BATCH = 5000


class CrmGdprReceiptCheck(models.Model):
    """One run of the receipt chain verification, kept as evidence: it recomputes every hash
    from the stored columns (read in SQL, past the ORM) and follows the links from the first
    receipt to the chain head."""

    _name = "crm.gdpr.receipt.check"
    _description = "Consent Receipt Verification"
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    state = fields.Selection(
        [("ok", "Intact"), ("broken", "Tampered")], required=True, readonly=True
    )
    receipt_count = fields.Integer(string="Receipts Checked", readonly=True)
    head_sequence = fields.Integer(readonly=True)
    head_hash = fields.Char(readonly=True)
    first_broken_sequence = fields.Integer(readonly=True)
    problem_ids = fields.One2many("crm.gdpr.receipt.check.problem", "check_id", readonly=True)
    problem_count = fields.Integer(compute="_compute_problem_count")

    def _compute_problem_count(self):
        for check in self:
            check.problem_count = len(check.problem_ids)

    @api.model
    def action_run_check(self):
        check = self.sudo()._run()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": check.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _cron_verify(self):
        self.sudo()._run()

    @api.model
    def _run(self):
        """Verify the whole chain and store the outcome."""
        self.env["crm.gdpr.receipt"].flush_model()
        chain = self.env["crm.gdpr.receipt.chain"]._get_main()
        problems = []
        expected_sequence, previous_hash, count = 1, GENESIS_HASH, 0
        columns = SQL(", ").join(SQL.identifier(c) for c in (*HASHED_COLUMNS, "hash", "id"))
        last_sequence = 0
        while True:
            rows = self.env.execute_query_dict(
                SQL(
                    "SELECT %s FROM crm_gdpr_receipt WHERE sequence > %s "
                    "ORDER BY sequence LIMIT %s",
                    columns,
                    last_sequence,
                    BATCH,
                )
            )
            if not rows:
                break
            for row in rows:
                count += 1
                sequence = row["sequence"]
                if sequence != expected_sequence:
                    problems.append(
                        (
                            expected_sequence,
                            "missing",
                            self.env._(
                                "Receipts %(first)s to %(last)s are missing (deleted).",
                                first=expected_sequence,
                                last=sequence - 1,
                            ),
                        )
                    )
                if row["previous_hash"] != previous_hash:
                    problems.append(
                        (
                            sequence,
                            "link",
                            self.env._(
                                "Receipt %s does not follow the receipt before it.", sequence
                            ),
                        )
                    )
                if receipt_hash(row) != row["hash"]:
                    problems.append(
                        (
                            sequence,
                            "altered",
                            self.env._("Receipt %s was altered after it was written.", sequence),
                        )
                    )
                previous_hash = row["hash"]
                expected_sequence = sequence + 1
            last_sequence = rows[-1]["sequence"]
        head_sequence, head_hash = chain.last_sequence, chain.last_hash
        if (head_sequence, head_hash) != (expected_sequence - 1, previous_hash):
            problems.append(
                (
                    min(head_sequence, expected_sequence - 1) + 1 or 1,
                    "head",
                    self.env._(
                        "The chain ends at receipt %(found)s but its head says %(head)s: "
                        "receipts were removed from the end, or the head was changed.",
                        found=expected_sequence - 1,
                        head=head_sequence,
                    ),
                )
            )
        check = self.create(
            {
                "state": "broken" if problems else "ok",
                "receipt_count": count,
                "head_sequence": head_sequence,
                "head_hash": head_hash,
                "first_broken_sequence": min(p[0] for p in problems) if problems else 0,
                "problem_ids": [
                    fields.Command.create({"sequence": seq, "kind": kind, "description": text})
                    for seq, kind, text in problems
                ],
            }
        )
        if problems:
            _logger.warning(
                "Consent receipt chain verification found %s problem(s), first at receipt %s",
                len(problems),
                check.first_broken_sequence,
            )
        return check


class CrmGdprReceiptCheckProblem(models.Model):
    _name = "crm.gdpr.receipt.check.problem"
    _description = "Consent Receipt Verification Problem"
    _order = "sequence, id"

    check_id = fields.Many2one(
        "crm.gdpr.receipt.check", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(string="Receipt", readonly=True)
    kind = fields.Selection(
        [
            ("missing", "Missing receipts"),
            ("link", "Broken link"),
            ("altered", "Altered receipt"),
            ("head", "Chain end changed"),
        ],
        readonly=True,
    )
    description = fields.Char(readonly=True)
