// Agent sidebar: search as you type, keyboard first. No build step, no dependencies.
(function () {
  "use strict";
  var form = document.querySelector(".agent-search");
  var input = document.getElementById("agent-q");
  var lang = form.querySelector("select[name=lang]");
  var box = document.getElementById("agent-results");
  var endpoint = form.getAttribute("data-fragment");
  var timer = null;
  var seq = 0;
  var selected = -1;

  function items() { return box.querySelectorAll(".result"); }

  function select(n) {
    var list = items();
    if (!list.length) { selected = -1; return; }
    selected = Math.max(0, Math.min(n, list.length - 1));
    list.forEach(function (el, i) { el.setAttribute("aria-selected", i === selected ? "true" : "false"); });
    list[selected].focus();
  }

  function load() {
    var q = input.value;
    var mine = ++seq;
    var url = endpoint + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang.value);
    if (history.replaceState) {
      history.replaceState(null, "", "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang.value));
    }
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (mine !== seq) { return; } // a newer keystroke already asked
        box.innerHTML = html; // server-rendered and sanitised fragment
        selected = -1;
      })
      .catch(function () {});
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(load, 90); }

  function copy(button) {
    var text = button.getAttribute("data-copy") || "";
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "✓";
      setTimeout(function () { button.textContent = label; }, 1200);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  }

  input.addEventListener("input", schedule);
  lang.addEventListener("change", function () { load(); input.focus(); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { ev.preventDefault(); select(selected + 1); }
    else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (selected <= 0) { selected = -1; input.focus(); } else { select(selected - 1); }
    } else if (ev.key === "Enter" && selected >= 0 && document.activeElement !== input) {
      ev.preventDefault();
      var d = items()[selected].querySelector("details");
      if (d) { d.open = !d.open; }
    } else if (ev.key === "c" && selected >= 0 && document.activeElement !== input) {
      var b = items()[selected].querySelector("button.copy");
      if (b) { copy(b); }
    } else if (ev.key === "Escape") { input.value = ""; input.focus(); load(); }
    else if (ev.key === "/" && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });

  box.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.copy");
    if (b) { copy(b); }
  });

  input.focus();
})();
