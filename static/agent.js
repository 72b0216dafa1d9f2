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

  function mark(n) {
    var list = items();
    if (!list.length) { selected = -1; return null; }
    selected = Math.max(0, Math.min(n, list.length - 1));
    list.forEach(function (el, i) { el.setAttribute("aria-selected", i === selected ? "true" : "false"); });
    return list[selected];
  }

  function select(n) {
    var el = mark(n);
    if (el) { el.focus(); }
  }

  // a text field other than the search box (the flag comment): its keys are typing, not shortcuts
  function typing(el) {
    if (el === input) { return false; }
    return el.tagName === "TEXTAREA" || el.isContentEditable ||
      (el.tagName === "INPUT" && !/^(button|submit|reset|checkbox|radio)$/.test(el.type));
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

  // Shortcuts leave other controls alone: Enter on a focused button, link or summary
  // does what it says, and text typed in the flag comment stays text.
  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    var onResult = target.classList && target.classList.contains("result");
    if (typing(target) || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (target.tagName === "SELECT" && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) { return; }
    if (target.type === "radio" && /^Arrow/.test(ev.key)) { return; }
    if (ev.key === "ArrowDown") { ev.preventDefault(); select(selected + 1); }
    else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (selected <= 0) { selected = -1; input.focus(); } else { select(selected - 1); }
    } else if (ev.key === "Enter" && onResult) {
      ev.preventDefault();
      var d = target.querySelector("details");
      if (d) { d.open = !d.open; }
    } else if (ev.key === "c" && onResult) {
      var b = target.querySelector("button.copy");
      if (b) { copy(b); }
    } else if (ev.key === "Escape") { input.value = ""; input.focus(); load(true); }
    else if (ev.key === "/" && target !== input) { ev.preventDefault(); input.focus(); }
  });

  // Tab into a result's buttons and links: the arrows go on from that result
  box.addEventListener("focusin", function (ev) {
    var li = ev.target.closest(".result");
    var at = li ? Array.prototype.indexOf.call(items(), li) : -1;
    if (at >= 0 && at !== selected) { mark(at); }
  });

  box.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.copy");
    if (b) { copy(b); }
  });

  input.focus();
})();
