// Copy buttons: a button with data-copy="<id>" copies that element's text (a field's value) to
// the clipboard and says so on itself (data-copied), for a moment. The buttons are `hidden`
// until this script runs, so a page without JavaScript offers no button that does nothing.
// Without the Clipboard API (a page served over plain HTTP), the text is selected and copied
// the older way; when even that fails, it stays selected and the button says how to copy it
// by hand (data-copy-by-hand).
(function () {
  "use strict";

  function textOf(source) {
    const field = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement;
    return field ? source.value : source.textContent;
  }

  function select(source) {
    if (typeof source.select === "function") {
      source.focus();
      source.select();
      return;
    }
    const range = document.createRange();
    range.selectNodeContents(source);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }

  function copiedTheOldWay(source) {
    select(source);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function say(button, words) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = words;
    setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
  }

  function copy(button, source) {
    const done = function () { say(button, button.dataset.copied); };
    const fallback = function () {
      if (copiedTheOldWay(source)) done();
      else say(button, button.dataset.copyByHand || button.dataset.copied);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(textOf(source)).then(done, fallback);
    } else {
      fallback();
    }
  }

  function showButtons() {
    document.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    if (source) copy(button, source);
  });
  showButtons();
  document.addEventListener("htmx:afterSettle", showButtons);
})();
