/* Progressive enhancement for the chat page: ask over fetch, keep the conversation in
   sessionStorage. Without JavaScript (or on any error) the plain form still works. */
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var log = document.getElementById("conversation");
  if (!form || !log || !window.fetch) { return; }
  var box = document.getElementById("message");
  var STORE = "pair-chat-v1";
  var turnCount = log.querySelectorAll(".turn--assistant").length;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function passageNode(citation) {
    var p = el("p");
    var text = citation.text, cursor = 0;
    (citation.highlights || []).forEach(function (span) {
      if (span[0] > cursor) { p.appendChild(document.createTextNode(text.slice(cursor, span[0]))); }
      p.appendChild(el("mark", {}, text.slice(span[0], span[1])));
      cursor = span[1];
    });
    if (cursor < text.length) { p.appendChild(document.createTextNode(text.slice(cursor))); }
    var quote = el("blockquote", { "class": "passage" });
    quote.appendChild(p);
    return quote;
  }

  function citationNode(c, prefix) {
    var li = el("li", { id: prefix + "-cite-" + c.n, "class": "citation", value: String(c.n) });
    li.appendChild(passageNode(c));
    var meta = el("p", { "class": "citation-meta" });
    var ref = c.title + (c.year ? " (" + c.year + ")" : "") + (c.page ? ", " + c.page : "");
    meta.appendChild(c.url ? el("a", { href: c.url, rel: "noopener noreferrer" }, ref) : el("span", {}, ref));
    meta.appendChild(el("span", { "class": "section" }, c.section));
    if (c.evidence) { meta.appendChild(el("span", { "class": "grade" }, "Evidence: " + c.evidence)); }
    meta.appendChild(el("a", { "class": "permalink", href: "/evidence/" + c.id }, "Passage " + c.id));
    li.appendChild(meta);
    return li;
  }

  function answerNode(data, prefix) {
    var wrap = el("div", { "class": "answer" + (data.abstained ? " answer--abstained" : "") });
    if (data.abstained) {
      wrap.appendChild(el("p", {}, data.answer));
      if (data.signpost) { wrap.appendChild(el("p", { "class": "signpost" }, data.signpost)); }
      if (data.suggestions && data.suggestions.length) {
        wrap.appendChild(el("p", {}, "The evidence covers these topics:"));
        var ul = el("ul", { "class": "suggestions" });
        data.suggestions.forEach(function (t) { ul.appendChild(el("li", {}, t)); });
        wrap.appendChild(ul);
      }
      return wrap;
    }
    var para = el("p", { "class": "answer-text" });
    data.sentences.forEach(function (s, i) {
      para.appendChild(document.createTextNode((i ? " " : "") + s.text + " "));
      para.appendChild(el("a", { "class": "cite-marker", href: "#" + prefix + "-cite-" + s.citation,
        "aria-label": "source " + s.citation }, "[" + s.citation + "]"));
    });
    wrap.appendChild(para);
    wrap.appendChild(el("h3", { "class": "citations-heading" }, "Sources"));
    var ol = el("ol", { "class": "citations" });
    data.citations.forEach(function (c) { ol.appendChild(citationNode(c, prefix)); });
    wrap.appendChild(ol);
    return wrap;
  }

  function addTurn(question, data) {
    turnCount += 1;
    var user = el("div", { "class": "turn turn--user" });
    user.appendChild(el("p", { "class": "who" }, "You asked"));
    user.appendChild(el("p", {}, question));
    var reply = el("div", { "class": "turn turn--assistant" });
    reply.appendChild(el("p", { "class": "who" }, "Evidence"));
    reply.appendChild(answerNode(data, "a" + turnCount));
    log.appendChild(user);
    log.appendChild(reply);
  }

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(turns) {
    try { sessionStorage.setItem(STORE, JSON.stringify(turns.slice(-20))); } catch (e) { /* storage full or blocked */ }
  }

  var history = load();
  if (!log.children.length) { history.forEach(function (t) { addTurn(t.q, t.a); }); }

  var status = el("p", { "class": "status", role: "status" });
  form.appendChild(status);

  form.addEventListener("submit", function (event) {
    var question = box.value.trim();
    if (!question) { return; }  /* let the server explain an empty question */
    event.preventDefault();
    status.textContent = "Searching the evidence…";
    fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: question })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { status.textContent = result.data.error ? result.data.error.message : "Something went wrong."; return; }
      addTurn(question, result.data);
      history.push({ q: question, a: result.data });
      save(history);
      box.value = "";
      status.textContent = "";
    }).catch(function () { form.submit(); });
  });
}());
