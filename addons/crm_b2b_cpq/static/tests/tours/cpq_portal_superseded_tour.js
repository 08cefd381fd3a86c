import { registry } from "@web/core/registry";
import { redirect } from "@web/core/utils/urls";

// A customer opens a superseded version of a quotation (the link of an older email), learns that
// it was superseded, follows the link to the current version and accepts it. Data comes from the
// Python test (test_portal.py).
registry.category("web_tour.tours").add("crm_b2b_cpq_portal_superseded", {
    steps: () => [
        {
            content: "The old version says it was superseded",
            trigger: ".o_cpq_superseded:contains(superseded)",
        },
        {
            content: "The old version cannot be accepted",
            trigger: "#quote_content:not(:has(a[data-bs-target='#modalaccept']))",
        },
        {
            content: "Go to the current version",
            trigger: "a.o_cpq_current_version_link",
            run: "click",
        },
        {
            content: "The current version is open",
            trigger: "#introduction:contains(-R1)",
        },
        {
            content: "Accept and sign the current version",
            trigger: "#sale_order_sidebar_button a[data-bs-target='#modalaccept']",
            run: "click",
        },
        {
            content: "Choose a signature style",
            trigger: ".o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            content: "Pick a style",
            trigger: ".o-dropdown-item:eq(2)",
            run: "click",
        },
        {
            content: "Sign",
            trigger: ".o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: "#quote_content:contains(Your order has been confirmed)",
        },
        {
            trigger: "#quote_content",
            run: function () {
                redirect("/odoo");
            },
        },
        {
            trigger: "nav",
        },
    ],
});
