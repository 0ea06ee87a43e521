// The operations page's stacked bar chart of e-mails sent per day, by kind of message. The
// figures come from the json_script block "operations-data"; the table below has the same.
(function () {
  "use strict";

  var COLOURS = ["#2a6f97", "#c9302c", "#8d99ae"];

  function draw() {
    var source = document.getElementById("operations-data");
    var canvas = document.getElementById("operations-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (serie, index) {
          return { label: serie.label, data: serie.data, backgroundColor: COLOURS[index % COLOURS.length] };
        }),
      },
      options: {
        responsive: true,
        animation: false,
        aspectRatio: 3,
        plugins: { legend: { position: "bottom" }, title: { display: true, text: data.title } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
