/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_partner_channel_b2b_cpq_tour", {
    steps: () => [
        {
            content: "Create a quote for the deal",
            trigger: "button.o_channel_new_quote",
            run: "click",
        },
        {
            content: "Pick the dual-CPU server from the partner catalogue",
            trigger: "select.o_channel_new_product",
            run: "selectByLabel Dual CPU",
        },
        {
            content: "Two of them",
            trigger: "input[name='qty_new']",
            run: "edit 2",
        },
        {
            content: "A discount beyond the vendor's policy",
            trigger: "input[name='discount_new']",
            run: "edit 15",
        },
        {
            content: "Save: the server prices the line",
            trigger: "button.o_channel_quote_save",
            run: "click",
        },
        {
            content: "The configuration rule is shown",
            trigger: ".o_channel_config_issues:contains('Dual CPU needs the redundant power supply')",
        },
        {
            content: "Submit anyway",
            trigger: "button.o_channel_quote_submit",
            run: "click",
        },
        {
            content: "Submission refused, with the rule",
            trigger: ".o_channel_error:contains('Dual CPU needs the redundant power supply')",
        },
        {
            content: "Choose the redundant power supply",
            trigger: "select.o_channel_option[data-attribute='Power Supply']",
            run: "selectByLabel Redundant",
        },
        {
            content: "Save the fix",
            trigger: "button.o_channel_quote_save",
            run: "click",
        },
        {
            content: "Saved, the rule is met",
            trigger: ".o_channel_quote_message",
        },
        {
            content: "Submit",
            trigger: "button.o_channel_quote_submit",
            run: "click",
        },
        {
            content: "Waiting for the vendor's approval, with the reason",
            trigger: ".o_channel_quote_status[data-status='to_approve']",
        },
        {
            content: "The reason names the policy",
            trigger: ".o_channel_quote_note:contains('Channel Sales policy')",
        },
    ],
});
