import { registry } from "@web/core/registry";

// A person opens the preference page from the link of a marketing email and withdraws the
// consent they gave to the newsletter by email: one click, applied at once.
registry.category("web_tour.tours").add("crm_gdpr_preference_withdraw", {
    steps: () => [
        {
            content: "The newsletter by email is given",
            trigger: ".o_gdpr_choice[data-channel='email'][data-state='given']",
        },
        {
            content: "Withdraw it in one click",
            trigger: ".o_gdpr_choice[data-channel='email'][data-state='given'] .o_gdpr_withdraw",
            run: "click",
        },
        {
            content: "The page says it is withdrawn",
            trigger: ".o_gdpr_message:contains('withdrawn')",
        },
        {
            content: "The choice now reads withdrawn, and can be given again",
            trigger: ".o_gdpr_choice[data-channel='email'][data-state='withdrawn'] .o_gdpr_give",
        },
        {
            content: "The phone consent is untouched",
            trigger: ".o_gdpr_choice[data-channel='phone'][data-state='given']",
        },
    ],
});
