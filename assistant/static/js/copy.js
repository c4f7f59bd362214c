/* "Copy reference" and "Copy link" buttons for every .reference-block. Without JavaScript
   the reference and the link stay visible and selectable. Exposes PAIRCopy.enhance(node)
   for blocks added later (search results as you type). */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function button(label, getText, status) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small";
    b.textContent = label;
    b.addEventListener("click", function () {
      copyText(getText()).then(function () {
        status.textContent = "Copied.";
      }, function () {
        status.textContent = "Could not copy: select the text and copy it yourself.";
      });
    });
    return b;
  }

  var counter = 0;

  function enhance(block) {
    if (block.getAttribute("data-enhanced")) { return; }
    block.setAttribute("data-enhanced", "1");
    var ref = block.querySelector(".reference-text");
    var link = block.querySelector(".permalink-text");
    var bar = document.createElement("div");
    bar.className = "copy-actions";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    var described = ref || link;
    if (described && !described.id) {
      /* every result has the same button labels: tie each button to its own reference */
      described.id = "ref-" + (block.getAttribute("data-passage") || "x") + "-" + (++counter);
    }
    if (ref) { bar.appendChild(button("Copy reference", function () { return ref.textContent; }, status)); }
    if (link) { bar.appendChild(button("Copy link", function () { return link.getAttribute("href"); }, status)); }
    Array.prototype.forEach.call(bar.querySelectorAll("button"), function (b) {
      b.setAttribute("aria-describedby", described.id);
    });
    bar.appendChild(status);
    block.appendChild(bar);
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".reference-block"), enhance);
  }

  window.PAIRCopy = { enhance: enhanceAll };
  enhanceAll(document);
}());
