/* Gare centrale: the little JavaScript the wiki needs on top of htmx.
   Editing comfort (double-click to edit, shortcuts, toolbar, drafts, leave warning) and
   keyboard navigation of search suggestions. No inline script anywhere: CSP is script-src 'self'. */
(function () {
  "use strict";

  var DRAFT_PREFIX = "gare-centrale:draft:";
  var DRAFT_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
  var dirtyEditors = new WeakSet();

  function editorOf(element) { return element && element.closest ? element.closest("[data-editor]") : null; }
  function textareaOf(editor) { return editor.querySelector("textarea[name=body]"); }
  function draftKey(editor) { return DRAFT_PREFIX + editor.dataset.slug + (editor.dataset.section ? "#" + editor.dataset.section : ""); }

  function readDraft(editor) {
    try {
      var draft = JSON.parse(localStorage.getItem(draftKey(editor)) || "null");
      if (draft && Date.now() - draft.at < DRAFT_MAX_AGE_MS) { return draft; }
    } catch (error) { /* a broken draft is no draft */ }
    return null;
  }

  function saveDraft(editor) {
    var title = editor.querySelector("input[name=title]");
    try {
      localStorage.setItem(draftKey(editor), JSON.stringify({
        body: textareaOf(editor).value, title: title ? title.value : "", at: Date.now()
      }));
    } catch (error) { /* storage full or disabled: the warning before leaving still protects the text */ }
  }

  function forgetDraft(editor) {
    try { localStorage.removeItem(draftKey(editor)); } catch (error) { /* nothing to forget */ }
  }

  /* Offer back a draft that differs from what the editor opened with. */
  function offerDraft(editor) {
    var draft = readDraft(editor);
    var offer = editor.querySelector("[data-draft-offer]");
    var textarea = textareaOf(editor);
    if (!draft || !offer || draft.body === textarea.value) { return; }
    offer.hidden = false;
    offer.querySelector("[data-draft-restore]").addEventListener("click", function () {
      textarea.value = draft.body;
      var title = editor.querySelector("input[name=title]");
      if (title && draft.title) { title.value = draft.title; }
      offer.hidden = true;
      dirtyEditors.add(editor);
      htmx.trigger(textarea, "input");
      textarea.focus();
    });
    offer.querySelector("[data-draft-discard]").addEventListener("click", function () {
      forgetDraft(editor);
      offer.hidden = true;
      textarea.focus();
    });
  }

  var draftTimers = new WeakMap();
  document.addEventListener("input", function (event) {
    var editor = editorOf(event.target);
    if (!editor) { return; }
    dirtyEditors.add(editor);
    clearTimeout(draftTimers.get(editor));
    draftTimers.set(editor, setTimeout(function () { saveDraft(editor); }, 300));
  });

  function anyDirtyEditor() {
    var editors = document.querySelectorAll("[data-editor]");
    for (var i = 0; i < editors.length; i++) { if (dirtyEditors.has(editors[i])) { return true; } }
    return false;
  }

  window.addEventListener("beforeunload", function (event) {
    if (anyDirtyEditor()) { event.preventDefault(); event.returnValue = ""; }
  });

  /* A submitted form is no longer "unsaved" for the leave warning; its draft stays until the save succeeds. */
  document.addEventListener("submit", function (event) {
    var editor = editorOf(event.target);
    if (editor) { dirtyEditors.delete(editor); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var editor = editorOf(event.detail.elt);
    var form = event.detail.elt;
    // 4xx answers are swapped (not "errors" for htmx), so judge the save by its status.
    if (editor && form.matches("form[data-editor-form]") && event.detail.xhr.status < 300) {
      dirtyEditors.delete(editor);
      forgetDraft(editor);
    } else if (editor && form.matches("form[data-editor-form]")) {
      dirtyEditors.add(editor);
    }
  });

  /* Errors htmx does not swap in (an expired session, a lost connection) still get a clear word. */
  function announce(text) {
    var messages = document.getElementById("messages");
    if (!messages || !text) { return; }
    var message = document.createElement("p");
    message.className = "message message-error";
    message.setAttribute("role", "alert");
    message.textContent = text;
    messages.replaceChildren(message);
  }
  document.addEventListener("htmx:responseError", function () { announce(document.body.dataset.errorServer); });
  document.addEventListener("htmx:sendError", function () { announce(document.body.dataset.errorNetwork); });

  /* The address bar follows in-place editing: opening the editor pushes /wiki/<slug>/edit (a reload
     opens the full editor, which offers the draft back), saving or cancelling replaces it with the
     page's own address. htmx restores only the entries it made, so it is given the first one too:
     "back" from the editor then brings the page back. */
  if (window.history && window.history.state === null) {
    window.history.replaceState({ htmx: true }, "", window.location.href);
  }

  /* Cancel asks first when there are unsaved changes. */
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var editor = editorOf(element);
    if (!editor || !element.matches("[data-editor-cancel]") || !dirtyEditors.has(editor)) { return; }
    event.preventDefault();
    if (window.confirm(editor.dataset.confirmCancel)) {
      dirtyEditors.delete(editor);
      forgetDraft(editor);
      event.detail.issueRequest(true);
    }
  });

  /* Ctrl/Cmd+Enter saves, Escape cancels; in the text, Ctrl/Cmd+B bolds and Ctrl/Cmd+I italicises
     (the toolbar's buttons say so in aria-keyshortcuts). */
  var SHORTCUTS = { b: "bold", i: "italic" };
  document.addEventListener("keydown", function (event) {
    var editor = editorOf(event.target);
    if (!editor) { return; }
    var modifier = (event.ctrlKey || event.metaKey) && !event.altKey;
    if (event.key === "Enter" && modifier) {
      event.preventDefault();
      editor.querySelector("form[data-editor-form]").requestSubmit();
    } else if (modifier && !event.shiftKey && SHORTCUTS[event.key.toLowerCase()] && event.target === textareaOf(editor)) {
      event.preventDefault();
      insertSnippet(editor, SHORTCUTS[event.key.toLowerCase()]);
    } else if (event.key === "Escape") {
      var cancel = editor.querySelector("[data-editor-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    }
  });

  /* Double-click on the text opens the editor, as the "Modifier" button does. */
  document.addEventListener("dblclick", function (event) {
    var article = event.target.closest("[data-article]");
    if (!article || event.target.closest("a, button, input, textarea, select, summary")) { return; }
    var button = article.querySelector("[data-edit-button]");
    if (!button) { return; }
    var selection = window.getSelection();
    if (selection) { selection.removeAllRanges(); }
    button.click();
  });

  /* Section edit links sit inside the author's content, where htmx is disabled on purpose. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-article] a.section-edit");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    htmx.ajax("GET", link.getAttribute("href"), { target: "#article", swap: "outerHTML", push: "true" });
  });

  /* The toolbar inserts Markdown around the selection. */
  var SNIPPETS = {
    heading: ["\n## ", "", "Titre"], bold: ["**", "**", "texte en gras"], italic: ["*", "*", "texte en italique"],
    list: ["\n- ", "", "élément"], link: ["[", "](https://)", "texte du lien"], wikilink: ["[[", "]]", "Nom de la page"],
    table: ["\n| Colonne 1 | Colonne 2 |\n| --- | --- |\n| ", " | |\n", "texte"]
  };
  function insertSnippet(editor, name) {
    var snippet = SNIPPETS[name];
    var textarea = textareaOf(editor);
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var selected = textarea.value.slice(start, end) || snippet[2];
    textarea.setRangeText(snippet[0] + selected + snippet[1], start, end, "end");
    var selectedStart = start + snippet[0].length;
    textarea.setSelectionRange(selectedStart, selectedStart + selected.length);
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-md]");
    var editor = editorOf(button);
    if (button && editor) { insertSnippet(editor, button.dataset.md); }
  });

  /* The toolbar is one stop for Tab (WAI-ARIA toolbar pattern): the arrow keys, Home and End move
     between its buttons, Enter or Space presses one, and Tab goes on to the text. */
  function setUpToolbar(toolbar) {
    var buttons = toolbar.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].tabIndex = i === 0 ? 0 : -1; }
  }
  document.addEventListener("keydown", function (event) {
    var toolbar = event.target.closest && event.target.closest("[data-editor] [role=toolbar]");
    if (!toolbar || event.target.tagName !== "BUTTON") { return; }
    var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
    var index = buttons.indexOf(event.target), next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") { next = buttons[(index + 1) % buttons.length]; }
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { next = buttons[(index - 1 + buttons.length) % buttons.length]; }
    else if (event.key === "Home") { next = buttons[0]; }
    else if (event.key === "End") { next = buttons[buttons.length - 1]; }
    if (!next) { return; }
    event.preventDefault();
    buttons.forEach(function (button) { button.tabIndex = button === next ? 0 : -1; });
    next.focus();
  });

  /* When an editor arrives (page load or swap): offer its draft, focus the text. */
  function setUpEditors(root) {
    var editors = root.matches && root.matches("[data-editor]") ? [root] : root.querySelectorAll("[data-editor]");
    for (var i = 0; i < editors.length; i++) {
      offerDraft(editors[i]);
      Array.prototype.forEach.call(editors[i].querySelectorAll("[role=toolbar]"), setUpToolbar);
      if (editors[i].dataset.conflict === undefined) { dirtyEditors.delete(editors[i]); } else { dirtyEditors.add(editors[i]); }
    }
    if (editors.length && root !== document) { textareaOf(editors[0]).focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { setUpEditors(document); });
  document.addEventListener("htmx:load", function (event) { setUpEditors(event.detail.elt); });

  /* Focus is never lost in a swap: when the element that had it is replaced (Save or Cancel in the
     editor, a follow button, a review verdict, the tags form), it goes to the new content's
     [data-focus-after-swap] (the article's "Edit" button), else its first control, else the new
     content itself. htmx already keeps it on an element with the same id, and honours autofocus. */
  var focusWasIn = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusWasIn = active && active !== document.body && event.detail.target.contains(active) ? event.detail.target : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target, active = document.activeElement;
    if (!focusWasIn || !root.isConnected || root.closest("#messages")) { return; }
    focusWasIn = null;
    if (active && active !== document.body && active.isConnected) { return; }
    var target = root.querySelector("[data-focus-after-swap]") ||
      root.querySelector("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary");
    if (!target) { target = root; if (!root.hasAttribute("tabindex")) { root.setAttribute("tabindex", "-1"); } }
    var messages = document.getElementById("messages");
    if (root.matches("[data-article]") && messages && messages.textContent.trim()) {
      // back from the editor: the notice ("published", "waits for review by …") in sight above the page
      messages.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
      var box = target.getBoundingClientRect();
      if (box.bottom > window.innerHeight || box.top < 0) { target.scrollIntoView({ block: "nearest" }); }
    } else {
      target.focus();
    }
  });

  /* The page's tabs and its title say which view is shown when the editor opens or closes in place. */
  document.addEventListener("htmx:afterSettle", function () {
    var tabs = document.querySelector("nav.page-tabs");
    if (!tabs || !tabs.querySelector("[data-tab=show]")) { return; }
    var view = document.querySelector("main [data-editor], main [data-article]");
    var shown = view ? (view.matches("[data-editor]") ? "edit" : "show") : null;
    if (!shown) { return; }
    var heading = view.querySelector("h1"), brand = document.querySelector(".site-header .brand");
    if (heading && brand) { document.title = heading.textContent.replace(/\s+/g, " ").trim() + " · " + brand.textContent.trim(); }
    Array.prototype.forEach.call(tabs.querySelectorAll("[data-tab]"), function (tab) {
      if (tab.dataset.tab === shown) { tab.setAttribute("aria-current", "page"); } else { tab.removeAttribute("aria-current"); }
    });
  });

  /* Search suggestions: arrow keys move between the input and the suggested links. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    var form = event.target.closest("form.search");
    if (!form) { return; }
    var links = Array.prototype.slice.call(form.querySelectorAll("#search-suggestions a"));
    if (!links.length) { return; }
    var index = links.indexOf(document.activeElement);
    event.preventDefault();
    if (event.key === "ArrowDown") { (links[index + 1] || links[0]).focus(); }
    else if (index <= 0) { form.querySelector("input[name=q]").focus(); }
    else { links[index - 1].focus(); }
  });
})();

/* The account menu in the header (a <details>): Escape or a click elsewhere closes it. */
(function () {
  "use strict";
  function openMenus() { return document.querySelectorAll("details[data-account-menu][open]"); }
  document.addEventListener("click", function (event) {
    Array.prototype.forEach.call(openMenus(), function (menu) { if (!menu.contains(event.target)) { menu.open = false; } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    Array.prototype.forEach.call(openMenus(), function (menu) {
      if (menu.contains(document.activeElement)) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
})();

/* A table or code block wider than the screen scrolls inside itself; keyboard users reach it with Tab
   (and scroll it with the arrow keys), as WCAG 2.1.1 asks (axe: scrollable-region-focusable). */
(function () {
  "use strict";
  var SCROLLERS = ".prose table, main pre";
  function markScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), function (element) {
      var scrolls = element.scrollWidth > element.clientWidth + 1;
      if (scrolls && !element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "0"); element.dataset.scrollFocus = ""; }
      else if (!scrolls && element.dataset.scrollFocus !== undefined) { element.removeAttribute("tabindex"); delete element.dataset.scrollFocus; }
    });
  }
  var timer;
  function later() { clearTimeout(timer); timer = setTimeout(markScrollers, 100); }
  document.addEventListener("DOMContentLoaded", markScrollers);
  document.addEventListener("htmx:load", function () { markScrollers(); later(); });
  window.addEventListener("resize", later);
})();
