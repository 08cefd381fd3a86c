{
    "name": "CRM GDPR x Accounting",
    "summary": "Erasure keeps the books verifiable: invoices, their hashes and legal holds stay",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "license": "LGPL-3",
    "depends": ["crm_gdpr", "account"],
    "data": [
        "views/crm_gdpr_legal_hold_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
