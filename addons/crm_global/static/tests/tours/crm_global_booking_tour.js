import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_global_booking_tour", {
    steps: () => [
        {
            content: "The page offers free times, in the zone of the visitor's browser",
            trigger: ".o_crm_booking[data-tz-detected] .o_crm_booking_day .o_crm_booking_slot",
        },
        {
            content: "Pick the first free time",
            trigger: ".o_crm_booking_day:first .o_crm_booking_slot:first",
            run: "click",
        },
        {
            content: "The confirm step has the customer's name and email filled in",
            trigger: ".o_crm_booking_confirm_step input[name='name'][value='Aroha Ngata']",
        },
        {
            trigger: ".o_crm_booking_confirm_step input[name='email'][value='aroha@example.com']",
        },
        {
            content: "The browser's zone goes with the booking",
            trigger: ".o_crm_booking_confirm_step input[name='browser_tz'][value]:not([value='']):not(:visible)",
        },
        {
            content: "Add a note",
            trigger: ".o_crm_booking_confirm_step textarea[name='note']",
            run: "edit Bring the cold-chain specs",
        },
        {
            content: "Confirm",
            trigger: ".o_crm_booking_confirm",
            run: "click",
        },
        {
            content: "The meeting is confirmed",
            trigger: ".o_crm_booking_done:contains('Your meeting is booked')",
        },
        {
            content: "It can be rescheduled or cancelled from here",
            trigger: ".o_crm_booking_reschedule",
        },
        {
            trigger: ".o_crm_booking_cancel",
        },
    ],
});
