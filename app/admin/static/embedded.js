// Inside the Shopify admin, where App Bridge (the `shopify` global) is loaded and there is no
// cookie session: every htmx request, and every move to another admin page, carries a session
// token from `shopify.idToken()`; the live stream opens with the stream token the page was given.
//
// Session tokens live one minute, and `htmx:configRequest` (where headers are set) cannot wait
// for a promise. So each request is held back in `htmx:confirm`, fetched a token for, and then
// issued: htmx goes on synchronously from `issueRequest` to `htmx:configRequest`, where the
// token is added. A token refreshed on a timer instead could be expired when used (after the
// laptop slept, say); one asked for per request cannot be.
(function () {
  "use strict";
  const EMBEDDED_PARAMS = ["embedded", "host", "shop", "locale"];
  let heldToken = null; // the token of the request being issued right now

  function freshToken() {
    return window.shopify.idToken().catch(function () {
      return null; // the server then answers 401, which htmx does not swap in
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    event.preventDefault();
    const question = event.detail.question; // hx-confirm: ask before the token is fetched
    if (question && !window.confirm(question)) return;
    freshToken().then(function (token) {
      heldToken = token;
      try {
        event.detail.issueRequest(true); // true: the question was asked already
      } finally {
        heldToken = null;
      }
    });
  });

  document.addEventListener("htmx:configRequest", function (event) {
    if (heldToken) event.detail.headers["Authorization"] = "Bearer " + heldToken;
  });

  // A link to another admin page loads a new document, which Shopify authenticates the way it
  // does its own loads: the embedded parameters, and a session token as `id_token`.
  function withEmbeddedParams(url) {
    const here = new URLSearchParams(window.location.search);
    EMBEDDED_PARAMS.forEach(function (name) {
      if (here.has(name) && !url.searchParams.has(name)) url.searchParams.set(name, here.get(name));
    });
    return url;
  }
  // embedded_forms.js sends the page's forms the same ways.
  window.storeokrEmbedded = { freshToken: freshToken, withEmbeddedParams: withEmbeddedParams };

  function plainClick(event) {
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    return !event.defaultPrevented && event.button === 0 && !modified;
  }

  function anotherPage(link, url) {
    const here = window.location;
    const samePage = url.pathname === here.pathname && url.search === here.search;
    return url.origin === here.origin && !link.target && !link.hasAttribute("download") && !samePage;
  }

  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || !plainClick(event)) return;
    const url = new URL(link.href, window.location.href);
    if (!anotherPage(link, url)) return;
    event.preventDefault();
    withEmbeddedParams(url);
    freshToken().then(function (token) {
      if (token) url.searchParams.set("id_token", token);
      window.location.assign(url.toString());
    });
  });

  // The session token in the address was for this load only: it leaves the history (a reload
  // goes through Shopify's bounce for a fresh one), so nothing secret lingers there.
  const address = new URL(window.location.href);
  if (address.searchParams.has("id_token")) {
    address.searchParams.delete("id_token");
    window.history.replaceState(window.history.state, "", address.toString());
  }
})();
