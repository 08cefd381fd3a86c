import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..claim import claim_sql
from .crm_gdpr_receipt import HASHED_COLUMNS, receipt_hash
from .crm_gdpr_receipt_chain import GENESIS_HASH, chain_key

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
        """One verification for workers that run the job at the same moment: each claims the
        parameter that records the job's last run (FOR UPDATE SKIP LOCKED) and moves it; a
        worker that finds it held by another one, or moved by one since its own transaction
        began, leaves the verification to that one."""
        param = self.env.ref("crm_gdpr.receipt_check_last_run", raise_if_not_found=False)
        if param:
            claimed = claim_sql(
                self.env,
                SQL(
                    "SELECT id FROM ir_config_parameter WHERE id = %s FOR UPDATE SKIP LOCKED",
                    param.id,
                ),
            )
            if not claimed:
                _logger.info("Consent receipt chain verified by another worker at the same time")
                return
            self.env.cr.execute(
                "UPDATE ir_config_parameter SET value = %s WHERE id = %s",
                (fields.Datetime.to_string(fields.Datetime.now()), param.id),
            )
        check = self.sudo()._run()
        # Outside the database: a restore of the whole database to an earlier copy shows as a
        # head older than the one logged here.
        _logger.info(
            "Consent receipt chain verified: %s, head at receipt %s, hash %s",
            check.state,
            check.head_sequence,
            check.head_hash,
        )

    @api.model
    def _run(self):
        """Verify the whole chain and store the outcome."""
        self.env["crm.gdpr.receipt"].flush_model()
        chain = self.env["crm.gdpr.receipt.chain"]._get_main()
        key = chain_key(self.env)
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
                if receipt_hash(row, key) != row["hash"]:
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
        if not chain._seal_ok():
            problems.append(
                (
                    head_sequence or 1,
                    "head",
                    self.env._(
                        "The chain head (receipt %s) does not carry its seal: it was moved or "
                        "changed outside Odoo.",
                        head_sequence,
                    ),
                )
            )
        problems += self._consent_problems()
        check = self.create(
            {
                "state": "broken" if problems else "ok",
                "receipt_count": count,
                "head_sequence": head_sequence,
                "head_hash": head_hash,
                "first_broken_sequence": min(
                    (p[0] for p in problems if p[1] != "consent"), default=0
                ),
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

    @api.model
    def _consent_problems(self):
        """Consents whose state is not the one their last receipt moved them to (or that have
        no receipt at all): changed outside Odoo. Such consents allow no processing either (see
        crm.gdpr.consent._gdpr_reason_sql)."""
        self.env["crm.gdpr.consent"].flush_model(["state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id, c.state, r.sequence, r.state_to
                  FROM crm_gdpr_consent c
             LEFT JOIN LATERAL (
                       SELECT sequence, state_to FROM crm_gdpr_receipt
                        WHERE consent_id = c.id ORDER BY sequence DESC LIMIT 1) r ON true
                 WHERE r.state_to IS DISTINCT FROM c.state
              ORDER BY c.id
                """
            )
        )
        return [
            (
                sequence or 0,
                "consent",
                self.env._(
                    "Consent %(consent)s is %(state)s but its last receipt (%(receipt)s) says "
                    "%(receipt_state)s: it was changed outside Odoo.",
                    consent=consent_id,
                    state=state,
                    receipt=sequence or self.env._("none"),
                    receipt_state=receipt_state or self.env._("nothing"),
                ),
            )
            for consent_id, state, sequence, receipt_state in rows
        ]


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
            ("consent", "Consent disagrees with its receipts"),
        ],
        readonly=True,
    )
    description = fields.Char(readonly=True)
