/* Gare centrale: presence on a page (issue 13). htmx does the polling (hx-trigger on the
   [data-presence] elements); this file only ends an editor's presence when it is cancelled or its
   tab closes (a POST with the form's CSRF token), and asks again when the tab comes back.
   No inline script anywhere: CSP is script-src 'self'. */
(function () {
  "use strict";

  function leave(slot) {
    var key = slot.querySelector("input[name=editor_key]");
    var form = slot.closest("form");
    var token = form ? form.querySelector("input[name=csrf_token]") : null;
    if (!key || !key.value || !slot.dataset.presenceLeave || slot.dataset.presenceLeft) { return; }
    slot.dataset.presenceLeft = "true";
    var data = new FormData();
    data.append("editor_key", key.value);
    if (token) { data.append("csrf_token", token.value); }
    if (navigator.sendBeacon) { navigator.sendBeacon(slot.dataset.presenceLeave, data); }
  }

  function slots() { return document.querySelectorAll("[data-presence-leave]"); }

  /* Cancel (after its confirmation, if any): htmx is about to fetch the page back. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (!element.matches || !element.matches("[data-editor-cancel]")) { return; }
    var editor = element.closest("[data-editor]");
    var slot = editor ? editor.querySelector("[data-presence-leave]") : null;
    if (slot) { leave(slot); }
  });

  window.addEventListener("pagehide", function () { Array.prototype.forEach.call(slots(), leave); });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(slots(), function (slot) { delete slot.dataset.presenceLeft; });
  });

  /* Back on the tab: look at once rather than at the next tick. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !window.htmx) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-presence]"), function (element) {
      window.htmx.trigger(element, "presence:check");
    });
  });
})();
