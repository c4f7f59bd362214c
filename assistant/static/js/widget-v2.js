/* PAIR Evidence Assistant widget loader, version 2 (served at /widget/v2.js).
   One script tag on a host page adds a launcher button and a panel holding an iframe of
   /embed. Both live in a shadow root, styled only through element.style, so host CSS
   cannot reach them and nothing of ours leaks out; all widget UI CSS is inside the frame.
   Host and frame talk only by postMessage with exact origins checked on both sides.
   Attributes: data-title, data-theme (nhs | govuk | neutral), data-position
   (bottom-right | bottom-left). These bytes are pinned by hosts with Subresource
   Integrity: any change ships as a new version. Version 2 tells the reader, in the panel,
   when the assistant refuses to be shown on this site (no handshake from the frame). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || !window.URL || !document.head.attachShadow) { return; }
  var origin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var title = (data.title || "Ask the PAIR evidence").replace(/\s+/g, " ").trim().slice(0, 80);
  var theme = /^(nhs|govuk|neutral)$/.test(data.theme || "") ? data.theme : "nhs";
  var side = data.position === "bottom-left" ? "left" : "right";
  var colour = { nhs: "#005eb8", govuk: "#1d70b8", neutral: "#3b3b3b" }[theme];
  var small = window.matchMedia("(max-width: 30rem), (max-height: 40rem)");
  var frame = null, ready = false, open = false, contentHeight = 600, notice = null, waiting = null;
  var WAIT_MS = 6000;

  function css(node, props) {
    Object.keys(props).forEach(function (name) { node.style.setProperty(name, props[name], "important"); });
  }

  var host = document.createElement("div");
  host.setAttribute("data-pair-assistant", "v1");
  css(host, { all: "initial" });
  var root = host.attachShadow({ mode: "open" });

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.textContent = title;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "pair-assistant-panel");
  css(launcher, { position: "fixed", bottom: "16px", left: "auto", right: "auto", "z-index": "2147483000",
    "font-family": "Arial, \"Helvetica Neue\", sans-serif", "font-size": "16px", "font-weight": "bold",
    "line-height": "1.5", color: "#ffffff", background: colour, border: "2px solid #ffffff",
    "border-radius": "24px", padding: "10px 20px", "min-height": "48px", "min-width": "48px", margin: "0",
    cursor: "pointer", "box-shadow": "0 2px 6px rgba(0, 0, 0, 0.35)", outline: "none", "text-align": "center",
    "max-width": "calc(100vw - 32px)", display: "block", width: "auto", height: "auto" });
  css(launcher, side === "left" ? { left: "16px" } : { right: "16px" });

  var panel = document.createElement("div");
  panel.id = "pair-assistant-panel";
  css(panel, { position: "fixed", "z-index": "2147483001", display: "none", background: "#ffffff",
    overflow: "hidden", margin: "0", padding: "0",
    "box-shadow": "0 4px 16px rgba(0, 0, 0, 0.3)", "box-sizing": "border-box" });

  function layout() {
    var full = small.matches;
    css(panel, full
      ? { top: "0", bottom: "0", left: "0", right: "0", width: "100%", height: "100%", "max-height": "none",
        "border-radius": "0", border: "0" }
      : { top: "auto", bottom: "84px", left: side === "left" ? "16px" : "auto", right: side === "left" ? "auto" : "16px",
        width: "380px", "max-width": "calc(100vw - 32px)", height: Math.max(320, Math.min(600, contentHeight)) + "px",
        "max-height": "calc(100vh - 100px)", "border-radius": "8px", border: "1px solid #aeb7bd" });
    css(launcher, { display: full && open ? "none" : "block" });
  }

  function focusRing(on) {
    css(launcher, on ? { outline: "4px solid #ffeb3b", "outline-offset": "0", "box-shadow": "0 0 0 7px #212b32" }
      : { outline: "none", "box-shadow": "0 2px 6px rgba(0, 0, 0, 0.35)" });
  }

  function makeFrame() {
    frame = document.createElement("iframe");
    frame.title = title;
    frame.src = origin + "/embed?theme=" + theme + "&title=" + encodeURIComponent(title) +
      "&host=" + encodeURIComponent(window.location.origin);
    css(frame, { display: "block", width: "100%", height: "100%", border: "0", margin: "0", padding: "0" });
    panel.appendChild(frame);
  }

  /* The frame never said "ready": the server refused this site (or is unreachable). */
  function refused() {
    if (ready || notice) { return; }
    notice = document.createElement("div");
    notice.setAttribute("role", "alert");
    css(notice, { padding: "16px", margin: "0", "font-family": "Arial, \"Helvetica Neue\", sans-serif",
      "font-size": "16px", "line-height": "1.5", color: "#212b32", background: "#ffffff", "text-align": "left" });
    var head = document.createElement("p");
    head.textContent = "The assistant cannot be shown on this site.";
    css(head, { "font-weight": "bold", margin: "0 0 8px", "font-size": "19px" });
    var body = document.createElement("p");
    body.textContent = "Ask the administrator of the assistant to add " + window.location.origin +
      " to the setting PAIR_EMBED_ALLOWED_ORIGINS, or open the assistant in its own window.";
    css(body, { margin: "0 0 8px" });
    var link = document.createElement("a");
    link.href = origin + "/";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Open the assistant (opens in a new tab)";
    css(link, { color: "#005eb8", "text-decoration": "underline" });
    notice.appendChild(head);
    notice.appendChild(body);
    notice.appendChild(link);
    css(frame, { display: "none" });
    panel.insertBefore(notice, frame);
  }

  function post(type) {
    if (frame && ready) { frame.contentWindow.postMessage({ source: "pair-assistant", type: type }, origin); }
  }

  function focusPanel() {
    if (!ready) { return; }  /* focus follows on "ready" */
    frame.focus();
    post("open");
  }

  function show() {
    if (!frame) { makeFrame(); waiting = window.setTimeout(refused, WAIT_MS); }
    open = true;
    launcher.setAttribute("aria-expanded", "true");
    layout();
    css(panel, { display: "block" });
    focusPanel();
  }

  function hide() {
    if (!open) { return; }
    open = false;
    launcher.setAttribute("aria-expanded", "false");
    css(panel, { display: "none" });
    layout();
    launcher.focus();
  }

  function onMessage(event) {
    if (!frame || event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var message = event.data || {};
    if (message.source !== "pair-assistant") { return; }
    if (message.type === "ready") {
      ready = true;
      window.clearTimeout(waiting);
      if (notice) { panel.removeChild(notice); notice = null; css(frame, { display: "block" }); }
      if (open) { focusPanel(); }
    }
    else if (message.type === "close") { hide(); }
    else if (message.type === "resize" && typeof message.height === "number") {
      contentHeight = message.height;
      if (open) { layout(); }
    }
  }

  launcher.addEventListener("click", function () { if (open) { hide(); } else { show(); } });
  launcher.addEventListener("focus", function () { focusRing(true); });
  launcher.addEventListener("blur", function () { focusRing(false); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open && document.activeElement === host) { hide(); }
  });
  window.addEventListener("message", onMessage);
  if (small.addEventListener) { small.addEventListener("change", layout); }

  root.appendChild(launcher);
  root.appendChild(panel);
  layout();
  if (document.body) { document.body.appendChild(host); }
  else { document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(host); }); }
}());
