{
    "name": "CRM Deal Ledger x B2B CPQ",
    "summary": "Quote versions and approvals on the deal ledger",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["crm-suite"],
    "depends": ["crm_deal_ledger", "crm_b2b_cpq"],
    "data": [
        "report/crm_deal_ledger_line_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
