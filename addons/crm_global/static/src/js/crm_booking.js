/** @odoo-module **/
import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Booking page: show the times in the zone the visitor's browser reports (unless they chose
 * one), tell the server that zone when they book, and apply a zone picked in the list.
 * The page for the browser's zone is fetched and swapped in place (no reload); the address
 * then carries the zone, so that going back and forth keeps it.
 */
publicWidget.registry.CrmGlobalBooking = publicWidget.Widget.extend({
    selector: ".o_crm_booking",
    events: {
        "change select[name='tz']": "_onChangeTz",
    },

    async start() {
        await this._super(...arguments);
        const browserTz = this._browserTz();
        this._fillBrowserTz(browserTz);
        const shown = this.el.dataset.tz;
        const url = new URL(window.location.href);
        if (
            browserTz &&
            shown &&
            browserTz !== shown &&
            !this.el.dataset.tzChosen &&
            !url.searchParams.has("tz") &&
            this.el.querySelector("select[name='tz']")
        ) {
            url.searchParams.set("tz", browserTz);
            try {
                const response = await fetch(url.toString(), { credentials: "same-origin" });
                if (response.ok) {
                    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
                    const fresh = doc.querySelector(".o_crm_booking");
                    if (fresh) {
                        this.el.innerHTML = fresh.innerHTML;
                        this.el.dataset.tz = fresh.dataset.tz || browserTz;
                        this.el.dataset.tzChosen = "1";
                        window.history.replaceState(null, "", url.toString());
                        this._fillBrowserTz(browserTz);
                    }
                }
            } catch {
                // keep the zone the page was rendered in
            }
        }
        this.el.dataset.tzDetected = browserTz || "none";
    },

    _browserTz() {
        try {
            return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
        } catch {
            return "";
        }
    },

    _fillBrowserTz(browserTz) {
        for (const input of this.el.querySelectorAll("input[name='browser_tz']")) {
            input.value = browserTz;
            input.setAttribute("value", browserTz);
        }
    },

    _onChangeTz(ev) {
        ev.currentTarget.form.submit();
    },
});
