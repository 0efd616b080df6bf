// Plain HTML forms inside the Shopify admin (after embedded.js, whose helpers it uses). The
// browser's own submit would carry no credentials there (Shopify's iframe has no cookie
// session), so the server would answer 401. Instead:
// - a POST form is sent by htmx, which fetches a session token for it (embedded.js), and the
//   page that comes back replaces this one as the browser would have shown it: the page a save
//   redirects to (303, which the request follows), or the form again with its errors (422).
//   The frame's address follows a redirect, with the embedded parameters but no session token,
//   so none is kept in the history; reloading it fetches a fresh one (app/auth/bounce.py);
// - a GET form (the editor's cycle picker) loads its address the way embedded.js follows a link.
// Submit events are caught on the document, so forms swapped in later are handled too, and only
// when nothing else handled them: htmx's own forms, or an `onsubmit` confirm() answered "no".
(function () {
  "use strict";
  const embedded = window.storeokrEmbedded;
  const sent = new WeakSet(); // forms sent here, to know their answers
  const inFlight = new WeakSet(); // forms not answered yet: a double click sends once
  let scrollBeforeSwap = 0;

  // Read from the attributes: a form's `target`, `action` or `method` property is its field of
  // that name when it has one (the key result form has a "target").
  function submitted(form, submitter, name) {
    const own = submitter && submitter.getAttribute("form" + name);
    return own !== null && own !== undefined ? own : form.getAttribute(name);
  }

  function submission(event) {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return null;
    const submitter = event.submitter;
    if (submitted(form, submitter, "target")) return null; // another window: left to the browser
    const url = new URL(submitted(form, submitter, "action") || "", window.location.href);
    const method = (submitted(form, submitter, "method") || "get").toLowerCase();
    if (url.origin !== window.location.origin) return null;
    return { form: form, submitter: submitter, url: url, method: method };
  }

  function submitterValue(submitter) {
    const values = {};
    if (submitter && submitter.name) values[submitter.name] = submitter.value;
    return values;
  }

  function post(sending) {
    if (inFlight.has(sending.form)) return;
    inFlight.add(sending.form);
    sent.add(sending.form);
    window.htmx.ajax("POST", sending.url.toString(), {
      source: sending.form,
      target: "body",
      swap: "innerHTML",
      values: submitterValue(sending.submitter),
    });
  }

  function get(sending) {
    const url = new URL(sending.url);
    url.search = new URLSearchParams(new FormData(sending.form, sending.submitter)).toString();
    embedded.withEmbeddedParams(url);
    embedded.freshToken().then(function (token) {
      if (token) url.searchParams.set("id_token", token);
      window.location.assign(url.toString());
    });
  }

  document.addEventListener("submit", function (event) {
    const sending = submission(event);
    if (!sending || (sending.method !== "post" && sending.method !== "get")) return;
    event.preventDefault();
    if (sending.method === "post") post(sending);
    else get(sending);
  });

  function ours(detail) {
    return Boolean(detail.requestConfig) && sent.has(detail.requestConfig.elt);
  }

  function isPage(xhr) {
    return (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0;
  }

  function errorMessage(xhr) {
    try {
      return JSON.parse(xhr.responseText).error.message;
    } catch (error) {
      return xhr.status + " " + xhr.statusText;
    }
  }

  // A page is swapped in whatever its status, as the browser would show it (htmx drops 4xx and
  // 5xx answers by default); an API error (JSON) has no page to show, so its message is shown.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    if (!ours(detail)) return;
    inFlight.delete(detail.requestConfig.elt);
    if (!isPage(detail.xhr)) {
      detail.shouldSwap = false;
      window.alert(errorMessage(detail.xhr));
      return;
    }
    detail.shouldSwap = true;
    detail.isError = false;
    scrollBeforeSwap = window.scrollY;
    addStylesheets(detail.serverResponse);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.requestConfig) inFlight.delete(event.detail.requestConfig.elt);
  });

  // Only the body is swapped in: the stylesheets another page needs join this page's head.
  function addStylesheets(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    page.querySelectorAll('head link[rel="stylesheet"]').forEach(function (link) {
      const href = link.getAttribute("href");
      const present = document.head.querySelector('link[rel="stylesheet"][href="' + href + '"]');
      if (!present) document.head.appendChild(link);
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    const detail = event.detail;
    if (!ours(detail)) return;
    const xhr = detail.xhr;
    const requested = new URL(detail.requestConfig.path, window.location.href);
    const arrived = new URL(xhr.responseURL);
    const samePage = arrived.pathname === window.location.pathname;
    // The address of a page a redirect led to can be loaded again; the form's own cannot.
    if (xhr.status < 400 && arrived.href !== requested.href) {
      const address = embedded.withEmbeddedParams(arrived);
      window.history.replaceState(null, "", address.toString());
    }
    const problem = document.querySelector(".error-summary, [aria-invalid='true']");
    if (xhr.status >= 400 && problem) problem.focus();
    else window.scrollTo(0, samePage ? scrollBeforeSwap : 0);
  });
})();
