/* Results as you type on /search: a debounced fetch to /api/search, rendered with DOM
   nodes and textContent only. Without JavaScript the GET form does the same job. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var box = document.getElementById("q");
  var results = document.getElementById("search-results");
  if (!form || !box || !results || !window.fetch || !window.URLSearchParams) { return; }
  var topic = document.getElementById("topic");
  var source = document.getElementById("source");
  var k = form.getAttribute("data-k") || "10";
  var DELAY = 200;
  var timer = null;
  var latest = 0;

  /* Only https: and http: addresses become links; anything else is shown as text. */
  function webUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s\/?#]+/i.test(url) && !/[\u0000-\u0020]/.test(url);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function params(extra) {
    var p = new URLSearchParams();
    p.set("q", box.value.trim());
    var t = extra && "topic" in extra ? extra.topic : topic.value;
    var s = extra && "source" in extra ? extra.source : source.value;
    if (t) { p.set("topic", t); }
    if (s) { p.set("source", s); }
    return p;
  }

  /* Text cut at the term and best-sentence offsets into text nodes and <mark>s. */
  function highlighted(text, terms, sentence) {
    var p = el("p");
    var cuts = sentence ? [[0, false], [sentence[0], true], [sentence[1], false], [text.length, false]]
      : [[0, false], [text.length, false]];
    for (var i = 0; i + 1 < cuts.length; i++) {
      var start = cuts[i][0], end = cuts[i + 1][0];
      if (start >= end) { continue; }
      var holder = cuts[i][1] ? el("mark", { "class": "best-sentence" }) : p;
      var cursor = start;
      (terms || []).forEach(function (span) {
        var a = Math.max(span[0], cursor), b = Math.min(span[1], end);
        if (a >= b) { return; }
        if (a > cursor) { holder.appendChild(document.createTextNode(text.slice(cursor, a))); }
        holder.appendChild(el("mark", { "class": "term" }, text.slice(a, b)));
        cursor = b;
      });
      if (cursor < end) { holder.appendChild(document.createTextNode(text.slice(cursor, end))); }
      if (holder !== p) { p.appendChild(holder); }
    }
    return p;
  }

  /* Text into `holder` as text nodes, with the spans at `terms` in <mark class="term">. */
  function marked(holder, text, terms) {
    var cursor = 0;
    (terms || []).forEach(function (span) {
      if (span[0] < cursor) { return; }
      if (span[0] > cursor) { holder.appendChild(document.createTextNode(text.slice(cursor, span[0]))); }
      holder.appendChild(el("mark", { "class": "term" }, text.slice(span[0], span[1])));
      cursor = span[1];
    });
    if (cursor < text.length) { holder.appendChild(document.createTextNode(text.slice(cursor))); }
    return holder;
  }

  /* Links to every page of results: plain links, so each page also works without script. */
  function pagination(data) {
    var nav = el("nav", { "class": "pagination", "aria-label": "Pages of results" });
    var ul = el("ul", { "class": "pagination__list" });
    function item(page, text, attrs, hidden) {
      var p = params();
      p.set("page", String(page));
      var a = el("a", Object.assign({ href: "/search?" + p.toString() }, attrs || {}));
      if (hidden && hidden[0]) { a.appendChild(el("span", { "class": "visually-hidden" }, hidden[0])); }
      a.appendChild(document.createTextNode(text));
      if (hidden && hidden[1]) { a.appendChild(el("span", { "class": "visually-hidden" }, hidden[1])); }
      var li = el("li");
      li.appendChild(a);
      ul.appendChild(li);
    }
    if (data.page > 1) { item(data.page - 1, "Previous", { rel: "prev" }, [null, " page"]); }
    (data.page_numbers || []).forEach(function (n) {
      if (n === null) { ul.appendChild(el("li", { "class": "pagination__gap", "aria-hidden": "true" }, "…")); return; }
      item(n, String(n), n === data.page ? { "aria-current": "page" } : {}, ["Page ", null]);
    });
    if (data.page < data.pages) { item(data.page + 1, "Next", { rel: "next" }, [null, " page"]); }
    nav.appendChild(ul);
    return nav;
  }

  function card(r) {
    var art = el("article", { "class": "evidence-card", id: "passage-" + r.id, "aria-labelledby": "title-" + r.id });
    var h = el("h3", { "class": "evidence-title", id: "title-" + r.id });
    var title = el("a", { href: "/evidence/" + encodeURIComponent(r.id) });
    marked(title, r.heading || r.section, r.heading ? r.heading_highlights : []);
    h.appendChild(title);
    art.appendChild(h);
    var quote = el("blockquote", { "class": "passage" });
    quote.appendChild(highlighted(r.text, r.highlights, r.sentence));
    art.appendChild(quote);
    var meta = el("p", { "class": "citation-meta" });
    meta.appendChild(webUrl(r.url) ? el("a", { href: r.url, rel: "noopener noreferrer" }, r.title) : el("span", {}, r.title));
    if (r.year) { meta.appendChild(el("span", { "class": "year" }, r.year)); }
    if (r.page) { meta.appendChild(el("span", { "class": "page" }, r.page)); }
    if (r.evidence) {
      var tag = el("strong", { "class": "nhsuk-tag nhsuk-tag--grey grade" });
      tag.appendChild(el("span", { "class": "nhsuk-u-visually-hidden" }, "Evidence: "));
      tag.appendChild(document.createTextNode(r.evidence.charAt(0).toUpperCase() + r.evidence.slice(1)));
      meta.appendChild(tag);
    }
    art.appendChild(meta);
    var block = el("div", { "class": "reference-block", "data-passage": r.id });
    block.appendChild(el("p", { "class": "reference-label" }, "Reference (Harvard)"));
    block.appendChild(el("p", { "class": "reference-text" }, r.reference));
    var line = el("p", { "class": "permalink-line" }, "Link to this passage: ");
    line.appendChild(el("a", { "class": "permalink-text", href: r.permalink }, r.permalink));
    block.appendChild(line);
    art.appendChild(block);
    return art;
  }

  /* The key-question summaries the search matched: their own group, above the passages. */
  function summaries(cards) {
    var section = el("section", { "class": "summary-cards", "aria-labelledby": "summaries-heading" });
    section.appendChild(el("h2", { id: "summaries-heading", "class": "summary-cards__heading" }, "Summaries written by the evidence team"));
    section.appendChild(el("p", { "class": "summary-cards__note" }, "Each summary is checked against the sources it cites; open it to see them."));
    cards.forEach(function (c) {
      var art = el("article", { "class": "summary-card", "aria-labelledby": "summary-" + c.card_id });
      var h = el("h3", { id: "summary-" + c.card_id, "class": "summary-card__question" });
      h.appendChild(el("a", { href: "/answers/" + encodeURIComponent(c.card_id) }, c.question));
      art.appendChild(h);
      art.appendChild(el("p", { "class": "summary-card__answer" }, c.answer));
      var meta = el("p", { "class": "summary-card__meta" }, "Reviewed ");
      meta.appendChild(el("time", { datetime: c.reviewed }, c.reviewed));
      if (c.under_review) {
        meta.appendChild(document.createTextNode("; "));
        meta.appendChild(el("strong", { "class": "under-review" }, "under review"));
        meta.appendChild(document.createTextNode(": not yet checked against the current version of its sources"));
      }
      art.appendChild(meta);
      section.appendChild(art);
    });
    return section;
  }

  function facetList(heading, facets, key, current, allLabel) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h2", { "class": "facet-heading" }, heading));
    var ul = el("ul", { "class": "facet-list" });
    if (current) { ul.appendChild(facetItem(allLabel, key, "")); }
    facets.forEach(function (f) {
      if (f.value === current) {
        var li = el("li");
        li.appendChild(el("span", { "class": "facet-current", "aria-current": "true" }, f.label + " (" + f.count + ")"));
        ul.appendChild(li);
      } else {
        ul.appendChild(facetItem(f.label + " (" + f.count + ")", key, f.value));
      }
    });
    frag.appendChild(ul);
    return frag;
  }

  function facetItem(label, key, value) {
    var li = el("li");
    var extra = {};
    extra[key] = value;
    var a = el("a", { href: "/search?" + params(extra).toString() }, label);
    a.addEventListener("click", function (event) {
      event.preventDefault();
      (key === "topic" ? topic : source).value = value;
      run();
    });
    li.appendChild(a);
    return li;
  }

  function render(data) {
    results.textContent = "";
    if (data.cards && data.cards.length) { results.appendChild(summaries(data.cards)); }
    var n = data.total;
    var shown = data.results.length;
    results.appendChild(el("p", { id: "result-count", "class": "result-count" },
      n + " passage" + (n === 1 ? "" : "s") + " found" + (data.pages > 1 ? ", showing " + data.first + " to " + data.last : "") + "."));
    var layout = el("div", { "class": "lookup-layout" });
    var nav = el("nav", { "class": "facets", "aria-label": "Filter results" });
    nav.appendChild(facetList("Topics", data.facets.topics, "topic", data.topic, "All topics"));
    nav.appendChild(facetList("Sources", data.facets.sources, "source", data.source, "All sources"));
    layout.appendChild(nav);
    var list = el("div", { "class": "results" });
    list.appendChild(el("h2", { "class": "visually-hidden" }, "Results"));
    data.results.forEach(function (r) { list.appendChild(card(r)); });
    if (!shown) { list.appendChild(el("p", {}, "No passage matches. Try fewer or different words, or remove a filter.")); }
    if (data.pages > 1) { list.appendChild(pagination(data)); }
    layout.appendChild(list);
    results.appendChild(layout);
    if (window.PAIRCopy) { window.PAIRCopy.enhance(results); }
  }

  function message(text) {
    results.textContent = "";
    results.appendChild(el("p", { "class": "result-count" }, text));
  }

  function run() {
    var query = box.value.trim();
    var p = params();
    if (window.history && history.replaceState) { history.replaceState(null, "", "/search?" + p.toString()); }
    if (query.length < 2) { if (!query) { results.textContent = ""; } return; }
    var mine = ++latest;
    p.set("k", k);
    fetch("/api/search?" + p.toString(), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== latest) { return; }
        if (data.error) { message(data.error.message); return; }
        render(data);
      })
      .catch(function () { if (mine === latest) { message("Search is not available just now; press Search to try again."); } });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DELAY);
  }

  box.addEventListener("input", later);
  topic.addEventListener("change", run);
  source.addEventListener("change", run);
  form.addEventListener("submit", function (event) { event.preventDefault(); window.clearTimeout(timer); run(); });
}());
