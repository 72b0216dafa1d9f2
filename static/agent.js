// Agent sidebar: search as you type, keyboard first. No build step, no dependencies.
(function () {
  "use strict";
  var form = document.querySelector(".agent-search");
  var input = document.getElementById("agent-q");
  var lang = form.querySelector("select[name=lang]");
  var box = document.getElementById("agent-results");
  var endpoint = form.getAttribute("data-fragment");
  var timer = null;
  var settle = null;
  var recorded = null;
  var shown = null;
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

  // live=1: an as-you-type request, not recorded; the question is recorded once the
  // agent stops typing (settled), so the journal holds questions, not keystrokes
  function load(live) {
    var q = input.value;
    var mine = ++seq;
    var key = q + "\u0000" + lang.value;
    if (!live) {
      if (key === recorded) { return; }
      recorded = key;
    }
    var url = endpoint + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang.value) + (live ? "&live=1" : "");
    if (history.replaceState) {
      history.replaceState(null, "", "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang.value));
    }
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (mine !== seq) { return; } // a newer keystroke already asked
        if (!live && key === shown) {
          // the same results are on screen (maybe mid-keyboard use): keep them, take the ref
          var parsed = document.createElement("template");
          parsed.innerHTML = html;
          var list = parsed.content.querySelector("[data-ref]");
          var ref = list ? list.getAttribute("data-ref") : "";
          box.querySelectorAll("input[name=ref]").forEach(function (el) { el.value = ref; });
          return;
        }
        box.innerHTML = html; // server-rendered and sanitised fragment
        shown = key;
        selected = -1;
      })
      .catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    clearTimeout(settle);
    timer = setTimeout(function () { load(true); }, 90);
    settle = setTimeout(function () { load(false); }, 1500);
  }

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
  lang.addEventListener("change", function () { load(false); input.focus(); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); clearTimeout(settle); load(false); });

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
    } else if (ev.key === "Escape") { input.value = ""; input.focus(); load(true); }
    else if (ev.key === "/" && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });

  box.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.copy");
    if (b) { copy(b); }
  });

  input.focus();
})();
