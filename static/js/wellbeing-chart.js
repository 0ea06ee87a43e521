// A volunteer's well-being answers over time: one line per question on the 1-5 scale (1 is
// always the worst). The figures come from the json_script block "wellbeing-data"; the table
// below the chart has the same figures.
(function () {
  "use strict";

  var COLOURS = ["#0b3d91", "#b45309", "#15803d", "#7c3aed"];

  function draw() {
    var source = document.getElementById("wellbeing-data");
    var canvas = document.getElementById("wellbeing-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (serie, index) {
          var colour = COLOURS[index % COLOURS.length];
          return {
            label: serie.label,
            data: serie.data,
            borderColor: colour,
            backgroundColor: colour,
            tension: 0.2,
            spanGaps: false,
          };
        }),
      },
      options: {
        responsive: true,
        aspectRatio: phone ? 1.1 : 2.2,
        animation: false,
        plugins: { legend: { position: "bottom" }, title: { display: true, text: data.title } },
        scales: { y: { min: 1, max: 5, ticks: { stepSize: 1, precision: 0 } } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
