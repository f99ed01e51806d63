/* An object's tasks in the page header (templates/opsconsole/tasking/task_menu.html).
 *
 * They stand in a row while the row leaves the page's name whole; when it would cut the name
 * short (many tasks, long titles, a narrow window, the sidebar opened), they are gathered behind
 * a "Tasks" button instead, so the header always says which object is open. The button opens a
 * menu by mouse or keyboard: Enter or Space toggles it, the arrow keys, Home and End move through
 * its entries (disabled ones included, so their reasons can be read), Escape closes it and gives
 * the focus back to the button; a click elsewhere or the focus leaving it closes it too.
 *
 * A file of the console's own, loaded from its static files: the content security policy
 * allows no inline script.
 */
(function () {
    "use strict";

    const TITLE = "#header-inner h1";

    function nameCutShort() {
        const title = document.querySelector(TITLE);
        if (!title) {
            return false;
        }
        // The title's parts (the app, the list, the object) each truncate with an ellipsis.
        return [title, ...title.children].some((part) => part.scrollWidth > part.clientWidth + 1);
    }

    function entries(menu) {
        return Array.from(menu.querySelectorAll(".task-menu-item"));
    }

    function isOpen(menu) {
        return menu.hasAttribute("data-open");
    }

    function open(menu) {
        menu.setAttribute("data-open", "");
        menu.querySelector("[data-task-menu-toggle]").setAttribute("aria-expanded", "true");
    }

    function close(menu, { focusToggle = false } = {}) {
        const toggle = menu.querySelector("[data-task-menu-toggle]");
        menu.removeAttribute("data-open");
        toggle.setAttribute("aria-expanded", "false");
        if (focusToggle) {
            toggle.focus();
        }
    }

    function fit(menu) {
        // Laid out in a row, measured, and gathered into the menu if the name no longer fits. An
        // open menu stays open when it is still a menu (its opening may add a scroll bar).
        menu.dataset.layout = "inline";
        if (nameCutShort()) {
            menu.dataset.layout = "menu";
        } else if (isOpen(menu)) {
            close(menu);
        }
    }

    function moveFocus(menu, step) {
        const items = entries(menu);
        if (!items.length) {
            return;
        }
        const current = items.indexOf(document.activeElement);
        let next;
        if (step === "first") {
            next = 0;
        } else if (step === "last") {
            next = items.length - 1;
        } else if (current === -1) {
            next = step > 0 ? 0 : items.length - 1;
        } else {
            next = (current + step + items.length) % items.length;
        }
        items[next].focus();
    }

    function onKeydown(menu, event) {
        if (menu.dataset.layout !== "menu") {
            return;
        }
        const onToggle = event.target.closest("[data-task-menu-toggle]") !== null;
        if (event.key === "Escape" && isOpen(menu)) {
            event.preventDefault();
            close(menu, { focusToggle: true });
        } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            if (!isOpen(menu)) {
                open(menu);
            }
            moveFocus(menu, event.key === "ArrowDown" ? 1 : -1);
        } else if ((event.key === "Home" || event.key === "End") && isOpen(menu) && !onToggle) {
            event.preventDefault();
            moveFocus(menu, event.key === "Home" ? "first" : "last");
        }
    }

    function setUp(menu) {
        const toggle = menu.querySelector("[data-task-menu-toggle]");
        toggle.addEventListener("click", () => (isOpen(menu) ? close(menu) : open(menu)));
        menu.addEventListener("keydown", (event) => onKeydown(menu, event));
        menu.addEventListener("focusout", (event) => {
            if (isOpen(menu) && event.relatedTarget && !menu.contains(event.relatedTarget)) {
                close(menu);
            }
        });
        document.addEventListener("click", (event) => {
            if (isOpen(menu) && !menu.contains(event.target)) {
                close(menu);
            }
        });
        const header = document.querySelector("#header-inner");
        if (header && "ResizeObserver" in window) {
            new ResizeObserver(() => fit(menu)).observe(header);
        }
        window.addEventListener("resize", () => fit(menu));
        // The name's width changes once the web font has loaded.
        if (document.fonts) {
            document.fonts.ready.then(() => fit(menu));
        }
        fit(menu);
    }

    function start() {
        document.querySelectorAll("[data-task-menu]").forEach(setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
