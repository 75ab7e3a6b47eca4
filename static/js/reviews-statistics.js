// Charts of the cadre structure statistics page, drawn with the vendored Chart.js (no external request).
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") { return; }
  var palette = ["#a61b1b", "#d9822b", "#e0b43c", "#3f7f5f", "#2f6690", "#7b5ea7", "#8c8c8c"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  JSON.parse(node.textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.key);
    if (!canvas) { return; }
    var doughnut = chart.type === "doughnut";
    new Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: [{
          label: "人数",
          data: chart.values,
          backgroundColor: doughnut ? palette : "#a61b1b",
          borderWidth: doughnut ? 1 : 0
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: doughnut, position: "right" } },
        scales: doughnut ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
})();
