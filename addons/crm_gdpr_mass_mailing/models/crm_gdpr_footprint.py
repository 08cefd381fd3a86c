from odoo import models


class CrmGdprSubject(models.Model):
    """The person's mailing contacts, their list memberships and the mailings sent to them:
    part of the footprint that access, portability and erasure work on."""

    _inherit = "crm.gdpr.subject"

    def _gdpr_footprint_people(self, env, emails):
        result = super()._gdpr_footprint_people(env, emails)
        result["mailing_contacts"] = env["mailing.contact"].search(
            [("email_normalized", "in", emails)]
        )
        return result

    def _gdpr_footprint_mailings(self, env, emails, footprint):
        result = super()._gdpr_footprint_mailings(env, emails, footprint)
        result["traces"] = env["mailing.trace"].search(
            [
                "|",
                ("email", "in", emails),
                "&",
                ("model", "=", "crm.lead"),
                ("res_id", "in", footprint["leads"].ids),
            ]
        )
        return result

    def _gdpr_record_refs(self, footprint):
        refs = super()._gdpr_record_refs(footprint)
        if footprint["mailing_contacts"]:
            refs["mailing.contact"] = footprint["mailing_contacts"].ids
        return refs

    def _gdpr_export_more_sections(self, fp, extra):
        sections = super()._gdpr_export_more_sections(fp, extra)
        fmt = self._gdpr_format_datetime
        sections["mailings"] = [
            {
                "mailing": trace.mass_mailing_id.subject or "",
                "email": trace.email or "",
                "status": trace.trace_status,
                "sent_on": fmt(trace.sent_datetime),
                "opened_on": fmt(trace.open_datetime),
            }
            for trace in fp["traces"]
        ]
        subscriptions = (
            self.env["mailing.subscription"]
            .sudo()
            .search([("contact_id", "in", fp["mailing_contacts"].ids)])
        )
        sections["mailing_lists"] = [
            {
                "list": subscription.list_id.name,
                "email": subscription.contact_id.email or "",
                "subscribed_on": fmt(subscription.create_date),
                "opted_out": subscription.opt_out,
                "opted_out_on": fmt(subscription.opt_out_datetime),
            }
            for subscription in subscriptions
        ]
        return sections

    def _gdpr_exported_refs(self, fp, extra):
        refs = super()._gdpr_exported_refs(fp, extra)
        refs["mailing.trace"] = fp["traces"].ids
        return refs
