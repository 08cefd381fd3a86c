{
    "name": "CRM GDPR x Mass Mailing",
    "summary": "Mass mailings go only to people who consented to their purpose; unsubscribing "
    "withdraws with a receipt",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "license": "LGPL-3",
    "depends": ["crm_gdpr", "mass_mailing"],
    "data": [
        "data/crm_gdpr_retention_rule_data.xml",
        "views/mailing_mailing_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
