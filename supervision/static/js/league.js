// League pages: selects that submit their form on change, and ECharts charts whose data travel in
// a data-chart attribute (the CSP allows no inline script). Chart kinds: "bar" (ranked bar of one
// metric, best first, with the sector median), "distribution" (histogram of a sector's values with
// its median), "trend" (an institution against its sector median) and "lines" (sector medians).
(function () {
  "use strict";
  document.querySelectorAll("form.auto-submit select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  if (typeof window.echarts === "undefined") { return; }

  // ECharts renders a tooltip formatter's string as HTML: every piece of data in it is escaped
  // (institution names come from filings; the CSP would block scripts, but not markup)
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  function unit(spec) { return spec.unit || ""; }
  function fmt(spec) {
    return function (v) { return v === null || v === undefined ? "—" : String(v) + unit(spec); };
  }
  function medianLine(spec, axis) {
    if (spec.median === null || spec.median === undefined) { return undefined; }
    var point = {name: "median"};
    point[axis] = spec.median;
    return {symbol: "none", label: {formatter: "median " + spec.median + unit(spec)},
            lineStyle: {type: "dashed", color: "#d63384"}, data: [point]};
  }
  function barOption(spec) {
    var shown = Math.min(spec.names.length, 30);
    return {
      tooltip: {trigger: "axis", valueFormatter: fmt(spec)},
      grid: {left: 8, right: 48, top: 16, bottom: 8, containLabel: true},
      xAxis: {type: "value", name: spec.label},
      yAxis: {type: "category", inverse: true, data: spec.names.map(function (n, i) { return spec.ranks[i] + ". " + n; })},
      dataZoom: spec.names.length > shown ? [{type: "slider", yAxisIndex: 0, startValue: 0, endValue: shown - 1, right: 0},
                                             {type: "inside", yAxisIndex: 0}] : [],
      series: [{type: "bar", data: spec.values, markLine: medianLine(spec, "xAxis"), itemStyle: {color: "#0d6efd"}}]
    };
  }
  function histogram(values) {
    var nums = values.filter(function (v) { return v !== null; });
    if (!nums.length) { return []; }
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    var bins = Math.max(1, Math.min(20, Math.ceil(Math.sqrt(nums.length))));
    var width = (hi - lo) / bins || 1;
    var counts = new Array(bins).fill(0);
    nums.forEach(function (v) { counts[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1; });
    return counts.map(function (c, i) { return [lo + (i + 0.5) * width, c]; });
  }
  function distributionOption(spec) {
    return {
      tooltip: {trigger: "item"},
      grid: {left: 8, right: 24, top: 24, bottom: 8, containLabel: true},
      xAxis: {type: "value", name: spec.label, scale: true},
      yAxis: [{type: "value", name: "n", minInterval: 1}, {type: "value", show: false, min: -1, max: 1}],
      series: [
        {type: "bar", data: histogram(spec.values), barWidth: "60%", itemStyle: {color: "#6ea8fe"},
         markLine: medianLine(spec, "xAxis")},
        {type: "scatter", yAxisIndex: 1, symbolSize: 6, itemStyle: {color: "#0d6efd"},
         data: spec.values.map(function (v, i) { return {value: [v, 0], name: spec.names[i]}; }),
         tooltip: {formatter: function (p) { return esc(p.name) + ": " + esc(p.value[0]) + esc(unit(spec)); }}}
      ]
    };
  }
  function linesOption(spec, names, lines) {
    return {
      tooltip: {trigger: "axis", valueFormatter: fmt(spec)},
      legend: {data: names, top: 0},
      grid: {left: 8, right: 24, top: 48, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: spec.periods},
      yAxis: {type: "value", name: spec.label, scale: true},
      series: lines.map(function (data, i) {
        return {type: "line", name: names[i], data: data, connectNulls: false,
                lineStyle: i === 1 && spec.type === "trend" ? {type: "dashed"} : undefined};
      })
    };
  }
  function optionFor(spec) {
    if (spec.type === "bar") { return barOption(spec); }
    if (spec.type === "distribution") { return distributionOption(spec); }
    if (spec.type === "trend") { return linesOption(spec, spec.series, [spec.values, spec.medians]); }
    return linesOption(spec, spec.series, spec.lines);
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = window.echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(optionFor(spec));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
