/* Gare centrale: files in the editor. A picture dropped on the text or pasted into it, or a file
   chosen in the editor's file field, is sent at once to POST /wiki/<slug>/attachments; its Markdown
   goes in at the cursor (a picture's description brackets left ready to type in). Progress shows
   while it is sent; a refusal says why and leaves the text as it was. Without this script the file
   field travels with the form and the server adds the Markdown at the end. No inline script: CSP is
   script-src 'self'. Events are delegated, so editors swapped in by htmx work too. */
(function () {
  "use strict";

  function uploadsOf(element) {
    var editor = element && element.closest ? element.closest("[data-editor]") : null;
    return editor ? editor.querySelector("[data-uploads]") : null;
  }
  function textareaOf(uploads) { return uploads.closest("[data-editor]").querySelector("textarea[name=body]"); }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (error) { return ""; }
  }

  function say(uploads, message, kind) {
    var status = uploads.querySelector("[data-upload-status]");
    status.textContent = message;
    status.className = "upload-status" + (kind ? " message message-" + kind : "");
  }

  function progressOf(uploads) { return uploads.querySelector("[data-upload-progress]"); }

  /* Put the Markdown where the cursor was when the upload began (or at the end if the text changed since). */
  function insert(textarea, markdown, at) {
    var text = textarea.value;
    var start = at && at.length === text.length ? at.start : textarea.selectionStart;
    var end = at && at.length === text.length ? at.end : textarea.selectionEnd;
    var before = text.slice(0, start), after = text.slice(end);
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    var trail = after && !/^\n/.test(after) ? "\n" : "";
    textarea.value = before + lead + markdown + trail + after;
    var caret = before.length + lead.length + (markdown.indexOf("![]") === 0 ? 2 : markdown.length);
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));  // preview, draft, leave warning
  }

  var queue = Promise.resolve();

  function send(uploads, file) {
    var textarea = textareaOf(uploads);
    var at = { start: textarea.selectionStart, end: textarea.selectionEnd, length: textarea.value.length };
    queue = queue.then(function () { return upload(uploads, file, at); });
  }

  function upload(uploads, file, at) {
    var max = parseInt(uploads.dataset.maxBytes, 10);
    if (max && file.size > max) {
      say(uploads, uploads.dataset.messageTooLarge, "error");
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      var progress = progressOf(uploads);
      var request = new XMLHttpRequest();
      var form = new FormData();
      form.append("file", file, file.name || "image.png");
      request.open("POST", uploads.dataset.uploadUrl);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
      });
      function done(message, kind) {
        progress.hidden = true;
        say(uploads, message, kind);
        resolve();
      }
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (error) { /* not JSON: a proxy's or the server's page */ }
        if (request.status === 201 && answer && answer.markdown) {
          insert(textareaOf(uploads), answer.markdown, at);
          done(uploads.dataset.messageDone, "success");
        } else if (request.status === 413 && !(answer && answer.message)) {
          done(uploads.dataset.messageTooLarge, "error");
        } else {
          done((answer && answer.message) || uploads.dataset.messageFailed, "error");
        }
      });
      request.addEventListener("error", function () { done(uploads.dataset.messageFailed, "error"); });
      progress.value = 0;
      progress.hidden = false;
      say(uploads, uploads.dataset.messageUploading + " " + (file.name || ""), "");
      request.send(form);
    });
  }

  function hasFiles(event) {
    var types = event.dataTransfer ? event.dataTransfer.types : [];
    return Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  document.addEventListener("dragover", function (event) {
    if (!event.target.matches || !event.target.matches("textarea[name=body]") || !uploadsOf(event.target) || !hasFiles(event)) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    event.target.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    if (event.target.classList) { event.target.classList.remove("drop-target"); }
  });
  document.addEventListener("drop", function (event) {
    var uploads = uploadsOf(event.target);
    if (!uploads || !event.target.matches("textarea[name=body]") || !hasFiles(event)) { return; }
    event.preventDefault();
    event.target.classList.remove("drop-target");
    Array.prototype.forEach.call(event.dataTransfer.files, function (file) { send(uploads, file); });
  });

  document.addEventListener("paste", function (event) {
    var uploads = uploadsOf(event.target);
    var data = event.clipboardData;
    if (!uploads || !event.target.matches("textarea[name=body]") || !data || data.getData("text/html")) { return; }
    var pictures = Array.prototype.filter.call(data.files || [], function (file) { return /^image\//.test(file.type); });
    if (!pictures.length) { return; }  // text: the browser (or paste.js) pastes it
    event.preventDefault();
    pictures.forEach(function (file) { send(uploads, file); });
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-uploads] input[type=file]")) { return; }
    var uploads = input.closest("[data-uploads]");
    Array.prototype.forEach.call(input.files, function (file) { send(uploads, file); });
    input.value = "";  // sent now: the form's save must not send it again
  });
})();
