/* Shared rendering of answers and citations from the /api/ask JSON, for the chat page
   (chat.js) and the embedded panel (embed.js). Builds DOM nodes with textContent only:
   no HTML from the corpus or the question is ever parsed. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The passage with its highlighted sentences in <mark>, from character offsets. */
  function passageNode(c) {
    var p = el("p"), text = c.text, cursor = 0;
    (c.highlights || []).forEach(function (span) {
      if (span[0] > cursor) { p.appendChild(document.createTextNode(text.slice(cursor, span[0]))); }
      p.appendChild(el("mark", {}, text.slice(span[0], span[1])));
      cursor = span[1];
    });
    if (cursor < text.length) { p.appendChild(document.createTextNode(text.slice(cursor))); }
    var quote = el("blockquote", { "class": "passage" });
    quote.appendChild(p);
    return quote;
  }

  /* Only https: and http: addresses become links; anything else is shown as text. */
  function webUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s\/?#]+/i.test(url) && !/[\u0000-\u0020]/.test(url);
  }

  function reference(c) {
    return c.title + (c.year ? " (" + c.year + ")" : "") + (c.page ? ", " + c.page : "");
  }

  /* Full page: linked reference, section, grade, permalink. Compact (embedded): the
     reference and a link to the full passage in a new tab. */
  function citationNode(c, prefix, compact) {
    var li = el("li", { id: prefix + "-cite-" + c.n, "class": "citation", value: String(c.n) });
    li.appendChild(passageNode(c));
    var meta = el("p", { "class": "citation-meta" });
    if (compact) {
      meta.appendChild(el("span", { "class": "ref" }, reference(c)));
      var link = el("a", { "class": "permalink", href: "/evidence/" + c.id, target: "_blank", rel: "noopener" }, "Full passage");
      link.appendChild(el("span", { "class": "visually-hidden" }, " " + c.n));
      link.appendChild(document.createTextNode(" (opens in new tab)"));
      meta.appendChild(link);
    } else {
      meta.appendChild(webUrl(c.url) ? el("a", { href: c.url, rel: "noopener noreferrer" }, reference(c)) : el("span", {}, reference(c)));
      meta.appendChild(el("span", { "class": "section" }, c.section));
      if (c.evidence) { meta.appendChild(el("span", { "class": "grade" }, "Evidence: " + c.evidence)); }
      meta.appendChild(el("a", { "class": "permalink", href: "/evidence/" + c.id }, "Passage " + c.id));
    }
    li.appendChild(meta);
    if (c.newer) {
      var newer = el("p", { "class": "newer-evidence" });
      newer.appendChild(el("strong", {}, "Newer evidence exists:"));
      newer.appendChild(document.createTextNode(" this source has been superseded. "));
      newer.appendChild(el("a", { href: "/evidence/" + c.newer }, "Read the newer evidence"));
      li.appendChild(newer);
    }
    return li;
  }

  function abstainNode(data, wrap, compact) {
    wrap.appendChild(el("p", {}, data.answer));
    if (data.signpost) { wrap.appendChild(el("p", { "class": "signpost" }, data.signpost)); }
    if (!compact && data.suggestions && data.suggestions.length) {
      wrap.appendChild(el("p", {}, "The evidence covers these topics:"));
      var ul = el("ul", { "class": "suggestions" });
      data.suggestions.forEach(function (t) { ul.appendChild(el("li", {}, t)); });
      wrap.appendChild(ul);
    }
    return wrap;
  }

  /* Sentences each followed by its [n] marker, then the numbered sources. */
  function answerNode(data, prefix, compact) {
    var wrap = el("div", { "class": "answer" + (data.abstained ? " answer--abstained" : "") });
    if (data.abstained) { return abstainNode(data, wrap, compact); }
    if (data.interpreted_as) {
      var read = el("p", { "class": "interpreted" }, "Read as a follow-up to: ");
      read.appendChild(el("em", {}, data.interpreted_as));
      wrap.appendChild(read);
    }
    if (data.kind === "card") {
      var label = el("p", { "class": "card-label" }, data.label + " (reviewed " + data.reviewed +
        (data.under_review ? "; under review: a cited passage has changed since" : "") + "). ");
      label.appendChild(el("a", { href: "/answers/" + data.card_id }, "Permalink to this summary"));
      wrap.appendChild(label);
    }
    var para = el("p", { "class": "answer-text" });
    data.sentences.forEach(function (s, i) {
      para.appendChild(document.createTextNode((i ? " " : "") + s.text));
      (s.citations && s.citations.length ? s.citations : [s.citation]).forEach(function (n) {
        para.appendChild(document.createTextNode(" "));
        para.appendChild(el("a", { "class": "cite-marker", href: "#" + prefix + "-cite-" + n,
          "aria-label": "source " + n }, "[" + n + "]"));
      });
    });
    wrap.appendChild(para);
    wrap.appendChild(el(compact ? "h2" : "h3", { "class": "citations-heading" }, "Sources"));
    wrap.appendChild(citationList(data.citations, prefix, compact));
    return wrap;
  }

  function citationList(citations, prefix, compact) {
    var ol = el("ol", { "class": "citations" });
    citations.forEach(function (c) { ol.appendChild(citationNode(c, prefix, compact)); });
    return ol;
  }

  /* "People also ask": buttons that ask a key-question card's question; `ask(question)`
     is the page's own asking function. */
  function nextQuestionsNode(data, ask, heading) {
    var items = data.next_questions || [];
    if (!items.length) { return null; }
    var box = el("div", { "class": "next-questions" });
    box.appendChild(el("h3", {}, heading || "People also ask"));
    var ul = el("ul");
    items.forEach(function (item) {
      var li = el("li"), button = el("button", { type: "button", "class": "link-button" }, item.question);
      button.addEventListener("click", function () { ask(item.question); });
      li.appendChild(button);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    return box;
  }

  /* The conversation as /api/ask's `history`: the last ten questions and what they cited. */
  function historyOf(turns) {
    return turns.filter(function (t) { return t.q && t.a && !t.a.abstained && t.a.sentences; })
      .slice(-10).map(function (t) {
        return { message: t.q, citations: (t.a.citations || []).map(function (c) { return c.id; }) };
      });
  }

  window.PAIRRender = { el: el, answerNode: answerNode, citationList: citationList,
    nextQuestionsNode: nextQuestionsNode, historyOf: historyOf };
}());
