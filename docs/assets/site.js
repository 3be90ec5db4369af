/*
 * site.js: keyboard access to the notebook cells' code and outputs.
 *
 * A code cell or output that is wider than the column scrolls sideways. So
 * that keyboard users can scroll it, such a box gets tabindex="0", the role
 * "region" and a name in the page's language ("Code, scrolls sideways"); one
 * that fits gets nothing (no useless tab stop). mkdocs-jupyter's unnamed
 * tabindex on every cell's input wrapper (which never scrolls) is removed, so
 * the Tab key visits what can be scrolled, in reading order. Rechecked when
 * the window's width changes (a phone turned sideways).
 */
(function () {
  "use strict";

  var NAMES = {
    en: { code: "Code cell, scrolls sideways", output: "Output, scrolls sideways" },
    ko: { code: "코드 셀, 옆으로 스크롤", output: "출력, 옆으로 스크롤" }
  };
  var SELECTORS = {
    code: ".jupyter-wrapper .highlight-ipynb",
    output: ".jupyter-wrapper .jp-OutputArea-output pre, .jupyter-wrapper .jp-RenderedHTMLCommon"
  };

  function names() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("ko") === 0 ? NAMES.ko : NAMES.en;
  }

  function markScrollable() {
    var text = names();
    document.querySelectorAll(".jupyter-wrapper .jp-Cell-inputWrapper[tabindex]")
      .forEach(function (wrapper) { wrapper.removeAttribute("tabindex"); });
    Object.keys(SELECTORS).forEach(function (kind) {
      document.querySelectorAll(SELECTORS[kind]).forEach(function (box) {
        var scrolls = box.scrollWidth > box.clientWidth + 1 ||
          box.scrollHeight > box.clientHeight + 1;
        var marked = box.hasAttribute("data-cnn-scroll");
        if (scrolls && !marked) {
          box.setAttribute("data-cnn-scroll", kind);
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", text[kind]);
        } else if (!scrolls && marked) {
          box.removeAttribute("data-cnn-scroll");
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      });
    });
  }

  var lastWidth = -1;
  function onResize() {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    markScrollable();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onResize);
  } else {
    onResize();
  }
  window.addEventListener("resize", onResize);
  window.addEventListener("load", markScrollable); // images and fonts change widths
})();
