// FAQ chat widget: asks /api/v1/chat and shows the reply as text (never as HTML).
(function () {
  "use strict";
  var box = document.getElementById("chat");
  if (!box) { return; }
  var form = box.querySelector(".chat-form");
  var log = box.querySelector(".chat-log");
  var session = "w" + Math.random().toString(36).slice(2);

  function add(who, text, data) {
    var li = document.createElement("li");
    li.className = "chat-" + who;
    var p = document.createElement("p");
    p.textContent = text;
    li.appendChild(p);
    if (data && data.answer) {
      li.setAttribute("data-article-id", data.answer.id);
      li.setAttribute("data-lang", data.answer.lang);
      li.setAttribute("data-revision", data.answer.revision);
      li.setAttribute("data-content-hash", data.answer.content_hash);
      li.appendChild(helpful(data));
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  // "Was this helpful?" under an answer: posts the answer's ref to /api/v1/feedback
  function helpful(data) {
    var p = document.createElement("p");
    p.className = "chat-feedback";
    p.appendChild(document.createTextNode(box.getAttribute("data-helpful-q") + " "));
    [["yes", true], ["no", false]].forEach(function (pair) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = box.getAttribute("data-" + pair[0]);
      b.addEventListener("click", function () {
        fetch(box.getAttribute("data-feedback"), {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ ref: data.ref, helpful: pair[1], revision: data.answer.revision })
        }).then(function (r) {
          if (r.ok) { p.textContent = box.getAttribute("data-thanks"); }
        }).catch(function () {});
      });
      p.appendChild(b);
    });
    return p;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = form.querySelector("input[name=message]");
    var message = input.value.trim();
    if (!message) { return; }
    add("user", message);
    input.value = "";
    fetch(box.getAttribute("data-endpoint"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: message, lang: box.getAttribute("data-lang"), session: session })
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        add("bot", data.reply || (data.error && data.error.message) || "", data);
      })
      .catch(function () { add("bot", "…"); });
  });
})();
