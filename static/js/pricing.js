// Polls an upload's status while the worker reads it, then reloads the page with the preview.
(function () {
  "use strict";
  var box = document.getElementById("upload-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var rows = box.querySelector("[data-rows]");
  var badge = document.getElementById("upload-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (bar) bar.value = data.percent;
        if (rows) rows.textContent = data.processed_rows;
        if (badge) badge.textContent = data.label;
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
