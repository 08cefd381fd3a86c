/** @odoo-module */
import { registry } from "@web/core/registry";

// A salesperson opens her deal, reads its ledger, and drills down to its entries.
registry.category("web_tour.tours").add("crm_deal_ledger_tour", {
    steps: () => [
        {
            trigger: ".o_breadcrumb:contains('Cold store retrofit')",
            content: "The opportunity is open",
        },
        {
            trigger: ".o_notebook a[name=deal_ledger]",
            content: "Open the Ledger page",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=ledger_invoiced]:contains('1,100.00')",
            content: "Invoiced in the deal currency",
        },
        {
            trigger: ".o_field_widget[name=ledger_paid]:contains('600.00')",
            content: "Paid by a payment she cannot open",
        },
        {
            trigger: ".o_field_widget[name=ledger_outstanding]:contains('500.00')",
            content: "Still owed",
        },
        {
            trigger: "button[name=action_view_deal_ledger]",
            content: "Drill down to the deal's entries",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row td[name=kind]:contains('Payment')",
            content: "The payment entry is listed",
        },
        {
            trigger: ".o_list_view .o_data_row td[name=kind]:contains('Invoice')",
            content: "The invoice entry is listed: a click opens the invoice",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_breadcrumb .active:contains('INV/')",
            content: "The invoice is open",
        },
    ],
});
