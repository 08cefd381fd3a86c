{
    "name": "CRM Deal Ledger",
    "summary": "Follow each deal into orders, invoices and payments, in deal and company currency",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": ["sale_crm", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_deal_ledger_security.xml",
        "views/account_move_views.xml",
        "views/crm_lead_views.xml",
        "report/crm_deal_ledger_line_views.xml",
    ],
    "demo": ["demo/crm_deal_ledger_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_deal_ledger/static/tests/tours/*.js"],
    },
    "auto_install": False,
    "installable": True,
}
