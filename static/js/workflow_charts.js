// Workflow studio charts (vendored Chart.js): the risk–coverage curve (#calibration-data) and the backtest sweep
// (#backtest-data). Redrawn after htmx swaps the panel that holds the data. Sweep rows can set the threshold form.
(function () {
  "use strict";

  var charts = {};

  function line(id, labels, datasets, yTitle, y2Title) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "confidence threshold" } },
          y: { beginAtZero: true, max: 100, title: { display: true, text: yTitle } },
          y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: y2Title } },
        },
      },
    });
  }

  function draw() {
    var source = document.getElementById("calibration-data");
    if (source) {
      var d = JSON.parse(source.textContent);
      line("chart-risk-coverage", d.thresholds.map(function (t) { return t.toFixed(2); }), [
        { label: "Automated (% of tickets)", data: d.coverage, borderColor: "#3056d3", backgroundColor: "#3056d3", yAxisID: "y" },
        { label: "Wrong (% of automated)", data: d.error_rate, borderColor: "#b42318", backgroundColor: "#b42318", yAxisID: "y2" },
      ], "% automated", "% wrong");
    }
    var sweep = document.getElementById("backtest-data");
    if (sweep) {
      var s = JSON.parse(sweep.textContent);
      line("chart-backtest", s.thresholds.map(function (t) { return t.toFixed(2); }), [
        { label: "Auto-resolved %", data: s.auto, borderColor: "#12805c", backgroundColor: "#12805c", yAxisID: "y" },
        { label: "Drafted %", data: s.draft, borderColor: "#dc6803", backgroundColor: "#dc6803", yAxisID: "y" },
        { label: "Escalated %", data: s.escalate, borderColor: "#b42318", backgroundColor: "#b42318", yAxisID: "y" },
        { label: "Agreement with humans %", data: s.agreement, borderColor: "#3056d3", backgroundColor: "#3056d3", borderDash: [4, 4], yAxisID: "y" },
        { label: "Auto-resolved but wrong", data: s.auto_wrong, borderColor: "#6b7280", backgroundColor: "#6b7280", yAxisID: "y2" },
      ], "% of routed tickets", "tickets");
    }
  }

  // "use" in a sweep row: put that auto threshold in the threshold form (the draft threshold follows it down when
  // it was above) and let the form's htmx change trigger replay the backtest for it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-use-auto]") : null;
    var form = document.getElementById("threshold-form");
    if (!button || !form) return;
    var auto = form.querySelector("[name=auto]");
    var draft = form.querySelector("[name=draft]");
    auto.value = button.getAttribute("data-use-auto");
    if (draft && parseFloat(draft.value) > parseFloat(auto.value)) draft.value = auto.value;
    auto.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
