// Analytics pages: the chart of the view (data in a data-chart attribute; the CSP allows no inline
// script). Kinds: "stacked" (rows × columns as stacked bars), "bars" (one value per row), "lines"
// (series over periods).
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  function option(spec) {
    var grid = {left: 8, right: 24, top: 48, bottom: 8, containLabel: true};
    if (spec.type === "lines") {
      return {tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0}, grid: grid,
              xAxis: {type: "category", data: spec.periods}, yAxis: {type: "value", name: spec.label},
              series: spec.lines.map(function (data, i) { return {type: "line", name: spec.series[i], data: data}; })};
    }
    if (spec.type === "stacked") {
      return {tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, legend: {type: "scroll", top: 0}, grid: grid,
              xAxis: {type: "category", data: spec.categories, axisLabel: {interval: 0, rotate: spec.categories.length > 8 ? 40 : 0}},
              yAxis: {type: "value", name: spec.label},
              series: spec.series.map(function (s) { return {type: "bar", stack: "all", name: s.name, data: s.data}; })};
    }
    return {tooltip: {trigger: "axis"}, grid: grid,
            xAxis: {type: "category", data: spec.categories, axisLabel: {interval: 0, rotate: spec.categories.length > 8 ? 40 : 0}},
            yAxis: {type: "value", name: spec.label},
            series: [{type: "bar", data: spec.values, itemStyle: {color: "#0d6efd"}}]};
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option(spec));
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
