import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_global_booking_tour", {
    steps: () => [
        {
            content: "The page offers free times in the customer's time zone",
            trigger: ".o_crm_booking_day .o_crm_booking_slot",
        },
        {
            content: "Pick the first free time",
            trigger: ".o_crm_booking_day:first .o_crm_booking_slot:first",
            run: "click",
        },
        {
            content: "The meeting is confirmed",
            trigger: ".o_crm_booking_done:contains('Your meeting is booked')",
        },
    ],
});
