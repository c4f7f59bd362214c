/* Shared rendering of answers and citations from the /api/ask JSON, for the chat page
   (chat.js) and the embedded panel (embed.js). Builds DOM nodes with textContent only:
   no HTML from the corpus or the question is ever parsed. The markup mirrors
   templates/macros/answer.html. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function capitalise(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : text; }

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

  function details(summary, hidden) {
    var box = el("details", { "class": "nhsuk-details" });
    var sum = el("summary", { "class": "nhsuk-details__summary" });
    var text = el("span", { "class": "nhsuk-details__summary-text" }, summary);
    if (hidden) { text.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, hidden)); }
    sum.appendChild(text);
    box.appendChild(sum);
    var body = el("div", { "class": "nhsuk-details__text" });
    box.appendChild(body);
    return { box: box, body: body };
  }

  /* One numbered source: title, year, grade tag; the passage, its place and reference
     behind "Show passage". Compact (embedded): the passage page opens in a new tab. */
  function citationNode(c, prefix, compact) {
    var li = el("li", { id: prefix + "-cite-" + c.n, "class": "source citation", value: String(c.n) });
    li.appendChild(el("span", { "class": "source__n", "aria-hidden": "true" }, c.n + "."));
    var body = el("div", { "class": "source__body" });
    var title = el("p", { "class": "source__title" });
    title.appendChild(webUrl(c.url) && !compact ? el("a", { href: c.url, rel: "noopener noreferrer" }, c.title) : document.createTextNode(c.title));
    body.appendChild(title);
    var meta = el("p", { "class": "source__meta" });
    if (c.year) { meta.appendChild(el("span", {}, String(c.year))); }
    if (c.evidence) {
      var tag = el("strong", { "class": "nhsuk-tag nhsuk-tag--grey grade" });
      tag.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, "Evidence: "));
      tag.appendChild(document.createTextNode(capitalise(c.evidence)));
      meta.appendChild(tag);
    }
    if (meta.childNodes.length) { body.appendChild(meta); }
    var more = details("Show passage", " " + c.n);
    more.body.appendChild(passageNode(c));
    var where = el("p", { "class": "nhsuk-body-s" }, c.section + (c.page ? ", " + c.page : ""));
    where.appendChild(el("br"));
    var link = el("a", { "class": "permalink", href: "/evidence/" + encodeURIComponent(c.id) }, "Open the passage in context");
    if (compact) {
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener");
      link.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, " (opens in new tab)"));
    }
    where.appendChild(link);
    more.body.appendChild(where);
    if (c.reference && !compact) {
      var block = el("div", { "class": "reference-block", "data-passage": c.id });
      block.appendChild(el("p", { "class": "reference-text nhsuk-body-s" }, c.reference));
      more.body.appendChild(block);
    }
    body.appendChild(more.box);
    if (c.newer) {
      var newer = el("p", { "class": "newer-evidence nhsuk-body-s" });
      newer.appendChild(el("strong", {}, "Newer evidence exists:"));
      newer.appendChild(document.createTextNode(" this source has been superseded. "));
      newer.appendChild(el("a", { href: "/evidence/" + encodeURIComponent(c.newer) }, "Read the newer evidence"));
      body.appendChild(newer);
    }
    li.appendChild(body);
    return li;
  }

  /* A parent's or urgent signpost: paragraphs in the server's order (danger advice first
     when urgent), phone numbers as tel: links; urgent advice is a warning callout. */
  function signpostNode(data) {
    var box;
    if (data.signpost_kind === "urgent") {
      box = el("div", { "class": "nhsuk-warning-callout signpost signpost--urgent" });
      var h = el("h3", { "class": "nhsuk-warning-callout__label" });
      h.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, "Important: "));
      h.appendChild(document.createTextNode("Urgent"));
      box.appendChild(h);
    } else {
      box = el("div", { "class": "nhsuk-inset-text signpost signpost--" + data.signpost_kind });
      box.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, "Information: "));
    }
    (data.signpost_parts || [[{ text: data.signpost, tel: null }]]).forEach(function (para) {
      var p = el("p");
      para.forEach(function (piece) {
        p.appendChild(piece.tel ? el("a", { href: "tel:" + piece.tel }, piece.text) : document.createTextNode(piece.text));
      });
      box.appendChild(p);
    });
    return box;
  }

  /* Who a reply is from: the evidence, or help for a parent. */
  function replyLabel(data) {
    return data.signpost ? "Where to get help" : "Answer";
  }

  /* Beside a card offered by its question: " (under review)" when its summary is. */
  function reviewMark(li, item) {
    if (!item.under_review) { return; }
    li.appendChild(document.createTextNode(" ("));
    li.appendChild(el("strong", { "class": "under-review" }, "under review"));
    li.appendChild(document.createTextNode(")"));
  }

  /* "Try one of these": links to three card questions near the user's place. */
  function tryNode(items) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("p", { "class": "nhsuk-u-margin-bottom-2" }, "Try one of these:"));
    var ul = el("ul", { "class": "suggestion-list" });
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("a", { href: "/answers/" + encodeURIComponent(item.card_id), "data-ask": item.question }, item.question));
      reviewMark(li, item);
      ul.appendChild(li);
    });
    frag.appendChild(ul);
    return frag;
  }

  function abstainNode(data, wrap) {
    if (data.signpost) { wrap.appendChild(signpostNode(data)); return wrap; }
    wrap.appendChild(el("p", {}, data.answer));
    if (data.try_questions && data.try_questions.length) { wrap.appendChild(tryNode(data.try_questions)); }
    return wrap;
  }

  /* The answer's words only, for the live region: no sources, no buttons. */
  function answerText(data) {
    if (data.signpost) { return data.signpost; }
    if (data.abstained || !data.sentences) { return data.answer; }
    return data.sentences.map(function (s) { return s.text; }).join(" ");
  }

  /* Sentences each followed by superscript source numbers, then the numbered sources. */
  function answerNode(data, prefix, compact) {
    var wrap = el("div", { "class": "answer" + (data.abstained ? " answer--abstained" : "") });
    if (data.abstained) { return abstainNode(data, wrap); }
    if (data.interpreted_as) {
      var read = el("p", { "class": "interpreted" }, "Read as a follow-up to: ");
      read.appendChild(el("em", {}, data.interpreted_as));
      wrap.appendChild(read);
    }
    if (data.kind === "card") {
      var label = el("p", { "class": "card-label" }, data.label + " (reviewed " + data.reviewed +
        (data.under_review ? "; under review: not yet checked against the current version of its sources" : "") + "). ");
      label.appendChild(el("a", { href: "/answers/" + encodeURIComponent(data.card_id) }, "Link to this summary"));
      wrap.appendChild(label);
    }
    var para = el("p", { "class": "answer-text" });
    data.sentences.forEach(function (s, i) {
      para.appendChild(document.createTextNode((i ? " " : "") + s.text));
      (s.citations && s.citations.length ? s.citations : [s.citation]).forEach(function (n) {
        var sup = el("sup", { "class": "cite-ref" });
        sup.appendChild(el("a", { "class": "cite-marker", href: "#" + prefix + "-cite-" + n, "aria-label": "Source " + n }, String(n)));
        para.appendChild(sup);
      });
    });
    wrap.appendChild(para);
    wrap.appendChild(el(compact ? "h2" : "h3", { "class": "sources-heading" }, "Sources"));
    wrap.appendChild(citationList(data.citations, prefix, compact));
    return wrap;
  }

  function citationList(citations, prefix, compact) {
    var ol = el("ol", { "class": "sources citations" });
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
      reviewMark(li, item);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    return box;
  }

  /* The conversation as /api/ask's `history`: the last ten questions, what they cited
     and the answers shown, so a follow-up adds to them instead of repeating them. */
  function historyOf(turns) {
    return turns.filter(function (t) { return t.q && t.a && !t.a.abstained && t.a.sentences; })
      .slice(-10).map(function (t) {
        return { message: t.q, citations: (t.a.citations || []).map(function (c) { return c.id; }),
          answer: t.a.answer || "" };
      });
  }

  /* "Was this helpful?" for an answer that has an answer_id (not for a signpost): the
     same form the server renders, posted to `action` when scripts do not run. */
  function feedbackNode(data, prefix, action) {
    if (!data.answer_id || data.signpost) { return null; }
    var form = el("form", { "class": "feedback-form", method: "post", action: action });
    var id = el("input", { type: "hidden", name: "answer_id" });
    id.value = data.answer_id;
    form.appendChild(id);
    var fieldset = el("fieldset");
    fieldset.appendChild(el("legend", {}, "Was this helpful?"));
    fieldset.appendChild(el("label", { "class": "nhsuk-label", "for": prefix + "-comment" }, "Comment (optional)"));
    fieldset.appendChild(el("div", { id: prefix + "-comment-hint", "class": "nhsuk-hint hint" }, "Do not include personal information."));
    fieldset.appendChild(el("textarea", { "class": "nhsuk-textarea", id: prefix + "-comment", name: "comment", rows: "2", maxlength: "500",
      "aria-describedby": prefix + "-comment-hint" }));
    var buttons = el("div", { "class": "feedback-buttons" });
    [["yes", "Yes", ", this was helpful"], ["no", "No", ", this was not helpful"]].forEach(function (b) {
      var button = el("button", { type: "submit", name: "helpful", value: b[0], "class": "nhsuk-button nhsuk-button--secondary button button--secondary" }, b[1]);
      button.appendChild(el("span", { "class": "nhsuk-u-visually-hidden visually-hidden" }, b[2]));
      buttons.appendChild(button);
    });
    fieldset.appendChild(buttons);
    form.appendChild(fieldset);
    return form;
  }

  /* Any feedback form on the page goes over fetch; the reply replaces the form. Without
     fetch, or when the button pressed is unknown, the form posts as a plain form. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("feedback-form") || !window.fetch) { return; }
    var button = event.submitter;
    if (!button || !button.value) { return; }
    event.preventDefault();
    var comment = form.querySelector("textarea");
    var body = { answer_id: form.querySelector("input[name=answer_id]").value, helpful: button.value === "yes" };
    if (comment && comment.value.trim()) { body.comment = comment.value.trim(); }
    var status = form.querySelector(".feedback-status") || el("p", { "class": "feedback-status", role: "status" });
    form.appendChild(status);
    postJSON("/api/feedback", body).then(function (result) {
      if (!result.ok) { status.textContent = result.data.error ? result.data.error.message : "Feedback was not recorded."; return; }
      var done = el("p", { "class": "feedback-status", role: "status", tabindex: "-1" }, "Thank you. Your feedback was recorded.");
      form.parentNode.replaceChild(done, form);
      done.focus();
    }).catch(function () { status.textContent = "Feedback was not recorded. Please try again."; });
  });

  /* POST `body` as JSON to `url`; resolves to { ok, data } with the parsed reply. */
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  window.PAIRRender = { el: el, answerNode: answerNode, answerText: answerText, details: details,
    replyLabel: replyLabel, citationList: citationList, nextQuestionsNode: nextQuestionsNode,
    reviewMark: reviewMark, historyOf: historyOf, feedbackNode: feedbackNode, postJSON: postJSON };
}());
