{
    "name": "CRM GDPR",
    "summary": "GDPR consent with proof, enforcement, data-subject requests, retention",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm", "mass_mailing_crm", "privacy_lookup", "portal"],
    "data": [],
    "installable": True,
}
