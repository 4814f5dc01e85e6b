// Refreshes the import progress counts and bar every two seconds until every badge is issued or failed.
(function () {
  "use strict";
  var root = document.getElementById("import-progress");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  function set(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("progress-bar").value = data.percent;
        ["percent", "rows", "completions", "issued", "pending", "failed"].forEach(function (key) {
          set("progress-" + key, data[key]);
        });
        // A worker finished or failed the import: reload once for its report, or its reason and retry button.
        if (root.getAttribute("data-status") === "applying" && data.status !== "applying") {
          window.location.reload();
          return;
        }
        set("progress-status", data.status_label);
        if (data.status === "applying" || data.pending > 0) { window.setTimeout(tick, 2000); }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 2000);
})();
