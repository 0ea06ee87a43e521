// The dashboard's stacked bar chart of open relapse signals by severity and age. The figures
// come from the json_script block "signals-data"; the table beside it has the same figures.
(function () {
  "use strict";

  var COLOURS = ["#f0ad4e", "#e8731a", "#c9302c", "#6f1d1b"];

  function draw() {
    var source = document.getElementById("signals-data");
    var canvas = document.getElementById("signals-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (serie, index) {
          return { label: serie.label, data: serie.data, backgroundColor: COLOURS[index % 4] };
        }),
      },
      options: {
        responsive: true,
        animation: false,
        indexAxis: "y",
        plugins: { legend: { position: "bottom" }, title: { display: true, text: data.title } },
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
