/*
 * site.js: keyboard access to boxes that scroll sideways.
 *
 * A code cell, output, code block or table that is wider than the column (on
 * a phone, most are) scrolls sideways inside its box. So that keyboard users
 * can scroll it, such a box gets tabindex="0", the role "region" and a name in
 * the page's language ("Code cell, scrolls sideways"); one that fits, or that
 * already holds something focusable (a link), gets nothing (no useless tab stop). mkdocs-jupyter's unnamed
 * tabindex on every cell's input wrapper (which never scrolls) is removed, so
 * the Tab key visits what can be scrolled, in reading order. Rechecked when
 * the window's width changes (a phone turned sideways).
 */
(function () {
  "use strict";

  var NAMES = {
    en: { code: "Code cell, scrolls sideways", output: "Output, scrolls sideways",
      block: "Code, scrolls sideways", table: "Table, scrolls sideways" },
    ko: { code: "코드 셀, 옆으로 스크롤", output: "출력, 옆으로 스크롤",
      block: "코드, 옆으로 스크롤", table: "표, 옆으로 스크롤" }
  };
  var SELECTORS = {
    code: ".jupyter-wrapper .highlight-ipynb",
    output: ".jupyter-wrapper .jp-OutputArea-output pre, .jupyter-wrapper .jp-RenderedHTMLCommon",
    block: ".md-typeset pre > code",
    table: ".md-typeset .md-typeset__scrollwrap, .md-typeset table"
  };
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

  function names() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("ko") === 0 ? NAMES.ko : NAMES.en;
  }

  // Something inside that Tab reaches and that takes room (Material's line-number
  // anchors in code blocks are empty, so they do not count).
  function holdsFocusable(box) {
    return Array.prototype.some.call(box.querySelectorAll(FOCUSABLE), function (element) {
      return element.offsetWidth > 0 && element.offsetHeight > 0;
    });
  }

  // Only real changes (no mutation record, so the observer below settles).
  function setAttribute(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function markScrollable() {
    var text = names();
    document.querySelectorAll(".jupyter-wrapper .jp-Cell-inputWrapper[tabindex]")
      .forEach(function (wrapper) { wrapper.removeAttribute("tabindex"); });
    Object.keys(SELECTORS).forEach(function (kind) {
      document.querySelectorAll(SELECTORS[kind]).forEach(function (box) {
        var marked = box.hasAttribute("data-cnn-scroll");
        if (!marked && box.hasAttribute("tabindex")) return; // focusable already
        var scrolls = (box.scrollWidth > box.clientWidth + 1 ||
          box.scrollHeight > box.clientHeight + 1) && !holdsFocusable(box);
        if (scrolls) {
          // Set again on every look: Material's own code-block observer may have
          // removed the tabindex in between.
          setAttribute(box, "data-cnn-scroll", kind);
          setAttribute(box, "tabindex", "0");
          setAttribute(box, "role", "region");
          setAttribute(box, "aria-label", text[kind]);
        } else if (!scrolls && marked) {
          box.removeAttribute("data-cnn-scroll");
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      });
    });
  }

  // A code block that shows ">>>" prompts (exercise solutions, the reference's
  // examples): its copy button copies code that runs, the prompts (">>> ",
  // "... ") stripped and the printed outputs left out. Material's button copies
  // the data-copy attribute of the closest element that has one.
  function doctestCode(text) {
    var lines = [];
    var inSource = false;  // "..." continues a ">>>" line, as in doctest; else it is output
    text.split("\n").forEach(function (line) {
      var match = /^(>>>|\.\.\.)( |$)(.*)$/.exec(line);
      if (match && (match[1] === ">>>" || inSource)) {
        lines.push(match[3]);
        inSource = true;
      } else {
        inSource = false;
      }
    });
    return lines.join("\n");
  }

  function markDoctests() {
    document.querySelectorAll(".md-typeset pre > code").forEach(function (code) {
      var text = code.textContent;
      if (!/^\s*>>>( |$)/.test(text)) return;
      setAttribute(code.parentElement, "data-copy", doctestCode(text.replace(/^\s+/, "")));
    });
  }
  window.cnnTutorialSite = { doctestCode: doctestCode };

  // Both languages give a section the same id ("## 패딩 {#padding}" and
  // "## Padding {#padding}"): the language switch keeps the reader there. The
  // section is the address's #fragment, else the last heading scrolled past.
  function currentSection() {
    if (window.location.hash.length > 1) return window.location.hash;
    var header = document.querySelector(".md-header");
    var top = (header ? header.getBoundingClientRect().bottom : 0) + 8;
    var id = "";
    document.querySelectorAll(".md-content h2[id], .md-content h3[id]").forEach(function (h) {
      if (h.getBoundingClientRect().top <= top) id = h.id;
    });
    return id ? "#" + id : "";
  }

  function keepSection(event) {
    var link = event.target && event.target.closest &&
      event.target.closest("a.md-select__link[hreflang]");
    if (!link) return;
    var base = link.href.split("#")[0];
    var section = currentSection();
    setAttribute(link, "href", base + section);
  }
  // Before the link is followed or opened elsewhere (click, keyboard, a long press).
  ["pointerdown", "focusin", "click"].forEach(function (type) {
    document.addEventListener(type, keepSection, true);
  });

  var lastWidth = -1;
  function onResize() {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    markScrollable();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onResize);
    document.addEventListener("DOMContentLoaded", markDoctests);
  } else {
    onResize();
    markDoctests();
  }
  window.addEventListener("resize", onResize);
  window.addEventListener("load", function () {
    // Images and fonts change widths; Material's components settle a frame later.
    markScrollable();
    window.requestAnimationFrame(function () { window.setTimeout(markScrollable, 0); });
  });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(markScrollable);
  // Material wraps tables and mounts its components when it emits document$
  // (after this script ran); look again then, and whenever the content's size changes.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { markScrollable(); });
  }
  // Material's code blocks drop a tabindex when its own size observer thinks
  // they fit; put ours back whenever a tabindex changes.
  if (window.MutationObserver) {
    new MutationObserver(function () { markScrollable(); }).observe(document.documentElement,
      { attributes: true, attributeFilter: ["tabindex"], subtree: true });
  }
  // Observed after Material's observers (created earlier), so this look comes last.
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function () { markScrollable(); });
    var observeAll = function () {
      Object.keys(SELECTORS).forEach(function (kind) {
        document.querySelectorAll(SELECTORS[kind]).forEach(function (box) {
          observer.observe(box);
        });
      });
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", observeAll);
    } else {
      observeAll();
    }
  }
})();
