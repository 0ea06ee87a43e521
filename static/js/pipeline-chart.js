// The pipeline overview's two bar charts. The figures come from the page's json_script block
// (id "pipeline-data"); the same figures are in the table below the charts for screen readers.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("pipeline-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    var common = {
      responsive: true,
      aspectRatio: phone ? 1.1 : 1.6,
      animation: false,
      indexAxis: phone ? "y" : "x",
      plugins: { legend: { display: true, position: "bottom" } },
      scales: {},
    };
    var valueAxis = phone ? "x" : "y";
    common.scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };

    var counts = document.getElementById("pipeline-counts");
    if (counts) {
      new window.Chart(counts, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: data.text.counts, data: data.counts, backgroundColor: "#0b3d91" },
          ],
        },
        options: common,
      });
    }

    var days = document.getElementById("pipeline-days");
    if (days) {
      new window.Chart(days, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: data.text.median, data: data.median, backgroundColor: "#4c8bf5" },
            { label: data.text.longest, data: data.longest, backgroundColor: "#b45309" },
          ],
        },
        options: common,
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
