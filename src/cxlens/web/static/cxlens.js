/* cxlens charts: every element with data-chart="ID" is drawn from the JSON in <script id="ID">.
 * No inline scripts anywhere (the Content-Security-Policy forbids them); data travels as JSON islands.
 * Spec kinds:
 *   line  {x: [...], series: [{name, data, low?, high?}], unit}   lines with a shaded 95 % interval
 *   bar   {categories: [...], series: [{name, data, low?, high?, colors?}], unit, horizontal?}   bars with error bars
 *         (colors: one colour per bar, e.g. NPS detractors / passives / promoters)
 * Any spec may carry a title (shown above the chart, e.g. "nps: n = 120").
 *   stack {x: [...], series: [{name, data}], unit}   stacked bars (e.g. promoters / passives / detractors)
 */
(function () {
  "use strict";

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) { return "—"; }
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  }

  var PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"];

  function band(spec, s, i) {
    /* an interval band in the line's colour: an invisible base at `low`, then (high - low) stacked on it */
    var stack = "ci" + i;
    var colour = PALETTE[i % PALETTE.length];
    return [
      { name: s.name + " CI", type: "line", data: s.low, stack: stack, symbol: "none", color: colour,
        lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true },
      { name: s.name + " CI", type: "line", stack: stack, symbol: "none", lineStyle: { opacity: 0 }, color: colour,
        areaStyle: { opacity: 0.18, color: colour }, tooltip: { show: false }, silent: true,
        data: s.high.map(function (h, k) { return (h === null || s.low[k] === null) ? null : h - s.low[k]; }) }
    ];
  }

  function errorBars(spec, s, horizontal) {
    return {
      type: "custom", name: s.name + " CI", silent: true, tooltip: { show: false },
      data: s.data.map(function (v, k) { return [k, s.low[k], s.high[k]]; }),
      encode: horizontal ? { x: [1, 2], y: 0 } : { x: 0, y: [1, 2] },
      renderItem: function (params, api) {
        var lo = api.value(1), hi = api.value(2);
        if (lo === null || hi === null || Number.isNaN(lo) || Number.isNaN(hi)) { return null; }
        var a = horizontal ? api.coord([lo, api.value(0)]) : api.coord([api.value(0), lo]);
        var b = horizontal ? api.coord([hi, api.value(0)]) : api.coord([api.value(0), hi]);
        var w = 6;
        var lines = horizontal
          ? [[a[0], a[1], b[0], b[1]], [a[0], a[1] - w, a[0], a[1] + w], [b[0], b[1] - w, b[0], b[1] + w]]
          : [[a[0], a[1], b[0], b[1]], [a[0] - w, a[1], a[0] + w, a[1]], [b[0] - w, b[1], b[0] + w, b[1]]];
        return { type: "group", children: lines.map(function (l) {
          return { type: "line", shape: { x1: l[0], y1: l[1], x2: l[2], y2: l[3] }, style: { stroke: "#333", lineWidth: 1 } };
        }) };
      }
    };
  }

  function option(spec) {
    var unit = spec.unit ? " " + spec.unit : "";
    var base = {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v) + unit; } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: 24, top: 36, bottom: 40, containLabel: true },
      aria: { enabled: true }
    };
    if (spec.kind === "line") {
      var series = [];
      spec.series.forEach(function (s, i) {
        series.push({ name: s.name, type: "line", data: s.data, connectNulls: false, showSymbol: true,
                      color: PALETTE[i % PALETTE.length] });
        if (s.low && s.high) { series = series.concat(band(spec, s, i)); }
      });
      base.legend.data = spec.series.map(function (s) { return s.name; });
      base.xAxis = { type: "category", data: spec.x };
      base.yAxis = { type: "value", name: spec.unit || "", scale: true };
      base.series = series;
    } else if (spec.kind === "bar") {
      var horizontal = !!spec.horizontal;
      var cat = { type: "category", data: spec.categories, inverse: horizontal,
                  axisLabel: { interval: 0 } };
      var val = { type: "value", name: spec.unit || "" };
      base.xAxis = horizontal ? val : cat;
      base.yAxis = horizontal ? cat : val;
      base.series = [];
      spec.series.forEach(function (s) {
        var data = s.colors
          ? s.data.map(function (v, k) { return { value: v, itemStyle: s.colors[k] ? { color: s.colors[k] } : {} }; })
          : s.data;
        base.series.push({ name: s.name, type: "bar", data: data, barMaxWidth: 36 });
        if (s.low && s.high) { base.series.push(errorBars(spec, s, horizontal)); }
      });
      base.legend.data = spec.series.map(function (s) { return s.name; });
      /* bars coloured one by one have no single legend colour: the page explains the colours instead */
      base.legend.show = !spec.series.some(function (s) { return !!s.colors; });
    } else if (spec.kind === "stack") {
      base.xAxis = { type: "category", data: spec.x };
      base.yAxis = { type: "value", name: spec.unit || "", max: spec.max || null };
      base.series = spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.data, barMaxWidth: 48 };
      });
    }
    if (spec.title) {
      base.title = { text: spec.title, left: "center", top: 0, textStyle: { fontSize: 13 } };
      base.legend.top = 22;
      base.grid.top = 56;
    }
    return base;
  }

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var island = document.getElementById(el.getAttribute("data-chart"));
      if (!island) { return; }
      var spec = JSON.parse(island.textContent);
      if (spec.kind === "bar" && spec.horizontal && spec.categories.length > 12) {
        el.style.height = (spec.categories.length * 22 + 90) + "px";  /* one readable row per slice */
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  function progress() {
    /* forms with data-progress show a progress note while a long request (an import) runs */
    document.querySelectorAll("form[data-progress]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var note = document.getElementById(form.getAttribute("data-progress"));
        if (note) { note.hidden = false; }
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(); progress(); });
})();
