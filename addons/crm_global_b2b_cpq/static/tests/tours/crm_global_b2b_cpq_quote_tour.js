/** @odoo-module */
import { registry } from "@web/core/registry";

// A salesperson starts a quotation from a deal negotiated in yen: it is priced in yen.
registry.category("web_tour.tours").add("crm_global_b2b_cpq_quote_tour", {
    steps: () => [
        {
            trigger: ".o_breadcrumb:contains('Telematics roll-out for Kansai Cold Chain KK')",
            content: "The opportunity is open",
        },
        {
            trigger: "button[name=action_sale_quotations_new]",
            content: "Start a quotation from the opportunity",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=pricelist_id] input:value(Japan Export (JPY))",
            content: "The quotation is on the pricelist of the deal currency",
        },
        {
            trigger: "a:contains('Add a product')",
            content: "Add a line",
            run: "click",
        },
        {
            trigger: "div[name=product_template_id] input",
            run: "edit Telematics Gateway",
        },
        {
            trigger: "ul.ui-autocomplete a:contains('Telematics Gateway G3')",
            run: "click",
        },
        {
            trigger: ".o_field_cell[name=price_subtotal]:contains('67,500')",
            content: "450 USD priced in yen",
        },
        {
            trigger: ".o_form_button_save",
            content: "Save the quotation",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
            content: "Saved",
        },
    ],
});
