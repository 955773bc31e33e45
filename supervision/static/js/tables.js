// Sortable and filterable tables without dependencies.
// A table with class "sortable" sorts by a header button click (data-sort="text|number");
// an <input class="table-filter" data-table="ID"> hides rows that do not contain its text.
// Rows with a data-pin attribute (totals) stay at the end whatever the order.
(function () {
  "use strict";
  function cellValue(row, idx, type) {
    var cell = row.cells[idx];
    var raw = cell ? (cell.getAttribute("data-value") || cell.textContent.trim()) : "";
    if (type === "number") {
      var n = parseFloat(raw.replace(/,/g, ""));
      return isNaN(n) ? null : n;
    }
    return raw;
  }
  function sortTable(table, idx, type, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      if (c.hasAttribute("aria-sort")) { c.setAttribute("aria-sort", "none"); }
    });
    th.setAttribute("aria-sort", dir);
    var all = Array.prototype.slice.call(body.rows);
    var pinned = all.filter(function (r) { return r.hasAttribute("data-pin"); });  // totals stay last
    var rows = all.filter(function (r) { return !r.hasAttribute("data-pin"); });
    var collator = new Intl.Collator(document.documentElement.lang || "zh-CN", {numeric: true});
    rows.sort(function (a, b) {
      var x = cellValue(a, idx, type), y = cellValue(b, idx, type);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   // empty values always last
      if (y === null) { return -1; }
      var r = type === "number" ? x - y : collator.compare(x, y);
      return dir === "ascending" ? r : -r;
    });
    rows.concat(pinned).forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, idx) {
      var btn = th.querySelector(".sort-btn");
      if (!btn) { return; }
      btn.addEventListener("click", function () { sortTable(table, idx, th.getAttribute("data-sort") || "text", th); });
    });
  });
  document.querySelectorAll("input.table-filter").forEach(function (input) {
    input.addEventListener("input", function () {
      var table = document.getElementById(input.getAttribute("data-table"));
      if (!table || !table.tBodies[0]) { return; }
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = q !== "" && row.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  });
})();
