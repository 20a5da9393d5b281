// The auction form: times are typed in the device's time zone; the server is told its offset.
(function () {
  "use strict";
  var form = document.getElementById("auction-form");
  if (!form) return;
  var offset = document.getElementById("tz-offset");
  offset.value = String(new Date().getTimezoneOffset());
  var name = document.getElementById("tz-name");
  try {
    name.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) { /* an old browser: the offset alone is enough */ }
  function local(date) {
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":00";
  }
  if (form.dataset.fresh === "1") {
    // The server proposed its own (UTC) times: propose the same moments in local time instead.
    var start = new Date(Date.now() + 15 * 60000);
    start.setSeconds(0, 0);
    form.querySelector("[name=starts_at]").value = local(start);
    form.querySelector("[name=ends_at]").value = local(new Date(start.getTime() + 30 * 60000));
  }
})();
