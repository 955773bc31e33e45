// Upload page: drag-and-drop onto the drop zone, show the file's size and SHA-256 before sending,
// and keep the template links pointing at the chosen period.
(function () {
  "use strict";
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("file");
  var facts = document.getElementById("file-facts");
  function human(n) {
    if (n < 1024) { return n + " B"; }
    if (n < 1048576) { return (n / 1024).toFixed(1) + " KiB"; }
    return (n / 1048576).toFixed(1) + " MiB";
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function describe(file) {
    if (!file) { facts.hidden = true; return; }
    facts.hidden = false;
    document.getElementById("fact-name").textContent = file.name;
    document.getElementById("fact-size").textContent = human(file.size) + " (" + file.size + " bytes)";
    var sha = document.getElementById("fact-sha");
    sha.textContent = "…";
    if (window.crypto && window.crypto.subtle && file.arrayBuffer) {
      file.arrayBuffer().then(function (buf) { return window.crypto.subtle.digest("SHA-256", buf); })
        .then(function (d) { sha.textContent = hex(d); })
        .catch(function () { sha.textContent = "—"; });
    } else { sha.textContent = "—"; }
  }
  if (zone && input) {
    input.addEventListener("change", function () { describe(input.files[0]); });
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("drop-active"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("drop-active"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        describe(input.files[0]);
      }
    });
  }
  var period = document.getElementById("period");
  function retarget() {
    document.querySelectorAll(".template-link").forEach(function (a) {
      var url = new URL(a.href, window.location.href);
      url.searchParams.set("period", period.value.split(" ")[0]);
      a.href = url.pathname + url.search;
    });
  }
  if (period) { period.addEventListener("change", retarget); retarget(); }
})();
