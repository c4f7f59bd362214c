/* Progressive enhancement for the chat page: ask over fetch, walk the guided journey inside
   the conversation, keep both in sessionStorage (never a cookie). Without JavaScript (or on
   any error) the plain form and the journey's own pages still work. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  if (!form || !log || !window.fetch) { return; }
  var box = document.getElementById("message");
  var STORE = "pair-chat-v1";
  var PLACE = "pair-journey-v1";
  var turnCount = log.querySelectorAll(".turn--assistant").length;
  var nodeField = document.getElementById("ask-node");
  var trailField = document.getElementById("ask-trail");
  var placeBox = document.getElementById("journey-place");
  var label = form.querySelector("label[for='message']");
  var place = {
    node: nodeField ? nodeField.value : "",
    trail: trailField && trailField.value ? trailField.value.split(",") : []
  };

  var render = window.PAIRRender;
  var el = render.el;

  function addTurn(question, data) {
    turnCount += 1;
    var user = el("div", { "class": "turn turn--user" });
    user.appendChild(el("p", { "class": "who" }, "You asked"));
    user.appendChild(el("p", {}, question));
    var reply = el("div", { "class": "turn turn--assistant" });
    reply.appendChild(el("p", { "class": "who" }, "Evidence"));
    reply.appendChild(render.answerNode(data, "a" + turnCount, false));
    var feedback = render.feedbackNode(data, "a" + turnCount, "/feedback");
    if (feedback) { reply.appendChild(feedback); }
    var upcoming = render.nextQuestionsNode(data, function (q) { box.value = q; askQuestion(q); });
    if (upcoming) { reply.appendChild(upcoming); }
    if (data.related_nodes && data.related_nodes.length) { reply.appendChild(relatedNode(data)); }
    log.appendChild(user);
    log.appendChild(reply);
  }

  function stepHref(id, trail) {
    return "/journey/" + encodeURIComponent(id) + (trail.length ? "?trail=" + encodeURIComponent(trail.join(",")) : "") + "#step-title";
  }

  function stepLink(id, text, extra) {
    var a = el("a", { href: stepHref(id, place.trail), "data-node": id }, text);
    Object.keys(extra || {}).forEach(function (k) { a.setAttribute(k, extra[k]); });
    return a;
  }

  function relatedNode(data) {
    var nav = el("nav", { "class": "related-steps", "aria-label": "Related steps in the guided journey" });
    nav.appendChild(el("p", {}, data.abstained ? "You could start the guided journey here:" : "Related steps in the guided journey:"));
    var ul = el("ul");
    data.related_nodes.forEach(function (r) {
      var li = el("li");
      li.appendChild(stepLink(r.id, "Go to: " + r.title, { "class": "button button--secondary" }));
      ul.appendChild(li);
    });
    nav.appendChild(ul);
    return nav;
  }

  function trailNode(stages) {
    var nav = el("nav", { "class": "progress-trail", "aria-label": "Progress in the commissioning cycle" });
    var ol = el("ol");
    stages.forEach(function (s) {
      ol.appendChild(el("li", s.current ? { "aria-current": "step", "class": "current" } : {}, s.label));
    });
    nav.appendChild(ol);
    return nav;
  }

  /* Checklist ticks ("node.index", as the journey pages use) live in this tab only. */
  var TICKS = "pair-chat-ticks-v1";
  var ticks = (function () {
    try { return JSON.parse(sessionStorage.getItem(TICKS) || "[]"); } catch (e) { return []; }
  }());

  function setTick(key, done) {
    ticks = ticks.filter(function (t) { return t !== key; });
    if (done) { ticks.push(key); }
    try { sessionStorage.setItem(TICKS, JSON.stringify(ticks)); } catch (e) { /* storage blocked */ }
  }

  function briefHref() {
    var query = "trail=" + encodeURIComponent(place.trail.join(","));
    ticks.forEach(function (t) { query += "&done=" + encodeURIComponent(t); });
    return "/journey/export/brief.md?" + query;
  }

  function checklistNode(data, prefix) {
    var wrap = el("div", { "class": "checklist" });
    var fieldset = el("fieldset");
    fieldset.appendChild(el("legend", {}, "Checklist for this step"));
    wrap.appendChild(fieldset);
    data.checklist.forEach(function (item, i) {
      var key = data.id + "." + i, id = prefix + "-done-" + i;
      var row = el("div");
      var box = el("input", { type: "checkbox", id: id, value: key });
      box.checked = ticks.indexOf(key) >= 0;
      box.addEventListener("change", function () { setTick(key, box.checked); });
      row.appendChild(box);
      row.appendChild(el("label", { "for": id }, item));
      fieldset.appendChild(row);
    });
    return wrap;
  }

  function stepNode(data) {
    turnCount += 1;
    var turn = el("div", { "class": "turn turn--step turn--assistant" });
    turn.appendChild(el("p", { "class": "who" }, "Guided journey"));
    var heading = el("h2", { "class": "step-heading", id: "step-" + turnCount, tabindex: "-1" }, data.title);
    turn.appendChild(heading);
    turn.appendChild(el("p", {}, data.text));
    if (data.checklist.length) { turn.appendChild(checklistNode(data, "s" + turnCount)); }
    if (data.questions && data.questions.length) {
      turn.appendChild(render.nextQuestionsNode({ next_questions: data.questions },
        function (q) { box.value = q; askQuestion(q); }, "Questions people ask here"));
    }
    if (data.citations.length) {
      var details = el("details");
      details.appendChild(el("summary", {}, "Evidence for this step (" + data.citations.length + " passages)"));
      details.appendChild(render.citationList(data.citations, "s" + turnCount, false));
      turn.appendChild(details);
    }
    var options = el("ul", { "class": "step-options" });
    data.options.forEach(function (o) {
      var li = el("li");
      li.appendChild(stepLink(o.id, o.label, { "class": "button button--secondary" }));
      options.appendChild(li);
    });
    turn.appendChild(options);
    var links = el("p", { "class": "step-links" });
    if (data.back) { links.appendChild(stepLink(data.back, "Back", { "data-back": "true" })); }
    links.appendChild(stepLink("start", "Start again", { "data-reset": "true" }));
    links.appendChild(el("a", { href: stepHref(data.id, place.trail.slice(0, -1)) }, data.estimator ? "Open this step to estimate local need" : "Open this step as a page"));
    var brief = el("a", { href: briefHref() }, "Download my evidence summary");
    brief.addEventListener("click", function () { brief.href = briefHref(); });  /* latest ticks */
    links.appendChild(brief);
    turn.appendChild(links);
    return turn;
  }

  function showPlace(data) {
    if (!placeBox) { return; }
    placeBox.textContent = "";
    placeBox.appendChild(trailNode(data.trail));
    var p = el("p", {}, "You are asking at the step ");
    p.appendChild(el("strong", {}, data.title));
    p.appendChild(document.createTextNode(". "));
    p.appendChild(el("a", { href: stepHref(data.id, place.trail.slice(0, -1)) }, "Back to this step"));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(stepLink("start", "Start again", { "data-reset": "true" }));
    placeBox.appendChild(p);
    placeBox.hidden = false;
    if (label) { label.textContent = "Your question about this step"; }
  }

  function setPlace(data) {
    place.node = data.id;
    if (nodeField) { nodeField.value = data.id; }
    if (trailField) { trailField.value = place.trail.join(","); }
    try {
      sessionStorage.setItem(PLACE, JSON.stringify({ trail: place.trail, data: { id: data.id, title: data.title, trail: data.trail } }));
    } catch (e) { /* storage blocked: the place still travels in the form */ }
    showPlace(data);
  }

  function go(link) {
    var id = link.getAttribute("data-node");
    var before = place.trail.slice();
    if (link.getAttribute("data-reset")) { before = []; }
    else if (link.getAttribute("data-back") && before.indexOf(id) >= 0) { before = before.slice(0, before.indexOf(id)); }
    status.textContent = "Opening the step…";
    return fetch("/api/journey/" + encodeURIComponent(id) + "?trail=" + encodeURIComponent(before.join(",")), {
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("step " + response.status); }
      return response.json();
    }).then(function (data) {
      place.trail = before.filter(function (v) { return v !== data.id; }).concat([data.id]);
      var turn = stepNode(data);
      log.appendChild(turn);
      setPlace(data);
      history.push({ kind: "step", data: data, trail: place.trail });
      save(history);
      status.textContent = "";
      turn.querySelector(".step-heading").focus();
    });
  }

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(turns) {
    try { sessionStorage.setItem(STORE, JSON.stringify(turns.slice(-20))); } catch (e) { /* storage full or blocked */ }
  }

  var history = load();
  var fresh = !log.querySelector(".turn--user") && !place.node;
  if (fresh) {
    history.forEach(function (t) {
      if (t.kind === "step") { place.trail = t.trail; log.appendChild(stepNode(t.data)); }
      else { addTurn(t.q, t.a); }
    });
    try {
      var saved = JSON.parse(sessionStorage.getItem(PLACE) || "null");
      if (saved && saved.data) { place.trail = saved.trail; setPlace(saved.data); }
    } catch (e) { /* nothing saved */ }
  }

  var status = el("p", { "class": "status", role: "status" });
  form.appendChild(status);

  function onClick(event) {
    var link = event.target.closest ? event.target.closest("a[data-node]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button) { return; }
    event.preventDefault();
    go(link).catch(function () { window.location.href = link.href; });
  }
  log.addEventListener("click", onClick);
  if (placeBox) { placeBox.addEventListener("click", onClick); }

  function askQuestion(question) {
    status.textContent = "Searching the evidence…";
    var body = { message: question, history: render.historyOf(history) };
    if (place.node) { body.node = place.node; }
    return fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { status.textContent = result.data.error ? result.data.error.message : "Something went wrong."; return; }
      addTurn(question, result.data);
      history.push({ kind: "qa", q: question, a: result.data });
      save(history);
      box.value = "";
      status.textContent = "";
    });
  }

  form.addEventListener("submit", function (event) {
    var question = box.value.trim();
    if (!question) { return; }  /* let the server explain an empty question */
    event.preventDefault();
    askQuestion(question).catch(function () { form.submit(); });
  });
}());
