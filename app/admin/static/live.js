// The dashboard follows the shop's event stream: when key results move, htmx fetches the
// scorecard again (the element listens for "okr-changed"). EventSource reconnects by itself.
(function () {
  "use strict";
  if (!document.getElementById("scorecard")) return;
  const stream = new EventSource("/api/v1/events");
  stream.addEventListener("change", function (event) {
    const message = JSON.parse(event.data);
    if (message.kind === "key_results" || message.kind === "metrics") {
      document.body.dispatchEvent(new CustomEvent("okr-changed"));
    }
  });
})();
