// The supplier page's two charts (uPlot, vendored in static/ratings/vendor/): what each criterion
// adds to the score, as bars, and the monthly score history, as a line.
(function () {
  "use strict";
  var node = document.getElementById("rating-chart-data");
  if (!node || typeof uPlot === "undefined") return;
  var data = JSON.parse(node.textContent);
  var width = function (id) { return Math.max(280, document.getElementById(id).clientWidth || 400); };

  if (data.contributions.length) {
    var xs = data.contributions.map(function (_, i) { return i; });
    new uPlot({
      width: width("contributions-chart"), height: 220, legend: {show: false},
      scales: {x: {time: false, range: [-0.5, xs.length - 0.5]}, y: {range: [0, Math.max.apply(null, data.contributions.concat([1])) * 1.1]}},
      axes: [{values: function (u, ticks) { return ticks.map(function (t) { return data.labels[t] || ""; }); }, incrs: [1]}, {}],
      series: [{}, {label: "", fill: "#4a7bd0", stroke: "#2f5aa8", paths: uPlot.paths.bars({size: [0.6]}), points: {show: false}}]
    }, [xs, data.contributions], document.getElementById("contributions-chart"));
  }
  if (data.months.length) {
    var times = data.months.map(function (m) { return Date.parse(m) / 1000; });
    new uPlot({
      width: width("history-chart"), height: 220, legend: {show: false},
      scales: {y: {range: [0, 100]}},
      series: [{}, {label: "", stroke: "#2f5aa8", width: 2}]
    }, [times, data.scores], document.getElementById("history-chart"));
  }
})();
