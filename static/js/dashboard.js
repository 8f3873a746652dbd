// Dashboard charts from the json_script data (#dashboard-data), drawn with the vendored Chart.js.
(function () {
  "use strict";

  var COLORS = { resolve: "#12805c", draft: "#dc6803", escalate: "#b42318" };

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var common = { responsive: true, maintainAspectRatio: false, animation: false };

    new Chart(document.getElementById("chart-categories"), {
      type: "bar",
      data: {
        labels: data.categories.labels,
        datasets: data.categories.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: COLORS[d.key] };
        }),
      },
      options: Object.assign({}, common, {
        indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true, ticks: { autoSkip: false } } },
      }),
    });

    new Chart(document.getElementById("chart-tickets"), {
      type: "bar",
      data: { labels: data.tickets.labels, datasets: [{ label: "Tickets", data: data.tickets.data, backgroundColor: "#3056d3" }] },
      options: Object.assign({}, common, { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } } }),
    });

    new Chart(document.getElementById("chart-days"), {
      type: "line",
      data: {
        labels: data.days.labels,
        datasets: [
          { label: "Created", data: data.days.created, borderColor: "#3056d3", backgroundColor: "#3056d3", cubicInterpolationMode: "monotone" },
          { label: "Resolved", data: data.days.resolved, borderColor: "#12805c", backgroundColor: "#12805c", cubicInterpolationMode: "monotone" },
        ],
      },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } }),
    });

    new Chart(document.getElementById("chart-outcomes"), {
      type: "doughnut",
      data: {
        labels: data.outcomes.labels,
        datasets: [{ data: data.outcomes.data, backgroundColor: data.outcomes.keys.map(function (k) { return COLORS[k]; }) }],
      },
      options: common,
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
