{
    "name": "CRM GDPR",
    "summary": "GDPR consent with proof, enforcement, data-subject requests, retention",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    # account: erasure keeps posted invoices, their totals and hashes, and the legal-retention
    # hold is counted from the last posted invoice; the access archive lists invoices.
    "depends": ["crm", "mass_mailing_crm", "privacy_lookup", "portal", "account"],
    "data": [
        "security/crm_gdpr_security.xml",
        "security/ir.model.access.csv",
        "data/crm_gdpr_channel_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "wizard/crm_gdpr_consent_record_views.xml",
        "views/crm_gdpr_channel_views.xml",
        "views/crm_gdpr_purpose_views.xml",
        "views/crm_gdpr_subject_views.xml",
        "views/crm_gdpr_consent_views.xml",
        "views/crm_gdpr_receipt_views.xml",
        "views/crm_lead_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_gdpr_templates.xml",
        "views/crm_gdpr_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_gdpr/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
