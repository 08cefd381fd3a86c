/** @odoo-module **/

import { registry } from "@web/core/registry";

const SEARCH = "input.o_channel_product_search";
const CHOSEN = ".o_channel_product_chip:not(.o_channel_product_chip_model)";

registry.category("web_tour.tours").add("crm_partner_channel_products_tour", {
    url: "/my/channel/register",
    steps: () => [
        {
            content: "Customer company",
            trigger: "input[name='customer_name']",
            run: "edit Lighthouse Marine Supplies",
        },
        {
            content: "Contact",
            trigger: "input[name='contact_name']",
            run: "edit Marta Jansen",
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
                this.anchor.value = new Date(Date.now() + 45 * 86400000).toISOString().slice(0, 10);
            },
        },
        {
            content: "Type part of a product name",
            trigger: SEARCH,
            run: "edit zephyr",
        },
        {
            content: "The product open to partners is proposed",
            trigger: ".o_channel_product_results.show [role=option]:contains('Zephyr Barcode Scanner')",
        },
        {
            content: "The product closed to partners is not",
            trigger: ".o_channel_product_results.show:not(:has(:contains('Zephyr Service Kit')))",
        },
        {
            content: "Arrow down to the product",
            trigger: `${SEARCH}[aria-expanded='true']`,
            run: "press ArrowDown",
        },
        {
            content: "The product is the active option",
            trigger: ".o_channel_product_results [role=option].active[aria-selected='true']:contains('Zephyr Barcode Scanner')",
        },
        {
            content: "Choose it with Enter",
            trigger: `${SEARCH}[aria-activedescendant]`,
            run: "press Enter",
        },
        {
            content: "The product is chosen, the list closed",
            trigger: `${CHOSEN}:contains('Zephyr Barcode Scanner')`,
        },
        {
            content: "Search by internal reference",
            trigger: `${SEARCH}[aria-expanded='false']`,
            run: "edit RT-04",
        },
        {
            content: "Pick a second product with the mouse",
            trigger: ".o_channel_product_results.show [role=option]:contains('Rugged Tablet T042')",
            run: "click",
        },
        {
            content: "The second product is chosen",
            trigger: `${CHOSEN}:contains('Rugged Tablet T042')`,
        },
        {
            content: "Search again",
            trigger: `${SEARCH}[aria-expanded='false']`,
            run: "edit T043",
        },
        {
            content: "Pick a third product",
            trigger: ".o_channel_product_results.show [role=option]:contains('Rugged Tablet T043')",
            run: "click",
        },
        {
            content: "Remove the third product",
            trigger: `${CHOSEN}:contains('Rugged Tablet T043') .o_channel_product_remove`,
            run: "click",
        },
        {
            content: "The third product is gone",
            trigger: ".o_channel_product_chosen:not(:has(:contains('T043')))",
        },
        {
            content: "Register",
            trigger: "button.o_channel_register_submit",
            run: "click",
        },
        {
            content: "The registration holds the products",
            trigger: ".o_channel_pending",
        },
        {
            content: "The products of interest are shown",
            trigger: "td:contains('Zephyr Barcode Scanner'):contains('Rugged Tablet T042')",
        },
    ],
});
