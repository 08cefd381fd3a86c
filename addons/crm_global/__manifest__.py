{
    "name": "CRM Global",
    "summary": "Deal currencies at dated rates, customer time zones, right-to-left",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm", "calendar", "resource", "portal"],
    "data": [],
    "installable": True,
}
