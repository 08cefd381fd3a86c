{
    "name": "CRM GDPR x Partner Channel",
    "summary": "No personal data reaches a reseller partner without consent to share with partners",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "license": "LGPL-3",
    "depends": ["crm_gdpr", "crm_partner_channel"],
    "data": [
        "views/crm_lead_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
