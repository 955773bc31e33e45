// Dry-run page: while the check runs in the background, reload every two seconds until the report is shown.
(function () {
  "use strict";
  if (document.getElementById("dry-run-wait")) {
    window.setTimeout(function () { window.location.reload(); }, 2000);
  }
})();
