{
    "name": "CRM Global x B2B CPQ",
    "summary": "Quotes in the deal's currency; the deal ledger in deal and company currency",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "license": "LGPL-3",
    "depends": ["crm_global", "crm_b2b_cpq", "crm_deal_ledger"],
    "data": [
        "views/sale_order_views.xml",
        "views/crm_lead_views.xml",
    ],
    "demo": ["demo/crm_global_b2b_cpq_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_global_b2b_cpq/static/tests/tours/*.js"],
    },
    "post_init_hook": "post_init_hook",
    "auto_install": True,
    "installable": True,
}
