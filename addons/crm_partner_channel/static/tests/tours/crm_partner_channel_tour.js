/** @odoo-module **/

import { registry } from "@web/core/registry";

function inDays(days) {
    return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

function registerDealSteps(contactName) {
    return [
        {
            content: "Open the registration form",
            trigger: "a.o_channel_new_registration",
            run: "click",
        },
        {
            content: "Customer company",
            trigger: "input[name='customer_name']",
            run: "edit Lighthouse Marine Supplies",
        },
        {
            content: "Contact",
            trigger: "input[name='contact_name']",
            run: `edit ${contactName}`,
        },
        {
            content: "Email",
            trigger: "input[name='email']",
            run: "edit purchasing@lighthouse-marine.example.com",
        },
        {
            content: "Expected revenue",
            trigger: "input[name='expected_revenue']",
            run: "edit 36000",
        },
        {
            content: "Expected closing",
            trigger: "input[name='date_close_expected']",
            run() {
                this.anchor.value = inDays(45);
            },
        },
        {
            content: "Register",
            trigger: "button.o_channel_register_submit",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("crm_partner_channel_tour", {
    url: "/web/login",
    steps: () => [
        {
            content: "Login",
            trigger: "input[name='login']",
            run: "edit tour_partner",
        },
        {
            content: "Password",
            trigger: "input[name='password']",
            run: "edit tour_partner",
        },
        {
            content: "Sign in",
            trigger: "button[type='submit']:contains('Log in')",
            run: "click",
        },
        {
            content: "Go to the deal registrations",
            trigger: "a[href='/my/channel/registrations']",
            run: "click",
        },
        ...registerDealSteps("Marta Jansen"),
        {
            content: "The first registration waits for the vendor, without conflict",
            trigger: ".o_channel_pending",
        },
        {
            content: "Back to the registrations",
            trigger: ".breadcrumb a[href='/my/channel/registrations']",
            run: "click",
        },
        ...registerDealSteps("Marta J."),
        {
            content: "The duplicate shows the conflict message, naming nobody",
            trigger: ".o_channel_conflict:contains('Possible conflict')",
        },
        {
            content: "Back home",
            trigger: ".breadcrumb a[href='/my/home']",
            run: "click",
        },
        {
            content: "Open the offers",
            trigger: "a[href='/my/leads']",
            run: "click",
        },
        {
            content: "Open the offer",
            trigger: "a:contains('Harbour cranes telemetry')",
            run: "click",
        },
        {
            content: "The contact stays hidden before acceptance",
            trigger: ".o_channel_contact_hidden",
        },
        {
            content: "Accept the offer",
            trigger: "button.o_channel_accept",
            run: "click",
        },
        {
            content: "Move the deal to a later stage",
            trigger: "button.o_channel_stage[data-stage='Tour Proposal']",
            run: "click",
        },
        {
            content: "The deal is at the later stage",
            trigger: "button.o_channel_stage.btn-primary[data-stage='Tour Proposal']",
        },
    ],
});
