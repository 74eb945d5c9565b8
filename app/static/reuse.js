/* Gare centrale: the copy buttons of "Réutiliser cette page" (issue 13). No inline script. */
(function () {
  "use strict";

  function say(button, text) {
    var block = button.closest(".reuse");
    var status = block ? block.querySelector("[data-copy-status]") : null;
    if (status) { status.textContent = text; }
  }

  function copyBySelection(source, button) {
    source.focus();
    source.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    say(button, copied ? button.dataset.copied : button.dataset.copyFailed);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(function () { say(button, button.dataset.copied); },
        function () { copyBySelection(source, button); });
    } else {
      copyBySelection(source, button);
    }
  });
})();
