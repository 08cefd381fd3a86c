{
    "name": "CRM B2B CPQ",
    "summary": "Configure, price, approve and version B2B quotes from the opportunity",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": ["sale_management", "sale_crm", "sale_margin"],
    "data": [],
    "installable": True,
}
