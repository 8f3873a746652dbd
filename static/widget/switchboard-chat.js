/*!
 * Switchboard chat widget — one dependency-free file.
 *
 * Embed:
 *   <script src="https://support.example.com/static/widget/switchboard-chat.js"
 *           data-key="sb_pk_..."                      (required: the workspace's public widget key)
 *           data-api="https://support.example.com/api/v1"   (default: <script origin>/api/v1)
 *           data-product-area="pricing"               (optional; else <meta name="switchboard:product-area">)
 *           data-title="Questions? We're here."       (optional panel title)
 *           defer></script>
 *
 * It sends the page URL, title, product area and app metadata (<meta name="switchboard:metadata" content="{json}">
 * or SwitchboardChat.setMetadata({...})) with the first message, polls for the AI's reply, shows "a person will
 * reply" on handoff, has a "talk to a person" button, helpful yes/no on each answer and a 1–5 CSAT rating.
 * The conversation (id + secret token) is kept in sessionStorage per page path, so each page starts its own.
 * Public API: window.SwitchboardChat.{open, close, identify({email, name}), setMetadata(obj), reset()}.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.SwitchboardChat) return;

  var KEY = script.getAttribute("data-key") || "";
  var API = (script.getAttribute("data-api") || new URL(script.src, location.href).origin + "/api/v1").replace(/\/+$/, "");
  var TITLE = script.getAttribute("data-title") || "Questions? Ask us.";
  var STORE = "switchboard-chat:" + KEY + ":" + location.pathname;
  var POLL_FAST_MS = 1500, POLL_SLOW_MS = 5000, POLL_MAX_MS = 10 * 60 * 1000;

  var contact = {};
  var extraMetadata = null;
  var conv = load();          // {id, token}
  var data = null;            // last conversation payload from the API
  var rated = {};             // message id -> true/false
  var pollTimer = null, pollStarted = 0, busy = false;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function save(value) {
    try { value ? sessionStorage.setItem(STORE, JSON.stringify(value)) : sessionStorage.removeItem(STORE); } catch (e) { /* private mode */ }
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(b) : b.forEach(function (_, i) { b[i] = Math.random() * 256; });
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }
  function pageContext() {
    var metadata = extraMetadata;
    if (!metadata) {
      try { metadata = JSON.parse(meta("switchboard:metadata") || "{}"); } catch (e) { metadata = {}; }
    }
    var area = script.getAttribute("data-product-area") || meta("switchboard:product-area");
    var page = { url: location.href.slice(0, 1000), title: document.title.slice(0, 300), metadata: metadata };
    if (area) page.product_area = area.slice(0, 100);
    return page;
  }

  // --- HTTP ------------------------------------------------------------------------------------------------
  function call(method, path, body, extraHeaders) {
    var headers = { "Accept": "application/json", "X-Switchboard-Key": KEY };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (conv && conv.token) headers["X-Conversation-Token"] = conv.token;
    for (var h in extraHeaders || {}) headers[h] = extraHeaders[h];
    return fetch(API + path, {
      method: method, headers: headers, credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        if (!resp.ok) {
          var err = new Error((json && json.error && json.error.message) || ("Request failed (" + resp.status + ")"));
          err.status = resp.status;
          throw err;
        }
        return json;
      });
    });
  }
  // One retry on a network error or 5xx with the same idempotency key / message id, so nothing is doubled.
  function callWithRetry(method, path, body, headers) {
    return call(method, path, body, headers).catch(function (err) {
      if (err.status && err.status < 500) throw err;
      return new Promise(function (r) { setTimeout(r, 1000); }).then(function () { return call(method, path, body, headers); });
    });
  }

  // --- UI --------------------------------------------------------------------------------------------------
  var host = document.createElement("div");
  host.id = "switchboard-chat";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;" +
    "background:#1f4fd1;color:#fff;font-size:15px;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #f5b400;outline-offset:2px}" +
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:calc(100vw - 24px);" +
    "height:520px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1b1f24;" +
    "border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden;font-size:14px}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#1f4fd1;color:#fff}" +
    "header h2{flex:1;margin:0;font-size:15px}header button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.6);" +
    "border-radius:6px;padding:4px 8px;cursor:pointer;font-size:12px}header button:disabled{opacity:.5;cursor:default}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f7fb}" +
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;line-height:1.4}" +
    ".msg.customer{align-self:flex-end;background:#1f4fd1;color:#fff;border-bottom-right-radius:3px}" +
    ".msg.ai,.msg.agent{align-self:flex-start;background:#fff;border:1px solid #dde3ee;border-bottom-left-radius:3px}" +
    ".who{display:block;font-size:11px;font-weight:600;color:#5b6472;margin-bottom:3px}" +
    ".thumbs{display:flex;gap:6px;align-items:center;margin-top:6px;font-size:12px;color:#5b6472}.thumbs button{border:1px solid #cfd6e3;background:#fff;border-radius:6px;" +
    "cursor:pointer;padding:1px 7px;font-size:13px}.thumbs button[aria-pressed=true]{background:#e6edff;border-color:#1f4fd1}" +
    ".notice{align-self:stretch;text-align:center;padding:8px;border-radius:8px;background:#fff6d9;color:#5c4600;font-size:13px}" +
    ".typing{align-self:flex-start;color:#5b6472;font-style:italic;font-size:13px}" +
    ".error{align-self:stretch;padding:8px;border-radius:8px;background:#fde8e8;color:#8a1c1c;font-size:13px}" +
    ".csat{align-self:stretch;text-align:center;font-size:13px;color:#333}.csat button{margin:4px 2px;width:34px;height:30px;" +
    "border:1px solid #cfd6e3;background:#fff;border-radius:6px;cursor:pointer}.csat button[aria-pressed=true]{background:#1f4fd1;color:#fff}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e7ef;background:#fff}" +
    "textarea{flex:1;resize:none;height:44px;padding:8px;border:1px solid #cfd6e3;border-radius:8px;font-size:14px}" +
    "form button{border:0;border-radius:8px;background:#1f4fd1;color:#fff;padding:0 14px;font-weight:600;cursor:pointer}" +
    "form button:disabled{opacity:.6;cursor:default}" +
    "</style>" +
    '<button class="launcher" type="button" aria-haspopup="dialog" aria-expanded="false">Chat with us</button>' +
    '<section class="panel" role="dialog" aria-label="Support chat" hidden>' +
    '<header><h2></h2><button type="button" class="human">Talk to a person</button>' +
    '<button type="button" class="close" aria-label="Close chat">✕</button></header>' +
    '<div class="log" aria-live="polite"></div>' +
    '<form><textarea name="message" rows="2" maxlength="20000" placeholder="Type your question…" aria-label="Your message"></textarea>' +
    '<button type="submit">Send</button></form></section>';

  var launcher = root.querySelector(".launcher");
  var panel = root.querySelector(".panel");
  var log = root.querySelector(".log");
  var form = root.querySelector("form");
  var input = root.querySelector("textarea");
  var sendButton = form.querySelector("button");
  var humanButton = root.querySelector(".human");
  root.querySelector("h2").textContent = TITLE;

  var WHO = { customer: "You", ai: "Assistant", agent: "Support team" };
  var pendingText = null, errorText = "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render() {
    log.textContent = "";
    if (!data && !pendingText) log.appendChild(el("div", "typing", "Ask anything about this page — we'll answer here."));
    var messages = data ? data.messages : [];
    messages.forEach(function (m) {
      var bubble = el("div", "msg " + m.author);
      bubble.setAttribute("data-message-id", m.id);
      if (m.author !== "customer") bubble.appendChild(el("span", "who", WHO[m.author] || "Support"));
      bubble.appendChild(document.createTextNode(m.body));
      if (m.author === "ai" || m.author === "agent") bubble.appendChild(thumbs(m.id));
      log.appendChild(bubble);
    });
    if (pendingText) log.appendChild(el("div", "msg customer", pendingText));
    if (data && data.state === "ai_working") log.appendChild(el("div", "typing", "Looking into it…"));
    if (data && data.notice) log.appendChild(el("div", "notice", data.notice));
    var answered = messages.some(function (m) { return m.author !== "customer"; });
    if (data && (answered || data.state === "resolved")) log.appendChild(csat());
    if (errorText) log.appendChild(el("div", "error", errorText));
    humanButton.disabled = !!data && data.handoff_status !== null;
    log.scrollTop = log.scrollHeight;
  }

  function thumbs(messageId) {
    var box = el("div", "thumbs");
    box.appendChild(el("span", "ask", "Helpful?"));
    [[true, "Yes", "Helpful"], [false, "No", "Not helpful"]].forEach(function (t) {
      var b = el("button", "", t[1]);
      b.type = "button";
      b.setAttribute("aria-label", t[2]);
      b.setAttribute("aria-pressed", String(rated[messageId] === t[0]));
      b.addEventListener("click", function () {
        feedback({ helpful: t[0], message_id: messageId }).then(function () { rated[messageId] = t[0]; render(); });
      });
      box.appendChild(b);
    });
    return box;
  }

  function csat() {
    var box = el("div", "csat", "How did we do? ");
    for (var i = 1; i <= 5; i++) {
      (function (score) {
        var b = el("button", "", String(score));
        b.type = "button";
        b.setAttribute("aria-label", "Rate " + score + " of 5");
        b.setAttribute("aria-pressed", String(data && data.csat === score));
        b.addEventListener("click", function () {
          feedback({ csat: score }).then(function () { data.csat = score; render(); });
        });
        box.appendChild(b);
      })(i);
    }
    return box;
  }

  function showError(err) {
    errorText = err && err.message ? err.message : "Something went wrong. Please try again.";
    if (err && err.status === 404 && conv) { save(null); conv = null; data = null; }
    render();
  }

  // --- actions ---------------------------------------------------------------------------------------------
  function send(text) {
    if (busy || !text.trim()) return;
    busy = true; sendButton.disabled = true; errorText = ""; pendingText = text; render();
    var request;
    if (!conv) {
      var body = { message: text, message_id: uuid(), page: pageContext() };
      if (contact.email || contact.name) body.contact = contact;
      request = callWithRetry("POST", "/conversations/", body, { "Idempotency-Key": uuid() }).then(function (created) {
        conv = { id: created.id, token: created.token };
        save(conv);
        return created;
      });
    } else {
      request = callWithRetry("POST", "/conversations/" + conv.id + "/messages/", { message: text, message_id: uuid() })
        .then(function (posted) { return posted.conversation; });
    }
    request.then(function (conversation) {
      pendingText = null; input.value = ""; data = conversation; render(); poll(true);
    }).catch(function (err) { pendingText = null; input.value = text; showError(err); })
      .then(function () { busy = false; sendButton.disabled = false; input.focus(); });
  }

  function refresh() {
    if (!conv) return Promise.resolve();
    return call("GET", "/conversations/" + conv.id + "/").then(function (conversation) { data = conversation; render(); });
  }

  function poll(restart) {
    if (restart) pollStarted = Date.now();
    clearTimeout(pollTimer);
    if (!conv || panel.hidden || Date.now() - pollStarted > POLL_MAX_MS) return;
    var state = data && data.state;
    if (state === "resolved" || state === "ai_replied" || state === "person_replied") return;
    pollTimer = setTimeout(function () {
      refresh().then(function () { poll(false); }, function (err) { showError(err); });
    }, state === "ai_working" ? POLL_FAST_MS : POLL_SLOW_MS);
  }

  function askHuman() {
    if (!conv) { errorText = "Write your question first, then we can bring in a person."; render(); return; }
    humanButton.disabled = true;
    callWithRetry("POST", "/conversations/" + conv.id + "/human/", {}).then(function (result) {
      data = result.conversation; errorText = ""; render(); poll(true);
    }).catch(showError);
  }

  function feedback(body) {
    return callWithRetry("POST", "/conversations/" + conv.id + "/feedback/", body).catch(function (err) {
      showError(err);
      throw err;
    });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    render();
    if (conv) refresh().then(function () { poll(true); }, showError);
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    clearTimeout(pollTimer);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  root.querySelector(".close").addEventListener("click", close);
  humanButton.addEventListener("click", askHuman);
  form.addEventListener("submit", function (e) { e.preventDefault(); send(input.value); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(input.value); }
  });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function mount() { document.body.appendChild(host); }
  document.body ? mount() : document.addEventListener("DOMContentLoaded", mount);

  window.SwitchboardChat = {
    open: open,
    close: close,
    identify: function (person) { contact = { email: (person || {}).email || "", name: (person || {}).name || "" }; },
    setMetadata: function (obj) { extraMetadata = obj || {}; },
    reset: function () { save(null); conv = null; data = null; rated = {}; errorText = ""; render(); }
  };
})();
