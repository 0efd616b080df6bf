// The dashboard follows the shop's event stream: when key results move, htmx fetches the
// scorecard again (the element listens for "okr-changed"). EventSource reconnects by itself.
// The stream is the scorecard's own (a share link's, which needs no sign-in), else the page's
// stream token inside the Shopify admin (EventSource cannot send a session token), else the
// admin's under the cookie session. A page swapped in by htmx (a form sent inside the Shopify
// admin) may bring a scorecard, or take it away: the stream follows, one at a time.
(function () {
  "use strict";
  let followed = null; // { scorecard, stream }

  function streamUrl(scorecard) {
    const token = document.querySelector('meta[name="storeokr-live-stream"]');
    return scorecard.dataset.stream || (token && token.content) || "/api/v1/events";
  }

  function onChange(event) {
    const message = JSON.parse(event.data);
    if (message.kind === "key_results" || message.kind === "metrics") {
      document.body.dispatchEvent(new CustomEvent("okr-changed"));
    }
  }

  function follow() {
    const scorecard = document.getElementById("scorecard");
    if (followed && followed.scorecard === scorecard) return;
    if (followed) followed.stream.close();
    followed = null;
    if (!scorecard) return;
    const stream = new EventSource(streamUrl(scorecard));
    stream.addEventListener("change", onChange);
    followed = { scorecard: scorecard, stream: stream };
  }

  follow();
  document.addEventListener("htmx:afterSettle", follow);
})();
