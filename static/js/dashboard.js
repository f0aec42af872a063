// Team dashboard charts. Data comes from the json_script element "dashboard-data"; every chart's numbers are
// also in a table next to it, so the page works without this script.
(function () {
  "use strict";
  // A table page whose cursor was edited answers 400 with a message to show in the table's place.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status === 400 && xhr.getResponseHeader("X-Invalid-Cursor") === "1") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  const el = document.getElementById("dashboard-data");
  if (!el || typeof window.Chart === "undefined") return;
  const data = JSON.parse(el.textContent);
  const pct = { min: 0, max: 100, ticks: { callback: (v) => v + "%" } };

  const completion = document.getElementById("chart-completion");
  if (completion) {
    new window.Chart(completion, {
      type: "line",
      data: {
        labels: data.completion.labels,
        datasets: [
          { label: completion.dataset.labelRate, data: data.completion.completion_rate, tension: 0.2, yAxisID: "y" },
          { label: completion.dataset.labelOverdue, data: data.completion.overdue, yAxisID: "y1", borderDash: [4, 4] },
        ],
      },
      options: { animation: false, scales: { y: pct, y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } },
    });
    completion.dataset.rendered = "1";
  }
  const teams = document.getElementById("chart-teams");
  if (teams) {
    new window.Chart(teams, {
      type: "bar",
      data: { labels: data.teams.labels, datasets: [{ label: teams.dataset.labelRate, data: data.teams.completion_rate }] },
      options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: pct } },
    });
    teams.dataset.rendered = "1";
  }
  const distribution = document.getElementById("chart-distribution");
  if (distribution && data.distribution) {
    new window.Chart(distribution, {
      type: "bar",
      data: { labels: data.distribution.labels, datasets: [{ label: distribution.dataset.label, data: data.distribution.people }] },
      options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    distribution.dataset.rendered = "1";
  }
  ["category", "competency"].forEach(function (axis) {
    const canvas = document.getElementById("chart-radar-" + axis);
    const radar = data["radar_" + axis];
    if (!canvas || !radar) return;
    new window.Chart(canvas, {
      type: "radar",
      data: { labels: radar.labels, datasets: [{ label: canvas.dataset.label, data: radar.scores, fill: true, spanGaps: true }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { r: { min: 0, max: 100, ticks: { stepSize: 20 }, pointLabels: { font: { size: 12 } } } },
      },
    });
    canvas.dataset.rendered = "1";
  });
})();
