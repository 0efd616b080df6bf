/* StoreOKR survey widget: asks a returning customer the shop's survey on the thank-you page.
   Embed: <script src="https://APP/w/survey.js" data-survey="ID" data-order="ORDER.HMAC" async>
   It sends only the signed order reference and the answers; no cookies, nothing stored. */
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!tag || !window.fetch) return;
  var base = new URL(tag.src).origin + "/w/" + encodeURIComponent(tag.dataset.survey || "");
  var order = tag.dataset.order || "";
  var box, data, tries = 0;

  function el(name, attrs, text) {
    var node = document.createElement(name);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text != null) node.textContent = String(text);
    return node;
  }

  function post(answers, then) {
    fetch(base + "/answers", {
      method: "POST", mode: "cors", credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ order: order, answers: answers })
    }).then(function (r) { if (r.ok && then) then(); });
  }

  function done() {
    box.textContent = "";
    box.appendChild(el("p", {}, data.words.done));
    setTimeout(function () { box.remove(); }, 4000);
  }

  function field(q) {
    var set = el("fieldset", { style: "border:0;padding:0;margin:0 0 12px" });
    set.appendChild(el("legend", { style: "font-weight:600;margin-bottom:6px" }, q.text));
    if (q.scale.length || q.choices.length) {
      var options = q.scale.length ? q.scale.map(function (s) { return { id: s, text: s }; })
                                   : q.choices;
      options.forEach(function (o) {
        var b = el("button", { type: "button", "data-q": q.id,
          style: "margin:2px;min-width:30px;padding:6px;border:1px solid #222;background:#fff" }, o.text);
        b.onclick = function () {
          answers[q.id] = o.id;
          set.querySelectorAll("button").forEach(function (x) { x.style.background = "#fff"; });
          b.style.background = "#ddd";
          if (q === data.questions[0]) post({ [q.id]: o.id });
        };
        set.appendChild(b);
      });
      if (q.ends.length) set.appendChild(el("div", { style: "font-size:12px;color:#555" },
        q.scale[0] + " = " + q.ends[0] + ", " + q.scale[q.scale.length - 1] + " = " + q.ends[1]));
    } else {
      var t = el("textarea", { maxlength: "2000", rows: "3", style: "width:100%" });
      t.oninput = function () { answers[q.id] = t.value; };
      set.appendChild(t);
    }
    return set;
  }

  var answers = {};
  function show() {
    box = el("div", { role: "dialog", lang: data.lang, "aria-label": data.shop, style:
      "position:fixed;bottom:16px;right:16px;max-width:360px;z-index:2147483647;background:#fff;" +
      "color:#222;border:1px solid #222;padding:14px;font:14px/1.4 system-ui,sans-serif" });
    var close = el("button", { type: "button", "aria-label": data.words.close,
      style: "float:right;border:0;background:none;font-size:18px" }, "×");
    close.onclick = function () { box.remove(); };
    box.appendChild(close);
    box.appendChild(el("strong", {}, data.shop));
    data.questions.forEach(function (q) { box.appendChild(field(q)); });
    var send = el("button", { type: "button", style: "padding:6px 12px" }, data.words.send);
    send.onclick = function () { if (Object.keys(answers).length) post(answers, done); };
    box.appendChild(send);
    document.body.appendChild(box);
  }

  function ask() {
    fetch(base + "/questions?order=" + encodeURIComponent(order), { mode: "cors", credentials: "omit" })
      .then(function (r) {
        if (r.status === 200) return r.json().then(function (d) { data = d; show(); });
        // The order's webhook may reach us a few seconds after the thank-you page opens.
        if (r.status === 204 && ++tries < 4) setTimeout(ask, 5000);
      });
  }
  ask();
})();
