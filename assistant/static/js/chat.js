/* Progressive enhancement for the chat page: ask over fetch, walk the guided journey inside
   the conversation with real addresses (/?step=<id>, so Back, Forward, reload and bookmarks
   work), keep the conversation in sessionStorage (never a cookie). Without JavaScript, or on
   any error, the plain forms and links do the same job one page at a time. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  if (!form || !log || !window.fetch || !window.history.pushState || !window.PAIRRender) { return; }
  var render = window.PAIRRender;
  var el = render.el;
  var box = document.getElementById("message");
  var announcer = document.getElementById("announcer");
  var nodeField = document.getElementById("ask-node");
  var trailField = document.getElementById("ask-trail");
  var placeBox = document.getElementById("journey-place");
  var tools = document.getElementById("conversation-tools");
  var printLink = document.getElementById("print-link");
  var label = form.querySelector("label[for='message']");
  var STORE = "pair-chat-v2";
  var TICKS = "pair-chat-ticks-v1";
  var place = {
    node: nodeField ? nodeField.value : "",
    trail: trailField && trailField.value ? trailField.value.split(",") : []
  };
  var turns = load();
  var count = 0;  /* ids for headings and sources of turns added here */

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(turns.slice(-20))); } catch (e) { /* storage full or blocked */ }
    if (turns.length > 20) { turns = turns.slice(-20); }
  }
  function announce(text) {
    if (!announcer) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  /* ---- addresses ---- */
  function trailQuery(trail) { return trail.length ? "&trail=" + encodeURIComponent(trail.join(",")) : ""; }
  function stepUrl(id, trail) { return "/?step=" + encodeURIComponent(id) + trailQuery(trail); }
  function stepLink(id, text, attrs) {
    var a = el("a", { href: stepUrl(id, place.trail), "data-node": id }, text);
    Object.keys(attrs || {}).forEach(function (k) { a.setAttribute(k, attrs[k]); });
    return a;
  }
  function pageHref(id, trail) {
    return "/journey/" + encodeURIComponent(id) + (trail.length ? "?trail=" + encodeURIComponent(trail.join(",")) : "") + "#step-title";
  }

  /* ---- questions and answers ---- */
  function qaNode(turn, index) {
    count += 1;
    var frag = document.createDocumentFragment();
    var user = el("div", { "class": "turn turn--user", "data-index": String(index) });
    user.appendChild(el("p", { "class": "who" }, "You asked"));
    user.appendChild(el("p", {}, turn.q));
    var reply = el("div", { "class": "turn turn--assistant", "data-index": String(index) });
    reply.appendChild(el("p", { "class": "who" }, render.replyLabel(turn.a)));
    reply.appendChild(render.answerNode(turn.a, "a" + count, false));
    var feedback = render.feedbackNode(turn.a, "a" + count, "/feedback");
    if (feedback) { reply.appendChild(feedback); }
    var upcoming = render.nextQuestionsNode(turn.a, ask);
    if (upcoming) { reply.appendChild(upcoming); }
    if (!turn.a.abstained && turn.a.related_nodes && turn.a.related_nodes.length) { reply.appendChild(relatedNode(turn.a)); }
    frag.appendChild(user);
    frag.appendChild(reply);
    if (window.PAIRCopy) { window.PAIRCopy.enhance(reply); }
    return frag;
  }

  function relatedNode(data) {
    var nav = el("nav", { "class": "related-steps", "aria-label": "Related steps in the guided journey" });
    nav.appendChild(el("h3", {}, "Related steps in the guided journey"));
    var ul = el("ul");
    data.related_nodes.forEach(function (r) {
      var li = el("li");
      li.appendChild(stepLink(r.id, "Go to: " + r.title));
      ul.appendChild(li);
    });
    nav.appendChild(ul);
    return nav;
  }

  /* ---- journey steps ---- */
  var ticks = (function () {
    try { return JSON.parse(sessionStorage.getItem(TICKS) || "[]"); } catch (e) { return []; }
  }());
  function briefHref(trail) {
    var query = "trail=" + encodeURIComponent(trail.join(","));
    ticks.forEach(function (t) { query += "&done=" + encodeURIComponent(t); });
    return "/journey/export/brief.md?" + query;
  }
  function setTick(key, done) {
    ticks = ticks.filter(function (t) { return t !== key; });
    if (done) { ticks.push(key); }
    try { sessionStorage.setItem(TICKS, JSON.stringify(ticks)); } catch (e) { /* storage blocked */ }
  }

  /* The step's checklist as NHS.UK checkboxes; ticks live in this tab only. */
  function checklistNode(data, prefix) {
    var wrap = el("div", { "class": "checklist nhsuk-form-group" });
    var fieldset = el("fieldset", { "class": "nhsuk-fieldset" });
    fieldset.appendChild(el("legend", { "class": "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" }, "Checklist for this step"));
    var boxes = el("div", { "class": "nhsuk-checkboxes nhsuk-checkboxes--small" });
    data.checklist.forEach(function (item, i) {
      var key = data.id + "." + i, id = prefix + "-done-" + i;
      var row = el("div", { "class": "nhsuk-checkboxes__item" });
      var input = el("input", { "class": "nhsuk-checkboxes__input", type: "checkbox", id: id, value: key });
      input.checked = ticks.indexOf(key) >= 0;
      input.addEventListener("change", function () { setTick(key, input.checked); });
      row.appendChild(input);
      row.appendChild(el("label", { "class": "nhsuk-label nhsuk-checkboxes__label", "for": id }, item));
      boxes.appendChild(row);
    });
    fieldset.appendChild(boxes);
    wrap.appendChild(fieldset);
    return wrap;
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

  function optionCards(data) {
    var ul = el("ul", { "class": "choice-cards step-options", "aria-label": "Choose a next step" });
    data.options.forEach(function (o) {
      var li = el("li"), card = el("div", { "class": "nhsuk-card nhsuk-card--clickable" });
      var content = el("div", { "class": "nhsuk-card__content" });
      var h = el("h3", { "class": "nhsuk-card__heading nhsuk-heading-s" });
      h.appendChild(stepLink(o.id, o.label, { "class": "nhsuk-card__link" }));
      content.appendChild(h);
      card.appendChild(content);
      li.appendChild(card);
      ul.appendChild(li);
    });
    return ul;
  }

  function estimatorForm(data, prefix, trail) {
    var f = el("form", { "class": "estimator-form", method: "get", action: "/", novalidate: "", "data-bound": "true" });
    f.appendChild(el("input", { type: "hidden", name: "step", value: data.id }));
    f.appendChild(el("input", { type: "hidden", name: "trail", value: trail.slice(0, -1).join(",") }));
    var group = el("div", { "class": "nhsuk-form-group" });
    group.appendChild(el("label", { "class": "nhsuk-label", "for": prefix + "-births" }, "Births a year in your area"));
    group.appendChild(el("div", { "class": "nhsuk-hint", id: prefix + "-births-hint" },
      "A whole number, for example 3200. Local birth figures are in ONS births statistics and your JSNA."));
    var input = el("input", { "class": "nhsuk-input nhsuk-input--width-10", id: prefix + "-births", name: "births",
      inputmode: "numeric", autocomplete: "off", "aria-describedby": prefix + "-births-hint" });
    group.appendChild(input);
    f.appendChild(group);
    f.appendChild(el("button", { type: "submit", "class": "nhsuk-button nhsuk-button--secondary nhsuk-button--small" }, "Estimate"));
    var result = el("div", { "class": "estimate-result" });
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      estimate(data.id, trail, input, group, result, prefix);
    });
    return [f, result];
  }

  function showFieldError(group, input, prefix, message) {
    var old = group.querySelector(".nhsuk-error-message");
    if (old) { group.removeChild(old); }
    group.classList.toggle("nhsuk-form-group--error", !!message);
    input.classList.toggle("nhsuk-input--error", !!message);
    if (!message) {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", prefix + "-births-hint");
      return;
    }
    var p = el("p", { "class": "nhsuk-error-message", id: prefix + "-births-error" });
    p.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, "Error:"));
    p.appendChild(document.createTextNode(" " + message));
    group.insertBefore(p, input);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", prefix + "-births-hint " + prefix + "-births-error");
  }

  function estimate(id, trail, input, group, result, prefix) {
    var url = "/api/journey/" + encodeURIComponent(id) + "?trail=" + encodeURIComponent(trail.slice(0, -1).join(",")) +
      "&births=" + encodeURIComponent(input.value);
    fetch(url, { headers: { "Accept": "application/json" } }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (r) {
      result.textContent = "";
      if (!r.ok || !r.data.estimate) {
        showFieldError(group, input, prefix, r.data.error ? r.data.error.message : "Enter the number of births a year, like 3200");
        input.focus();
        return;
      }
      showFieldError(group, input, prefix, "");
      result.appendChild(estimateTable(r.data.estimate, prefix + "-e"));
      announce("Estimate added for " + r.data.estimate.births.toLocaleString("en-GB") + " births a year.");
    }).catch(function () { input.form.submit(); });
  }

  function estimateTable(est, prefix) {
    var frag = document.createDocumentFragment();
    var table = el("table", { "class": "nhsuk-table estimate" });
    table.appendChild(el("caption", { "class": "nhsuk-table__caption" }, "Estimated numbers for " + est.births.toLocaleString("en-GB") + " births a year"));
    var head = el("thead"), hr = el("tr");
    ["Level of need", "Estimate", "How it is worked out", "Source"].forEach(function (h) { hr.appendChild(el("th", { scope: "col" }, h)); });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    est.levels.forEach(function (level) {
      est.figures.filter(function (f) { return f.level === level.id; }).forEach(function (f) {
        var tr = el("tr"), th = el("th", { scope: "row" }, f.label);
        th.appendChild(el("br"));
        th.appendChild(el("span", { "class": "nhsuk-hint" }, level.label));
        tr.appendChild(th);
        var range = f.low === f.high ? "about " + f.low.toLocaleString("en-GB") : f.low.toLocaleString("en-GB") + " to " + f.high.toLocaleString("en-GB");
        tr.appendChild(el("td", { "data-label": "Estimate" }, range + " " + f.population));
        tr.appendChild(el("td", { "data-label": "How it is worked out" }, f.arithmetic + (f.note ? " " + f.note : "")));
        var td = el("td", { "data-label": "Source" }), sup = el("a", { href: "#" + prefix + "-cite-" + f.citation, "aria-label": "Source " + f.citation }, String(f.citation));
        td.appendChild(sup);
        tr.appendChild(td);
        body.appendChild(tr);
      });
    });
    table.appendChild(body);
    frag.appendChild(table);
    frag.appendChild(render.citationList(est.citations, prefix, false));
    return frag;
  }

  function stepNode(turn, index) {
    var data = turn.data, trail = turn.trail;
    count += 1;
    var prefix = "s" + count;
    var node = el("div", { "class": "turn turn--step turn--assistant", "data-step": data.id, "data-index": String(index) });
    node.appendChild(el("p", { "class": "who" }, "Guided journey"));
    node.appendChild(el("h2", { "class": "step-heading nhsuk-heading-m", id: prefix + "-title", tabindex: "-1" }, data.title));
    node.appendChild(el("p", {}, data.text));
    if (data.estimator) { estimatorForm(data, prefix, trail).forEach(function (n) { node.appendChild(n); }); }
    if (data.options.length) { node.appendChild(optionCards(data)); }
    if (data.checklist.length) { node.appendChild(checklistNode(data, prefix)); }
    if (data.questions && data.questions.length) {
      node.appendChild(el("h3", { "class": "nhsuk-heading-s nhsuk-u-margin-bottom-2" }, "Questions people ask here"));
      var ul = el("ul", { "class": "suggestion-list" });
      data.questions.forEach(function (q) {
        var li = el("li");
        li.appendChild(el("a", { href: "/answers/" + encodeURIComponent(q.card_id), "data-ask": q.question }, q.question));
        render.reviewMark(li, q);
        ul.appendChild(li);
      });
      node.appendChild(ul);
    }
    if (data.citations.length) {
      var more = render.details("Evidence for this step (" + data.citations.length + " passages)");
      more.body.appendChild(render.citationList(data.citations, prefix, false));
      node.appendChild(more.box);
    }
    var links = el("p", { "class": "turn-actions step-links" });
    if (data.back) { links.appendChild(stepLink(data.back, "Back", { "data-back": "true" })); }
    if (data.id !== "start") { links.appendChild(stepLink("start", "Start again", { "data-reset": "true" })); }
    links.appendChild(el("a", { href: pageHref(data.id, trail.slice(0, -1)) }, "Open this step as a page"));
    if (data.id !== "start") {
      var brief = el("a", { href: briefHref(trail) }, "Download my evidence summary");
      brief.addEventListener("click", function () { brief.href = briefHref(trail); });
      links.appendChild(brief);
    }
    node.appendChild(links);
    if (window.PAIRCopy) { window.PAIRCopy.enhance(node); }
    return node;
  }

  function turnNode(turn, index) { return turn.kind === "step" ? stepNode(turn, index) : qaNode(turn, index); }

  /* ---- where the user is ---- */
  function showPlace(data) {
    if (!placeBox) { return; }
    placeBox.textContent = "";
    if (!data || data.id === "start") {
      placeBox.hidden = true;
      if (label) { label.textContent = "Your question"; }
      return;
    }
    placeBox.appendChild(trailNode(data.trail));
    var p = el("p", {}, "You are asking at the step ");
    p.appendChild(el("strong", {}, data.title));
    p.appendChild(document.createTextNode(". "));
    p.appendChild(stepLink(data.id, "Back to this step", { "data-focus": "true" }));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(stepLink("start", "Start again", { "data-reset": "true" }));
    placeBox.appendChild(p);
    placeBox.hidden = false;
    if (label) { label.textContent = "Your question about this step"; }
  }

  function setPlace(turn) {
    var data = turn ? turn.data : null;
    place.node = data && data.id !== "start" ? data.id : "";
    place.trail = turn ? turn.trail.slice() : [];
    if (nodeField) { nodeField.value = place.node; }
    if (trailField) { trailField.value = place.node ? place.trail.join(",") : ""; }
    showPlace(data);
  }

  function lastStep(upTo) {
    for (var i = Math.min(upTo, turns.length - 1); i >= 0; i--) { if (turns[i].kind === "step") { return turns[i]; } }
    return null;
  }

  function updateTools() {
    var asked = turns.filter(function (t) { return t.kind === "qa"; }).slice(-10);
    if (!tools || !printLink) { return; }
    if (!asked.length) { tools.hidden = !log.querySelector(".turn--user"); return; }
    printLink.href = "/conversation?" + asked.map(function (t) { return "q=" + encodeURIComponent(t.q); }).join("&");
    tools.hidden = false;
  }

  function append(turn) {
    turns.push(turn);
    save();
    var index = turns.length - 1;
    log.appendChild(turnNode(turn, index));
    updateTools();
    return index;
  }

  /* Remove the turns after `index` (-1: everything added here), as Back does. */
  function truncate(index) {
    turns = turns.slice(0, index + 1);
    save();
    Array.prototype.forEach.call(log.querySelectorAll("[data-index]"), function (n) {
      if (Number(n.getAttribute("data-index")) > index) { n.parentNode.removeChild(n); }
    });
    updateTools();
  }

  function focusStep(index) {
    var found = log.querySelectorAll(".turn--step[data-index='" + index + "'] .step-heading");
    var heading = found[found.length - 1];
    if (heading) { heading.focus(); }
  }

  function fetchStep(id, trail) {
    return fetch("/api/journey/" + encodeURIComponent(id) + "?trail=" + encodeURIComponent(trail.join(",")), {
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("step " + response.status); }
      return response.json();
    });
  }

  /* Open a step in the conversation and give it its own address. */
  function go(link) {
    var id = link.getAttribute("data-node");
    var reset = link.getAttribute("data-reset");
    var before = reset ? [] : place.trail.slice();
    if (link.getAttribute("data-back") && before.indexOf(id) >= 0) { before = before.slice(0, before.indexOf(id)); }
    return fetchStep(id, before).then(function (data) {
      if (reset) { truncate(-1); log.textContent = ""; }
      var trail = before.filter(function (v) { return v !== data.id; }).concat([data.id]);
      var turn = { kind: "step", data: data, trail: trail };
      var index = append(turn);
      setPlace(turn);
      window.history.pushState({ pair: index, step: data.id }, "", stepUrl(data.id, trail.slice(0, -1)));
      document.title = (data.id === "start" ? "" : data.title + " – ") + "PAIR Evidence Assistant";
      focusStep(index);
    });
  }

  /* Back and Forward: return to a turn still on the page, else fetch the step again. */
  function onPop(event) {
    var state = event.state || { pair: -1 };
    if (typeof state.pair !== "number") { return; }
    var onPage = state.pair < 0 ? log.querySelector("[data-index='-1']") : log.querySelector(".turn--step[data-index='" + state.pair + "']");
    if (onPage && (state.pair < 0 || turns[state.pair])) {
      truncate(state.pair);
      setPlace(lastStep(state.pair));
      if (state.pair >= 0) { focusStep(state.pair); }
      else { var h = onPage.querySelector(".step-heading"); if (h) { h.focus(); } }
      return;
    }
    var params = new URLSearchParams(window.location.search);
    var id = params.get("step") || "start";
    var trail = (params.get("trail") || "").split(",").filter(Boolean);
    fetchStep(id, trail).then(function (data) {
      var turn = { kind: "step", data: data, trail: trail.filter(function (v) { return v !== id; }).concat([id]) };
      var index = append(turn);
      setPlace(turn);
      window.history.replaceState({ pair: index, step: id }, "", window.location.href);
      focusStep(index);
    }).catch(function () { window.location.reload(); });
  }

  /* What went wrong, in words for people (the API's messages name its fields). */
  function problem(data, question) {
    var code = data.error ? data.error.code : "";
    var limit = Number(box.getAttribute("maxlength")) || 1000;
    if (code === "rate_limited") { return "Too many questions in a short time. Wait a minute and try again."; }
    if (code === "invalid_input" && question.length > limit) {
      return "Your question must be " + limit.toLocaleString("en-GB") + " characters or fewer (it has " + question.length.toLocaleString("en-GB") + ")";
    }
    if (code === "invalid_input") { return "Type a question"; }
    return "Sorry, there is a problem with the service. Try again later.";
  }

  function ask(question) {
    status.textContent = "Searching the evidence…";
    var body = { message: question, history: render.historyOf(turns) };
    if (place.node) { body.node = place.node; }
    return render.postJSON("/api/ask", body).then(function (result) {
      if (!result.ok) { status.textContent = problem(result.data, question); return; }
      append({ kind: "qa", q: question, a: result.data });
      box.value = "";
      status.textContent = "";
      announce("Answer added. " + render.answerText(result.data));
    });
  }

  /* ---- start: restore this tab's conversation when the address matches it ---- */
  var params = new URLSearchParams(window.location.search);
  var urlStep = params.get("step") || params.get("node") || "";
  var answered = !!log.querySelector(".turn--user");
  var stepAt = -1;
  turns.forEach(function (t, i) { if (t.kind === "step" && t.data.id === (urlStep || "start")) { stepAt = i; } });
  if (!place.node && !place.trail.length) { place.trail = ["start"]; }
  if (answered) {
    /* a page answered by the server: its turn stays as served, later turns follow it */
  } else if (turns.length && (urlStep ? stepAt >= 0 : true)) {
    log.textContent = "";
    turns.forEach(function (t, i) { log.appendChild(turnNode(t, i)); });
    setPlace(lastStep(turns.length - 1));
  } else {
    turns = [];
    save();
  }
  window.history.replaceState({ pair: turns.length ? lastIndexOfStep() : -1 }, "", window.location.href);
  updateTools();

  function lastIndexOfStep() {
    for (var i = turns.length - 1; i >= 0; i--) { if (turns[i].kind === "step") { return i; } }
    return -1;
  }

  var status = el("p", { "class": "status", role: "status" });
  form.appendChild(status);

  function onClick(event) {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) { return; }
    var target = event.target.closest ? event.target.closest("a[data-node], a[data-ask]") : null;
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-ask")) {
      var q = target.getAttribute("data-ask");
      box.value = q;
      ask(q).catch(function () { window.location.href = target.href; });
      return;
    }
    if (target.getAttribute("data-focus") && place.node === target.getAttribute("data-node")) {
      focusStep(lastIndexOfStep());
      return;
    }
    go(target).catch(function () { window.location.href = target.href; });
  }
  log.addEventListener("click", onClick);
  /* Estimator forms the server rendered (a reloaded or bookmarked step) answer in place too. */
  log.addEventListener("submit", function (event) {
    var f = event.target;
    if (!f.classList || !f.classList.contains("estimator-form") || f.getAttribute("data-bound")) { return; }
    var input = f.querySelector("input[name=births]"), group = input.parentNode;
    var prefix = input.id.replace(/-births$/, "");
    var trail = (f.querySelector("input[name=trail]").value || "").split(",").filter(Boolean);
    var id = f.querySelector("input[name=step]").value;
    var result = f.nextElementSibling;
    event.preventDefault();
    estimate(id, trail.concat([id]), input, group, result, prefix);
  });
  if (placeBox) { placeBox.addEventListener("click", onClick); }
  window.addEventListener("popstate", onPop);

  /* Enter sends, Shift+Enter starts a new line (as in the widget). */
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
    }
  });

  form.addEventListener("submit", function (event) {
    var question = box.value.trim();
    if (!question) { return; }  /* let the server explain an empty question */
    event.preventDefault();
    ask(question).catch(function () { form.submit(); });
  });
}());
