/** @odoo-module **/
/**
 * Products of interest on the deal registration form: the partner types part of a product name
 * or internal reference, the server answers the products open to partners that match
 * (/my/channel/products, the access decision of the form), the partner picks as many as needed.
 * Each chosen product is a hidden input "product_ids" of the form; the server checks them again
 * on submission. A combobox as WAI-ARIA describes it: arrow keys, Enter, Escape; the result
 * count and each change are announced.
 */

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { debounce } from "@web/core/utils/timing";

export const ChannelProductPicker = publicWidget.Widget.extend({
    selector: ".o_channel_product_picker",
    events: {
        "input .o_channel_product_search": "_onInput",
        "keydown .o_channel_product_search": "_onKeydown",
        "blur .o_channel_product_search": "_onBlur",
        "mousedown .o_channel_product_results": "_onResultsMousedown",
        "click .o_channel_product_results [role=option]": "_onOptionClick",
        "click .o_channel_product_remove": "_onRemoveClick",
    },

    /**
     * @override
     */
    start() {
        this.input = this.el.querySelector(".o_channel_product_search");
        this.listbox = this.el.querySelector(".o_channel_product_results");
        this.chosen = this.el.querySelector(".o_channel_product_chosen");
        this.status = this.el.querySelector(".o_channel_product_status");
        this.url = this.el.dataset.searchUrl;
        this.results = [];
        this.activeIndex = -1;
        this.requestSeq = 0;
        this._searchDebounced = debounce(this._search.bind(this), 200);
        return this._super(...arguments);
    },

    //--------------------------------------------------------------------------
    // Private
    //--------------------------------------------------------------------------

    _text(key) {
        const span = this.el.querySelector(`.o_channel_product_texts [data-text='${key}']`);
        return span ? span.textContent.trim() : "";
    },

    _announce(message) {
        // emptied first so that the same message is announced again
        this.status.textContent = "";
        window.setTimeout(() => {
            this.status.textContent = message;
        }, 50);
    },

    _chosenIds() {
        return new Set(
            [...this.chosen.querySelectorAll(".o_channel_product_chip:not(.o_channel_product_chip_model)")].map(
                (chip) => Number(chip.dataset.id)
            )
        );
    },

    async _search() {
        const term = this.input.value.trim();
        const seq = ++this.requestSeq;
        if (!term) {
            this._close();
            return;
        }
        let products;
        try {
            ({ products } = await rpc(this.url, { term }));
        } catch {
            if (seq === this.requestSeq) {
                this._render([], this._text("failed"));
            }
            return;
        }
        if (seq !== this.requestSeq || this.input.value.trim() !== term) {
            return; // a later search answers
        }
        const chosen = this._chosenIds();
        this._render(products.filter((product) => !chosen.has(product.id)));
    },

    _render(products, message) {
        this.results = products;
        this.activeIndex = -1;
        this.listbox.replaceChildren();
        this.input.removeAttribute("aria-activedescendant");
        for (const [index, product] of products.entries()) {
            const option = document.createElement("li");
            option.id = `${this.listbox.id}_${product.id}`;
            option.setAttribute("role", "option");
            option.setAttribute("aria-selected", "false");
            option.className = "dropdown-item text-wrap o_channel_product_option";
            option.dataset.index = index;
            const name = document.createElement("bdi");
            name.textContent = product.name;
            option.append(name);
            if (product.default_code) {
                const code = document.createElement("small");
                code.className = "opacity-75 ms-2";
                const bdi = document.createElement("bdi");
                bdi.textContent = product.default_code;
                code.append(bdi);
                option.append(code);
            }
            this.listbox.append(option);
        }
        if (!products.length) {
            const empty = document.createElement("li");
            empty.className = "dropdown-item-text text-muted o_channel_product_none";
            empty.textContent = message || this._text("none");
            this.listbox.append(empty);
        }
        this.listbox.classList.add("show");
        this.input.setAttribute("aria-expanded", "true");
        this._announce(
            products.length ? `${products.length} ${this._text("found")}` : message || this._text("none")
        );
    },

    _close() {
        this.results = [];
        this.activeIndex = -1;
        this.listbox.classList.remove("show");
        this.listbox.replaceChildren();
        this.input.setAttribute("aria-expanded", "false");
        this.input.removeAttribute("aria-activedescendant");
    },

    _isOpen() {
        return this.listbox.classList.contains("show");
    },

    _setActive(index) {
        const options = this.listbox.querySelectorAll("[role=option]");
        if (!options.length) {
            return;
        }
        this.activeIndex = (index + options.length) % options.length;
        options.forEach((option, i) => {
            const active = i === this.activeIndex;
            option.classList.toggle("active", active);
            option.setAttribute("aria-selected", active ? "true" : "false");
        });
        const option = options[this.activeIndex];
        this.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
    },

    _choose(index) {
        const product = this.results[index];
        if (!product) {
            return;
        }
        if (!this._chosenIds().has(product.id)) {
            const model = this.chosen.querySelector(".o_channel_product_chip_model");
            const chip = model.cloneNode(true);
            chip.classList.remove("o_channel_product_chip_model", "d-none");
            chip.classList.add("d-inline-flex");
            chip.dataset.id = product.id;
            const input = chip.querySelector("input");
            input.disabled = false;
            input.value = product.id;
            chip.querySelector(".o_channel_product_chip_name").textContent = product.name;
            model.before(chip);
        }
        this.input.value = "";
        this._close();
        this.input.classList.remove("is-invalid");
        this._announce(`${this._text("added")} ${product.name}`);
        this.input.focus();
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    _onInput() {
        this._searchDebounced();
    },

    _onKeydown(ev) {
        switch (ev.key) {
            case "ArrowDown":
                ev.preventDefault();
                if (this._isOpen()) {
                    this._setActive(this.activeIndex + 1);
                } else {
                    this._search();
                }
                break;
            case "ArrowUp":
                if (this._isOpen()) {
                    ev.preventDefault();
                    this._setActive(this.activeIndex - 1);
                }
                break;
            case "Enter":
                // never submits the form from the search field
                ev.preventDefault();
                if (this._isOpen() && this.activeIndex >= 0) {
                    this._choose(this.activeIndex);
                } else if (this._isOpen() && this.results.length === 1) {
                    this._choose(0);
                }
                break;
            case "Escape":
                if (this._isOpen()) {
                    ev.preventDefault();
                    this._close();
                } else if (this.input.value) {
                    ev.preventDefault();
                    this.input.value = "";
                }
                break;
        }
    },

    _onBlur() {
        // after a click on an option (mousedown keeps the focus, see below)
        window.setTimeout(() => {
            if (document.activeElement !== this.input) {
                this._close();
            }
        }, 150);
    },

    _onResultsMousedown(ev) {
        ev.preventDefault(); // keep the focus in the search field
    },

    _onOptionClick(ev) {
        this._choose(Number(ev.currentTarget.dataset.index));
    },

    _onRemoveClick(ev) {
        const chip = ev.currentTarget.closest(".o_channel_product_chip");
        const name = chip.querySelector(".o_channel_product_chip_name").textContent;
        chip.remove();
        this._announce(`${this._text("removed")} ${name}`);
        this.input.focus();
    },
});

publicWidget.registry.ChannelProductPicker = ChannelProductPicker;
