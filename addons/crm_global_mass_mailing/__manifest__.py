{
    "name": "CRM Global x Mass Mailing",
    "summary": "Mailings that reach each recipient at a local time, in their business hours",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "license": "LGPL-3",
    "depends": ["crm_global", "mass_mailing"],
    "data": [
        "security/ir.model.access.csv",
        "views/crm_mailing_schedule_templates.xml",
        "views/mailing_mailing_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
