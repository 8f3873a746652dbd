// Audit and category-metrics charts from json_script data (#audit-data, #metrics-data), drawn with the vendored Chart.js.
(function () {
  "use strict";

  var PALETTE = ["#3056d3", "#12805c", "#dc6803", "#b42318", "#7a5af8", "#0e9384", "#c11574", "#667085", "#2e90fa", "#66c61c", "#f79009", "#6172f3", "#ee46bc", "#15b79e"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function data(id) {
    var source = document.getElementById(id);
    return source && typeof Chart !== "undefined" ? JSON.parse(source.textContent) : null;
  }

  function audit(d) {
    new Chart(document.getElementById("chart-score"), {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: "Score", data: d.scores, backgroundColor: d.sensitive.map(function (s) { return s ? "#b42318" : "#12805c"; }) }] },
      options: Object.assign({}, common, { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 }, y: { ticks: { autoSkip: false } } } }),
    });
    new Chart(document.getElementById("chart-channels"), {
      type: "bar",
      data: { labels: d.labels, datasets: d.channels.map(function (ch, i) { return { label: ch, data: d.channel_counts[i], backgroundColor: PALETTE[i % PALETTE.length] }; }) },
      options: Object.assign({}, common, { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true, ticks: { autoSkip: false } } } }),
    });
  }

  function lines(canvas, d, key, percent) {
    var slugs = Object.keys(d.series);
    new Chart(document.getElementById(canvas), {
      type: "line",
      data: {
        labels: d.labels,
        datasets: slugs.map(function (slug, i) {
          var values = d.series[slug][key].map(function (v) { return v === null ? null : (percent ? v * 100 : v); });
          return { label: slug, data: values, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], spanGaps: true };
        }),
      },
      options: Object.assign({}, common, { scales: { y: percent ? { min: 0, max: 100 } : { beginAtZero: true } } }),
    });
  }

  function draw() {
    var a = data("audit-data");
    if (a) audit(a);
    var m = data("metrics-data");
    if (m) {
      lines("chart-ai-rate", m, "ai_resolution_rate", true);
      lines("chart-esc-rate", m, "escalation_rate", true);
      lines("chart-volume", m, "tickets", false);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
