// Review queue keyboard: j/k next/previous, a approve, e edit, r reject, s snooze, u un-snooze, t category, c trace, x confirm stale,
// ? help, Esc close. Ctrl+Enter submits the open editor or reject form (and the category form). Keys are ignored while typing (except Esc and Ctrl+Enter).
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#draft-list .draft-row")); }
  function detail() { return document.getElementById("draft-detail"); }
  function currentId() { var d = detail(); return d ? d.getAttribute("data-draft-id") : null; }

  function markSelected() {
    var id = currentId();
    rows().forEach(function (row) {
      var on = row.getAttribute("data-draft-id") === id;
      row.classList.toggle("selected", on);
      if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
      if (on && row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
    });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var id = currentId();
    var index = list.findIndex(function (row) { return row.getAttribute("data-draft-id") === id; });
    var next = index === -1 ? list[0] : list[Math.min(list.length - 1, Math.max(0, index + step))];
    if (next && next.getAttribute("data-draft-id") !== id) next.click();
  }

  function openForm(id) {
    ["edit-form", "reject-form", "snooze-form"].forEach(function (name) {
      var form = document.getElementById(name);
      if (form) form.hidden = name !== id;
    });
    var form = document.getElementById(id);
    if (!form) return;
    var field = form.querySelector("textarea, select");
    if (field) {
      field.focus();
      if (field.tagName === "TEXTAREA" && id === "edit-form") field.setSelectionRange(field.value.length, field.value.length);
    }
  }

  function closeForms() {
    var closed = false;
    ["edit-form", "reject-form", "snooze-form"].forEach(function (name) {
      var form = document.getElementById(name);
      if (form && !form.hidden) { form.hidden = true; closed = true; }
    });
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    return closed;
  }

  function toggleHelp(show) {
    var help = document.getElementById("help-overlay");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function submit(form) {
    if (!form) return;
    // A key can arrive right after htmx swapped the form in, before htmx wired it up: wire it now (idempotent),
    // so the action goes through htmx and not as a full-page post.
    if (window.htmx) window.htmx.process(form);
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open]");
    if (opener) { event.preventDefault(); openForm(opener.getAttribute("data-open")); return; }
    if (event.target.closest("[data-close]")) { event.preventDefault(); closeForms(); return; }
    if (event.target.id === "help-overlay") toggleHelp(false);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "Escape") {
      var help = document.getElementById("help-overlay");
      if (help && !help.hidden) { toggleHelp(false); } else { closeForms(); }
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target && target.closest ? target.closest("form.subform, form.category-form") : null;
      // Blur first: htmx re-focuses an element with the same id after the swap, which would swallow the next key.
      if (form) { event.preventDefault(); target.blur(); submit(form); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": submit(document.getElementById("approve-form")); break;
      case "e": openForm("edit-form"); break;
      case "r": openForm("reject-form"); break;
      case "s": openForm("snooze-form"); break;
      case "u": submit(document.getElementById("unsnooze-form")); break;
      case "c": var trace = document.getElementById("trace-details"); if (trace) trace.open = !trace.open; break;
      case "t": var select = document.getElementById("category-select"); if (select) select.focus(); break;
      case "x": var box = document.getElementById("confirm-stale"); if (box) box.checked = !box.checked; break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  // After an action the server removes the draft's row out of band (<div id="draft-row-N" hx-swap-oob="delete">).
  // The row may not be on this page: the 10-second poll already redrew the list (someone else sent the draft), or
  // the draft was opened from the snoozed list or under other filters. htmx would log htmx:oobErrorNoTarget for
  // it, so such instructions are dropped from the response before the swap (htmx 2 reads serverResponse back).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var body = event.detail.serverResponse;
    if (typeof body !== "string" || body.indexOf('hx-swap-oob="delete"') === -1) return;
    event.detail.serverResponse = body.replace(/<div id="(draft-row-\d+)" hx-swap-oob="delete"><\/div>/g, function (tag, id) {
      return document.getElementById(id) ? tag : "";
    });
  });

  document.addEventListener("htmx:afterSettle", markSelected);
  document.addEventListener("DOMContentLoaded", markSelected);
  document.documentElement.setAttribute("data-review-keys", "ready");  // the key handlers are attached
})();
