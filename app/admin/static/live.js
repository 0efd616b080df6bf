// A page with a live part (`data-live`: the dashboard's scorecard, a key result's status and
// chart) follows the shop's event stream: when key results move, htmx fetches that part again
// (it listens for "okr-changed"). EventSource reconnects by itself. The stream is the part's
// own (`data-stream`: a share link's, which needs no sign-in), else the page's stream token
// inside the Shopify admin (EventSource cannot send a session token), else the admin's under
// the cookie session. A page swapped in by htmx (a form sent inside the Shopify admin) may
// bring a live part, or take it away: the stream follows, one at a time. An indicator
// (`data-live-status`, hidden without this script) says whether the stream is open, in the
// page's words (data-live-on, data-live-off).
(function () {
  "use strict";
  let followed = null; // { part, stream }
  let state = null; // "live" once the stream opened, "down" while it reconnects

  function show(next) {
    state = next;
    document.querySelectorAll("[data-live-status]").forEach(function (indicator) {
      if (!state) {
        indicator.hidden = true;
        return;
      }
      indicator.hidden = false;
      indicator.dataset.state = state;
      indicator.textContent = state === "live" ? indicator.dataset.liveOn : indicator.dataset.liveOff;
    });
  }

  function streamUrl(part) {
    const token = document.querySelector('meta[name="storeokr-live-stream"]');
    return part.dataset.stream || (token && token.content) || "/api/v1/events";
  }

  function onChange(event) {
    const message = JSON.parse(event.data);
    // "statuses": the alerts' check noted a status change (a drop the pages list).
    if (message.kind === "key_results" || message.kind === "metrics" || message.kind === "statuses") {
      document.body.dispatchEvent(new CustomEvent("okr-changed"));
    }
  }

  function follow() {
    const part = document.querySelector("[data-live]");
    if (followed && followed.part === part) return;
    if (followed) followed.stream.close();
    followed = null;
    show(null);
    if (!part) return;
    const stream = new EventSource(streamUrl(part));
    stream.addEventListener("change", onChange);
    stream.addEventListener("open", function () { show("live"); });
    stream.addEventListener("error", function () { show("down"); });
    followed = { part: part, stream: stream };
  }

  follow();
  document.addEventListener("htmx:afterSettle", function () {
    follow();
    show(state); // a part swapped in brings its indicator back hidden
  });
})();
