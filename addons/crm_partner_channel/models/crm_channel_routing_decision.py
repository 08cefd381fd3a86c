from markupsafe import Markup, escape

from odoo import api, fields, models

OUTCOMES = [
    ("offered", "Offered by the rules"),
    ("fallback", "Offered to the fallback partner"),
    ("none", "No partner available"),
    ("manual", "Assigned by the vendor"),
]


class CrmChannelRoutingDecision(models.Model):
    """Why a lead went to a partner: the rules run in order (which applied, how many partners each
    kept), the candidates left with their scores, and the outcome. Internal: partners never see
    it (it names other partners)."""

    _name = "crm.channel.routing.decision"
    _description = "Channel Routing Decision"
    _order = "id desc"
    _check_company_auto = True

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    partner_id = fields.Many2one("res.partner", string="Chosen Partner", index="btree_not_null")
    grade_id = fields.Many2one("res.partner.grade", string="Tier")
    outcome = fields.Selection(OUTCOMES, required=True)
    candidate_count = fields.Integer("Eligible Partners")
    explanation = fields.Json(
        "Explanation Data",
        help="Technical: the rules applied, the candidates kept and the reason, as JSON.",
    )
    explanation_html = fields.Html(
        "Explanation", compute="_compute_explanation_html", sanitize=False
    )

    @api.depends("lead_id")
    def _compute_display_name(self):
        for decision in self:
            decision.display_name = self.env._(
                "Routing of %(lead)s", lead=decision.lead_id.display_name
            )

    @api.depends("explanation", "outcome", "partner_id")
    def _compute_explanation_html(self):
        for decision in self:
            decision.explanation_html = decision._channel_render_explanation()

    def _channel_render_explanation(self):
        self.ensure_one()
        data = self.explanation or {}
        _ = self.env._
        rows = []
        for step in data.get("steps", []):
            if not step.get("applied"):
                verdict = _("not applicable")
            elif step.get("ignored"):
                verdict = _("ignored: no partner passed it")
            else:
                verdict = _("%(before)s → %(after)s partners", **step)
            rows.append(
                Markup("<li><b>%s</b> (%s): %s</li>")
                % (step.get("rule", ""), step.get("type", ""), verdict)
            )
        candidates = [
            Markup("<li>%s — %s: %s %s, %s %s</li>")
            % (
                candidate.get("name", ""),
                candidate.get("tier", ""),
                _("score"),
                candidate.get("credit", 0),
                _("open offers"),
                candidate.get("open_offers", 0),
            )
            for candidate in data.get("candidates", [])
        ]
        html = Markup("<p>%s</p>") % (data.get("reason") or "")
        if rows:
            html += Markup("<p>%s</p><ol>%s</ol>") % (_("Rules, in order:"), Markup().join(rows))
        if candidates:
            html += Markup("<p>%s</p><ul>%s</ul>") % (
                _("Best candidates (of %s):", self.candidate_count),
                Markup().join(candidates),
            )
        return html if html else escape("")
