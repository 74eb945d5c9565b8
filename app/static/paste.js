/* Gare centrale: pasting from a word processor or a web page into the editor gives clean Markdown.
   Headings, bold, italics, lists, links and simple tables are kept; styles, fonts, comments,
   scripts, images that are not on the web and links that are not http(s) or mailto are dropped.
   A plain-text paste is left to the browser. Uses the vendored turndown (+ its GFM plugin for tables);
   no inline script, CSP script-src 'self'. */
(function () {
  "use strict";

  if (typeof window.TurndownService !== "function") { return; }

  var DROPPED = "script, style, meta, link, title, noscript, template, iframe, object, embed, svg, canvas, "
    + "input, button, select, textarea, form, xml";
  var SAFE_LINK = /^(https?:|mailto:)/i;
  var SAFE_IMAGE = /^https?:/i;

  function styleOf(element) { return (element.getAttribute("data-paste-style") || "").toLowerCase().replace(/\s+/g, ""); }

  function unwrap(element) {
    var parent = element.parentNode;
    while (element.firstChild) { parent.insertBefore(element.firstChild, element); }
    parent.removeChild(element);
  }

  function rename(element, name) {
    var replacement = element.ownerDocument.createElement(name);
    while (element.firstChild) { replacement.appendChild(element.firstChild); }
    element.parentNode.replaceChild(replacement, element);
    return replacement;
  }

  function each(root, selector, callback) {
    Array.prototype.slice.call(root.querySelectorAll(selector)).forEach(callback);
  }

  function dropComments(root) {
    var walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
    var comments = [];
    while (walker.nextNode()) { comments.push(walker.currentNode); }
    comments.forEach(function (comment) { comment.parentNode.removeChild(comment); });
  }

  /* Word writes lists as paragraphs (class MsoListParagraph…, style mso-list) with the bullet in a span. */
  function wordLists(root) {
    var items = Array.prototype.slice.call(root.querySelectorAll("p")).filter(function (p) {
      return /msolistparagraph/i.test(p.className) || /mso-list:l/.test(styleOf(p));
    });
    var list = null, previous = null;
    items.forEach(function (p) {
      var marker = "";
      each(p, "span", function (span) {
        if (/mso-list:ignore/.test(styleOf(span))) { marker += span.textContent; span.parentNode.removeChild(span); }
      });
      if (!list || previous !== p.previousElementSibling) {
        list = p.ownerDocument.createElement(/^\s*\w{1,3}[.)]/.test(marker) ? "ol" : "ul");
        p.parentNode.insertBefore(list, p);
      }
      var item = p.ownerDocument.createElement("li");
      while (p.firstChild) { item.appendChild(p.firstChild); }
      list.appendChild(item);
      p.parentNode.removeChild(p);
      previous = list;
    });
  }

  /* Google Docs wraps everything in <b style="font-weight:normal">, and marks bold and italics with styles. */
  function styledText(root) {
    each(root, "b, strong", function (element) {
      if (/font-weight:(normal|[1-4]00)/.test(styleOf(element))) { unwrap(element); }
    });
    each(root, "span", function (span) {
      var style = styleOf(span);
      var bold = /font-weight:(bold|bolder|[6-9]00)/.test(style), italic = /font-style:italic/.test(style);
      if (!bold && !italic) { unwrap(span); return; }
      var element = rename(span, bold ? "strong" : "em");
      if (bold && italic) {
        var inner = element.ownerDocument.createElement("em");
        while (element.firstChild) { inner.appendChild(element.firstChild); }
        element.appendChild(inner);
      }
    });
  }

  function safeLinksAndImages(root) {
    each(root, "a", function (link) {
      if (!SAFE_LINK.test((link.getAttribute("href") || "").trim())) { unwrap(link); }
    });
    each(root, "img", function (image) {
      if (!SAFE_IMAGE.test((image.getAttribute("src") || "").trim())) { image.parentNode.removeChild(image); }
    });
  }

  /* Word-processor tables have no heading cells: their first row becomes the heading, as GFM needs one. */
  function simpleTables(root) {
    each(root, "table", function (table) {
      each(table, "thead, tbody, tfoot, tr", function (part) {
        Array.prototype.slice.call(part.childNodes).forEach(function (node) {
          if (node.nodeType === Node.TEXT_NODE && !node.textContent.trim()) { part.removeChild(node); }
        });
      });
      Array.prototype.slice.call(table.childNodes).forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE && !node.textContent.trim()) { table.removeChild(node); }
      });
      var first = table.rows[0];
      if (!first || table.tHead) { return; }
      Array.prototype.slice.call(first.cells).forEach(function (cell) { if (cell.nodeName === "TD") { rename(cell, "th"); } });
    });
  }

  /* A parsed document inherits the page's CSP, which refuses inline styles (and says so in the
     console): style attributes are renamed and style elements dropped before parsing. */
  function withoutInlineStyles(html) {
    return html.replace(/<style[\s\S]*?<\/style\s*>/gi, "").replace(/<[a-z][^>]*>/gi, function (tag) {
      return tag.replace(/(\s)style(\s*=)/gi, "$1data-paste-style$2");
    });
  }

  function clean(html) {
    var doc = new DOMParser().parseFromString(withoutInlineStyles(html), "text/html");
    var body = doc.body;
    each(doc, DROPPED, function (element) { if (element.parentNode) { element.parentNode.removeChild(element); } });
    each(body, "*", function (element) { if (element.nodeName.indexOf(":") !== -1) { unwrap(element); } });  // <o:p>, <w:…>
    dropComments(body);
    wordLists(body);
    styledText(body);
    safeLinksAndImages(body);
    simpleTables(body);
    each(body, "font", unwrap);
    return body;
  }

  var service = new window.TurndownService({
    headingStyle: "atx", hr: "---", bulletListMarker: "-", codeBlockStyle: "fenced", emDelimiter: "*", strongDelimiter: "**"
  });
  if (window.turndownPluginGfm) { service.use(window.turndownPluginGfm.tables); service.use(window.turndownPluginGfm.strikethrough); }
  /* "- item" rather than turndown's "-   item"; what continues an item is indented by four spaces,
     as Python-Markdown wants for nested lists. */
  service.addRule("shortListItem", {
    filter: "li",
    replacement: function (content, node, options) {
      var parent = node.parentNode, prefix = options.bulletListMarker + " ";
      if (parent.nodeName === "OL") {
        var start = Number(parent.getAttribute("start")) || 1;
        prefix = (start + Array.prototype.indexOf.call(parent.children, node)) + ". ";
      }
      content = content.replace(/^\n+/, "").replace(/\n+$/, "").replace(/\n/g, "\n    ");
      return prefix + content + (node.nextElementSibling ? "\n" : "");
    }
  });
  service.addRule("tableCellOnOneLine", {
    filter: ["th", "td"],
    replacement: function (content, node) {
      var text = content.replace(/\s*\n+\s*/g, " ").replace(/\|/g, "\\|").trim();
      var first = node.parentNode.firstElementChild === node;
      return (first ? "| " : " ") + text + " |";
    }
  });

  function htmlToMarkdown(html) {
    var markdown = service.turndown(clean(html));
    return markdown.replace(/\u00a0/g, " ").replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
  }

  function insert(textarea, text) {
    textarea.focus();
    // insertText keeps the browser's undo (Ctrl+Z) working; setRangeText where it is not supported.
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (error) { done = false; }
    if (!done) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  document.addEventListener("paste", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-editor] textarea[name=body]") || !event.clipboardData) { return; }
    var html = event.clipboardData.getData("text/html");
    if (!html) { return; }  // plain text: the browser pastes it as it is
    var markdown;
    try { markdown = htmlToMarkdown(html); } catch (error) { return; }
    if (!markdown) { return; }
    event.preventDefault();
    insert(textarea, markdown);
  });

  window.GareCentrale = window.GareCentrale || {};
  window.GareCentrale.htmlToMarkdown = htmlToMarkdown;
})();
