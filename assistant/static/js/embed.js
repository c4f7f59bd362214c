/* The embedded panel (/embed): asks over fetch, walks the guided journey, keeps the
   conversation in this frame's sessionStorage (no cookies), and talks to the host page
   only by postMessage with the exact origin the server verified. Without JavaScript the
   plain form and links still work. */
(function () {
  "use strict";
  var body = document.body;
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  var box = document.getElementById("message");
  var STORE = "pair-embed-v1";
  var parentOrigin = body.getAttribute("data-parent-origin") || "";
  var framed = window.parent !== window && parentOrigin !== "";
  var turnCount = log ? log.querySelectorAll(".turn--assistant").length : 0;
  var state = load();

  var render = window.PAIRRender;
  var el = render.el;

  /* ---- messages to and from the host page ---- */
  function send(type, extra) {
    if (!framed) { return; }
    var message = { source: "pair-assistant", type: type };
    Object.keys(extra || {}).forEach(function (k) { message[k] = extra[k]; });
    window.parent.postMessage(message, parentOrigin);
  }
  function onMessage(event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.source !== "pair-assistant") { return; }
    if (data.type === "open") { box.focus(); }
  }
  function reportSize() { send("resize", { height: document.documentElement.scrollHeight }); }

  /* ---- rendering ---- */
  function choiceButton(option, from) {
    var button = el("button", { type: "button", "class": "button button--secondary journey-choice",
      "data-node": option.id, "data-from": from }, option.label);
    return button;
  }
  function stepNode(step, prefix) {
    var wrap = el("div", { "class": "journey-step" });
    var heading = el("h2", { "class": "step-title", tabindex: "-1", id: prefix + "-title" }, step.title);
    wrap.appendChild(heading);
    wrap.appendChild(el("p", { "class": "step-text" }, step.text));
    if (step.citations && step.citations.length) {
      wrap.appendChild(el("p", { "class": "who" }, "Evidence for this step"));
      wrap.appendChild(render.citationList(step.citations, prefix, true));
    }
    if (step.options && step.options.length) {
      var ul = el("ul", { "class": "journey-choices", "aria-label": "Next steps" });
      step.options.forEach(function (o) {
        var li = el("li");
        li.appendChild(choiceButton(o, step.id));
        ul.appendChild(li);
      });
      wrap.appendChild(ul);
    }
    return wrap;
  }
  function addTurn(turn) {
    turnCount += 1;
    var prefix = "a" + turnCount;
    var user = el("div", { "class": "turn turn--user" });
    user.appendChild(el("p", { "class": "who" }, turn.kind === "step" ? "You chose" : "You asked"));
    user.appendChild(el("p", {}, turn.q));
    var reply = el("div", { "class": "turn turn--assistant" });
    reply.appendChild(el("p", { "class": "who" }, turn.kind === "step" ? "Guided journey" : render.replyLabel(turn.a)));
    reply.appendChild(turn.kind === "step" ? stepNode(turn.a, prefix) : render.answerNode(turn.a, prefix, true));
    var feedback = turn.kind === "step" ? null : render.feedbackNode(turn.a, prefix, "/embed/feedback");
    if (feedback) { reply.appendChild(feedback); }
    var upcoming = turn.kind === "step" ? null : render.nextQuestionsNode(turn.a, askQuestion);
    if (upcoming) { reply.appendChild(upcoming); }
    log.appendChild(user);
    log.appendChild(reply);
    return reply;
  }

  /* ---- state: this frame's sessionStorage only ---- */
  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null") || { turns: [], trail: [] }; }
    catch (e) { return { turns: [], trail: [] }; }
  }
  function save() {
    state.turns = state.turns.slice(-12);
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* blocked or full */ }
  }
  function remember(turn) { state.turns.push(turn); save(); return addTurn(turn); }

  /* ---- actions ---- */
  var status = el("p", { "class": "status", role: "status" });
  var announcer = document.getElementById("announcer");
  function announce(text) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }
  /* Enter sends, Shift+Enter starts a new line. */
  function onKey(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) { return; }
    event.preventDefault();
    if (form.requestSubmit) { form.requestSubmit(); } else { ask(event); }
  }
  /* What went wrong, in words for people (the API's messages name its fields). */
  function problem(code) {
    var limit = Number(box.getAttribute("maxlength")) || 1000;
    if (code === "rate_limited") { return "Too many questions in a short time. Wait a minute and try again."; }
    if (code === "invalid_input" && box.value.trim().length > limit) {
      return "Your question must be " + limit.toLocaleString("en-GB") + " characters or fewer";
    }
    if (code === "invalid_input") { return "Type a question"; }
    return "Sorry, there is a problem with the service. Try again later.";
  }
  function getJSON(url, options) {
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(problem(data.error ? data.error.code : "")); }
        return data;
      });
    });
  }
  function ask(event) {
    var question = box.value.trim();
    if (!question) { return; }  /* the server explains an empty question */
    event.preventDefault();
    askQuestion(question);
  }
  function askQuestion(question) {
    status.textContent = "Searching the evidence…";
    var turns = state.turns.filter(function (t) { return t.kind === "answer"; });
    getJSON("/api/ask", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: question, history: render.historyOf(turns) }) })
      .then(function (data) {
        remember({ kind: "answer", q: question, a: data });
        box.value = "";
        status.textContent = "";
        announce("Answer added. " + render.answerText(data));
      })
      .catch(function (error) { status.textContent = error.message; });
  }
  function choose(button) {
    var to = button.getAttribute("data-node"), from = button.getAttribute("data-from");
    state.trail = state.trail.filter(function (id) { return id !== from; }).concat([from]).slice(-20);
    status.textContent = "Loading the next step…";
    getJSON("/api/journey/" + encodeURIComponent(to) + "?trail=" + encodeURIComponent(state.trail.join(",")))
      .then(function (step) {
        var reply = remember({ kind: "step", q: button.textContent, a: step });
        status.textContent = "";
        reply.querySelector(".step-title").focus();
      })
      .catch(function (error) { status.textContent = error.message; });
  }
  function upgradeJourneyLinks() {
    Array.prototype.forEach.call(document.querySelectorAll("a.journey-choice"), function (link) {
      var button = choiceButton({ id: link.getAttribute("data-node"), label: link.getAttribute("data-label") },
        link.getAttribute("data-from"));
      link.parentNode.replaceChild(button, link);
    });
  }

  if (!form || !log || !window.fetch) { return; }
  if (!log.children.length) { state.turns.forEach(addTurn); }
  form.appendChild(status);
  upgradeJourneyLinks();
  form.addEventListener("submit", ask);
  box.addEventListener("keydown", onKey);
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("button.journey-choice");
    if (target) { choose(target); return; }
    var suggestion = event.target.closest && event.target.closest("a[data-ask]");
    if (suggestion && !(event.ctrlKey || event.metaKey || event.shiftKey)) {
      event.preventDefault();
      box.value = suggestion.getAttribute("data-ask");
      askQuestion(box.value);
    }
  });
  if (framed) {
    var close = document.getElementById("embed-close");
    close.hidden = false;
    close.addEventListener("click", function () { send("close"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { send("close"); }
    });
    window.addEventListener("message", onMessage);
    if (window.ResizeObserver) { new ResizeObserver(reportSize).observe(body); }
    send("ready");
  }
}());
