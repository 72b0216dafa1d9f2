// Live preview for the edit form: the server renders with the channels' renderer and
// runs the same checks as `kb check`; this only sends the form and shows the answer.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var target = document.getElementById("preview");
  if (!form || !target || !window.fetch) return;
  var timer = null;
  var sent = 0;
  function refresh() {
    var ticket = ++sent;
    var data = new FormData(form);
    data.delete("action");
    fetch(form.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (ticket === sent) target.innerHTML = html; })
      .catch(function () { /* keep the last preview; the buttons still work */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
