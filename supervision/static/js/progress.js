// Version page: poll the progress endpoint while the version is being processed, move the bar,
// and reload the page when processing has finished (the report is then rendered server-side).
(function () {
  "use strict";
  var box = document.getElementById("version-status");
  if (!box) { return; }
  var status = box.getAttribute("data-status");
  if (status !== "RECEIVED" && status !== "VALIDATING") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("progress-bar");
  var wrap = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var stages = {queued: 5, guards: 15, validating: 40, storing: 80, checks: 95, done: 100};
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var p = d.progress || {};
        var pct = stages[p.stage] || 5;
        if (p.stage === "storing" && p.rows_total) { pct = 85; }
        bar.style.width = pct + "%";
        wrap.setAttribute("aria-valuenow", String(pct));
        var msg = (p.stage || "queued");
        if (p.rows_read) { msg += " · " + p.rows_read + " rows"; }
        text.textContent = msg;
        if (d.status !== "RECEIVED" && d.status !== "VALIDATING") {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  tick();
})();
