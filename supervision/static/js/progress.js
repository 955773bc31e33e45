// Version page: poll the progress endpoint while the version is being processed, move the bar and
// the named stages (guards → reading → validating → storing → checks) with the rows read, and
// reload the page when processing has finished (the report is then rendered server-side).
// Every word shown comes from the page (translated there); this script shows no text of its own.
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
  var steps = Array.prototype.slice.call(document.querySelectorAll("#progress-stages .stage"));
  var order = steps.map(function (s) { return s.getAttribute("data-stage"); });
  var percent = {queued: 3, guards: 10, reading: 30, validating: 60, storing: 80, checks: 92, done: 100};
  function label(stage) {
    var i = order.indexOf(stage);
    return i < 0 ? "" : steps[i].textContent;
  }
  function show(p) {
    var stage = p.stage || "queued";
    var at = order.indexOf(stage);
    steps.forEach(function (s, i) {
      s.classList.toggle("stage-done", at >= 0 && i < at);
      s.classList.toggle("stage-current", i === at);
      if (i === at) { s.setAttribute("aria-current", "step"); } else { s.removeAttribute("aria-current"); }
    });
    var pct = percent[stage] || 3;
    bar.style.width = pct + "%";
    wrap.setAttribute("aria-valuenow", String(pct));
    var parts = [label(stage)];
    if (p.rows_read) {
      parts.push(text.getAttribute("data-rows-template").replace("{n}", Number(p.rows_read).toLocaleString()));
    }
    if (p.sheet && text.getAttribute("data-sheet-template")) {
      parts.push(text.getAttribute("data-sheet-template").replace("{s}", p.sheet));
    }
    text.textContent = parts.filter(Boolean).join(" · ");
  }
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        show(d.progress || {});
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
