{
    "name": "CRM Partner Channel",
    "summary": "Resellers in the portal: routing, offers, deal registration",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": ["website_crm_partner_assign", "portal"],
    "data": [],
    "installable": True,
}
