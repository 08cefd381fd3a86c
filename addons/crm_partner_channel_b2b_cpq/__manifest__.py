{
    "name": "CRM Partner Channel x B2B CPQ",
    "summary": "Resellers prepare, submit and send quotes for their deals in the portal",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "depends": ["crm_partner_channel", "crm_b2b_cpq"],
    "data": [
        "data/mail_template_data.xml",
        "views/res_partner_grade_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_views.xml",
        "views/crm_channel_scorecard_views.xml",
        "views/portal_templates.xml",
        "report/sale_order_report_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_partner_channel_b2b_cpq/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
    "installable": True,
}
