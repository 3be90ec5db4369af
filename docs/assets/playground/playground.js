/*
 * playground.js: the in-page widgets of the convolution tutorial (entry module).
 *
 * A chapter asks for a widget with a placeholder element:
 *   <div class="cnn-playground" data-widget="kernel"></div>    (convolution.md)
 *   <div class="cnn-playground" data-widget="stepper"></div>   (padding-stride.md;
 *        optional data-size, data-kernel, data-stride, data-dilation, data-padding)
 *   <div class="cnn-playground" data-widget="stack"></div>     (fully-connected.md)
 * Without JavaScript the placeholder stays empty and the chapter's static
 * figure (a code cell's output next to it) tells the same story.
 *
 * Native ES modules, no build step (mkdocs.yml loads this file with
 * type: module): strings.js (strings-en.js, strings-ko.js: labels follow
 * <html lang>), dom.js (small DOM helpers), sample.js (the sample photo), and
 * one module per widget. All arithmetic comes from cnn-core.js
 * (window.cnnTutorial), a classic script that runs before any module. Nothing
 * is fetched from another origin: the sample photo (sample-photo.png) and the
 * lecture's network (lecture-network.json) are written next to these files at
 * build time by docs_hooks/playground.py.
 */
import { kernelWidget } from "./kernel-widget.js";
import { stepperWidget } from "./stepper-widget.js";
import { stackWidget } from "./stack-widget.js";
import { nextId } from "./dom.js";

var WIDGETS = { kernel: kernelWidget, stepper: stepperWidget, stack: stackWidget };

/** Start every placeholder under `scope` (default: the document) not started yet. */
function init(scope) {
  var base = scope && scope.querySelectorAll ? scope : document;
  var nodes = base.querySelectorAll(".cnn-playground[data-widget]");
  Array.prototype.forEach.call(nodes, function (root) {
    if (root.getAttribute("data-started")) return;
    var make = WIDGETS[root.getAttribute("data-widget")];
    if (!make) {
      root.textContent = "Unknown widget " + JSON.stringify(root.getAttribute("data-widget")) +
        "; expected one of " + Object.keys(WIDGETS).join(", ") + ".";
      return;
    }
    root.setAttribute("data-started", "true");
    root.textContent = ""; // e.g. a <noscript> note
    root.classList.add("cnn-pg-" + root.getAttribute("data-widget"));
    make(root);
    nameAfterTitle(root);
  });
}

/** Each widget is a labelled region (a landmark named by its title). */
function nameAfterTitle(root) {
  var title = root.querySelector(".cnn-pg-title");
  if (!title) return;
  if (!title.id) title.id = nextId("title");
  root.setAttribute("role", "region");
  root.setAttribute("aria-labelledby", title.id);
}

// For pages that add placeholders later (and for tests that restart widgets).
window.cnnTutorialPlayground = Object.freeze({ init: init, widgets: Object.keys(WIDGETS) });

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { init(); });
} else {
  init();
}
// Material's instant navigation (if ever enabled) swaps pages without a reload.
if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(function () { init(); });
}
