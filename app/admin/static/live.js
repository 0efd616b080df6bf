// The dashboard follows the shop's event stream: when key results move, htmx fetches the
// scorecard again (the element listens for "okr-changed"). EventSource reconnects by itself.
// The scorecard names its stream: the admin's own, or a share link's (which needs no sign-in).
(function () {
  "use strict";
  const scorecard = document.getElementById("scorecard");
  if (!scorecard) return;
  const stream = new EventSource(scorecard.dataset.stream || "/api/v1/events");
  stream.addEventListener("change", function (event) {
    const message = JSON.parse(event.data);
    if (message.kind === "key_results" || message.kind === "metrics") {
      document.body.dispatchEvent(new CustomEvent("okr-changed"));
    }
  });
})();
