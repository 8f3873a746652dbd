// Handoff inbox: keep the selected row highlighted after htmx swaps (list polling, claim / resolve), and
// j/k to move between handoffs.
(function () {
  "use strict";

  function currentId() {
    var detail = document.getElementById("handoff-detail");
    return detail ? detail.getAttribute("data-handoff-id") : null;
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#handoff-list .handoff-row")); }

  function markSelected() {
    var id = currentId();
    rows().forEach(function (row) { row.classList.toggle("selected", row.getAttribute("data-handoff-id") === id); });
  }

  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || (event.key !== "j" && event.key !== "k")) return;
    var list = rows();
    var index = list.findIndex(function (row) { return row.getAttribute("data-handoff-id") === currentId(); });
    var next = list[Math.min(list.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)))];
    if (next) { event.preventDefault(); next.click(); }
  });

  document.addEventListener("htmx:afterSettle", markSelected);
})();
