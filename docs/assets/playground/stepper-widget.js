/* Widget 2: a window stepping across a small grid (the padding/stride chapter). */
import { strings } from "./strings.js";
import { el, field, select, numberInput, readInt, clampInt, nextId, scrollBox } from "./dom.js";

const core = window.cnnTutorial;

function inputValue(r, c) {
  // Small, varied, deterministic digits so that sums can be checked by eye.
  return (r * 7 + c * 3 + 1) % 10;
}

export function stepperWidget(root) {
  var t = strings();
  // The page may choose the first example: data-size, data-kernel, data-stride,
  // data-dilation, data-padding on the placeholder.
  var start = function (name, lo, hi, fallback) {
    var value = parseInt(root.getAttribute("data-" + name), 10);
    return isNaN(value) ? fallback : Math.min(hi, Math.max(lo, value));
  };
  var startPadding = (root.getAttribute("data-padding") || "SAME").toUpperCase();
  if (!/^(SAME|VALID|[123])$/.test(startPadding)) startPadding = "SAME";
  var state = { size: start("size", 1, 16, 7), kernel: start("kernel", 1, 7, 3),
    stride: start("stride", 1, 6, 2), dilation: start("dilation", 1, 3, 1),
    padding: startPadding, index: 0, timer: null };

  var sizeInput = numberInput(state.size, 1, 16, { "data-role": "size" });
  var kernelInput = numberInput(state.kernel, 1, 7, { "data-role": "kernel" });
  var strideInput = numberInput(state.stride, 1, 6, { "data-role": "stride" });
  var dilationInput = numberInput(state.dilation, 1, 3, { "data-role": "dilation" });
  var paddingSelect = select([["SAME", "SAME"], ["VALID", "VALID"], [1, t.explicitPad(1)],
    [2, t.explicitPad(2)], [3, t.explicitPad(3)]], state.padding, { "data-role": "padding" });

  var prevButton = el("button", { type: "button", text: t.prev, "data-role": "prev" });
  var nextButton = el("button", { type: "button", text: t.next, "data-role": "next" });
  var playButton = el("button", { type: "button", text: t.play, "data-role": "play",
    "aria-pressed": "false" });
  var startButton = el("button", { type: "button", text: t.restart, "data-role": "start" });

  var helpId = nextId("help");
  var stepId = nextId("step");
  var inputGrid = el("div", { className: "cnn-pg-grid", tabindex: "0", role: "group",
    "data-role": "input-grid", "aria-label": t.inputGrid,
    "aria-describedby": helpId + " " + stepId });
  var outputGrid = el("div", { className: "cnn-pg-grid", "data-role": "output-grid",
    "aria-label": t.outputGrid, role: "group" });
  var formulaText = el("p", { className: "cnn-pg-formula", "data-role": "formula" });
  var stepText = el("p", { className: "cnn-pg-size", id: stepId, "data-role": "step", role: "status",
    "aria-live": "polite" });
  var termsText = el("p", { className: "cnn-pg-note", "data-role": "terms" });

  root.appendChild(el("p", { className: "cnn-pg-title", text: t.stepperTitle }));
  root.appendChild(el("div", { className: "cnn-pg-controls" }, [
    field(t.size, sizeInput).wrap, field(t.kernelSize, kernelInput).wrap,
    field(t.stride, strideInput).wrap, field(t.dilation, dilationInput).wrap,
    field(t.padding, paddingSelect).wrap
  ]));
  root.appendChild(el("div", { className: "cnn-pg-buttons" },
    [startButton, prevButton, playButton, nextButton]));
  root.appendChild(formulaText);
  // The cells shrink to fit a phone (playground.css); below their minimum size
  // the grids scroll inside a labelled box instead of the page.
  var gridsBox = scrollBox(el("div", { className: "cnn-pg-grids" }, [
    el("figure", {}, [inputGrid, el("figcaption", { text: t.inputGrid })]),
    el("figure", {}, [outputGrid, el("figcaption", { text: t.outputGrid })])
  ]), t.gridsRegion, t.scrollHint);
  root.appendChild(gridsBox.wrap);
  root.appendChild(stepText);
  root.appendChild(termsText);
  root.appendChild(el("p", { className: "cnn-pg-note", id: helpId, text: t.gridHelp + " " +
    t.unused }));

  var plan = null; // {rows, cols} axis plans, or null when there is no output

  function readControls() {
    state.size = clampInt(sizeInput, 1, 16, state.size);
    state.kernel = clampInt(kernelInput, 1, 7, state.kernel);
    state.stride = clampInt(strideInput, 1, 6, state.stride);
    state.dilation = clampInt(dilationInput, 1, 3, state.dilation);
    var pad = paddingSelect.value;
    state.padding = /^\d+$/.test(pad) ? parseInt(pad, 10) : pad;
  }

  function rebuild() {
    readControls();
    stop();
    state.index = 0;
    var effective = core.effectiveKernelSize(state.kernel, state.dilation);
    try {
      var axis = core.axisPlan(state.size, state.kernel, state.stride, state.padding,
        state.dilation);
      plan = { rows: axis, cols: axis };
    } catch (error) {
      if (error.code !== "no-fit") throw error;
      plan = null;
      inputGrid.textContent = "";
      outputGrid.textContent = "";
      formulaText.textContent = t.effective(state.kernel, state.dilation, effective);
      stepText.textContent = t.noOutput(error.window, error.available);
      termsText.textContent = "";
      root.setAttribute("data-output-size", "0");
      setButtons();
      return;
    }
    var axisPlan = plan.rows;
    var lines = [];
    if (state.dilation > 1) lines.push(t.effective(state.kernel, state.dilation, effective));
    if (state.padding === "SAME") {
      lines.push(t.sameFormula(state.size, state.stride, axisPlan.output, effective,
        axisPlan.before + axisPlan.after, axisPlan.before, axisPlan.after));
    } else {
      lines.push(t.validFormula(state.size, state.padding === "VALID" ? 0 : state.padding,
        effective, state.stride, axisPlan.output));
    }
    formulaText.textContent = lines.join(" · ");
    root.setAttribute("data-output-size", axisPlan.output + "x" + axisPlan.output);
    drawGrids();
    update();
  }

  function drawGrids() {
    var axis = plan.rows;
    var padded = axis.before + state.size + axis.after;
    // Input cells that some window reaches (others are dimmed).
    var reached = {};
    for (var o = 0; o < axis.output; o++) {
      axis.taps(o).forEach(function (i) { reached[i] = true; });
    }
    inputGrid.textContent = "";
    inputGrid.style.setProperty("--cnn-pg-cols", padded);
    for (var r = -axis.before; r < state.size + axis.after; r++) {
      for (var c = -axis.before; c < state.size + axis.after; c++) {
        var inside = r >= 0 && r < state.size && c >= 0 && c < state.size;
        var cell = el("div", { className: "cnn-pg-cell" + (inside ? "" : " cnn-pg-pad") +
          (inside && !(reached[r] && reached[c]) ? " cnn-pg-unused" : ""),
          "data-r": r, "data-c": c, text: String(inside ? inputValue(r, c) : 0) });
        inputGrid.appendChild(cell);
      }
    }
    outputGrid.textContent = "";
    outputGrid.style.setProperty("--cnn-pg-cols", axis.output);
    for (var orow = 0; orow < axis.output; orow++) {
      for (var ocol = 0; ocol < axis.output; ocol++) {
        outputGrid.appendChild(el("div", { className: "cnn-pg-cell cnn-pg-out",
          "data-r": orow, "data-c": ocol, text: String(outputValue(orow, ocol).sum) }));
      }
    }
  }

  function outputValue(orow, ocol) {
    var rows = plan.rows.taps(orow);
    var cols = plan.cols.taps(ocol);
    var terms = [];
    var sum = 0;
    rows.forEach(function (r) {
      cols.forEach(function (c) {
        var inside = r >= 0 && r < state.size && c >= 0 && c < state.size;
        var value = inside ? inputValue(r, c) : 0;
        terms.push(value);
        sum += value;
      });
    });
    return { sum: sum, terms: terms, rows: rows, cols: cols };
  }

  function update() {
    if (!plan) return;
    var count = plan.rows.output * plan.cols.output;
    state.index = Math.max(0, Math.min(count - 1, state.index));
    var orow = Math.floor(state.index / plan.cols.output);
    var ocol = state.index % plan.cols.output;
    var value = outputValue(orow, ocol);
    var inRows = {};
    var inCols = {};
    value.rows.forEach(function (r) { inRows[r] = true; });
    value.cols.forEach(function (c) { inCols[c] = true; });
    var rmin = value.rows[0];
    var rmax = value.rows[value.rows.length - 1];
    var cmin = value.cols[0];
    var cmax = value.cols[value.cols.length - 1];
    Array.prototype.forEach.call(inputGrid.children, function (cell) {
      var r = Number(cell.getAttribute("data-r"));
      var c = Number(cell.getAttribute("data-c"));
      var span = r >= rmin && r <= rmax && c >= cmin && c <= cmax;
      cell.classList.toggle("cnn-pg-span", span);
      cell.classList.toggle("cnn-pg-tap", Boolean(inRows[r] && inCols[c]));
    });
    Array.prototype.forEach.call(outputGrid.children, function (cell) {
      var here = Number(cell.getAttribute("data-r")) === orow &&
        Number(cell.getAttribute("data-c")) === ocol;
      cell.classList.toggle("cnn-pg-current", here);
      cell.classList.toggle("cnn-pg-done",
        Number(cell.getAttribute("data-r")) * plan.cols.output +
        Number(cell.getAttribute("data-c")) < state.index);
    });
    var label = function (i) { return i < 0 || i >= state.size ? t.padMark : String(i + 1); };
    stepText.textContent = t.step(orow + 1, ocol + 1, value.sum,
      t.indexList(value.rows.map(label)), t.indexList(value.cols.map(label)));
    termsText.textContent = value.terms.length <= 25 ?
      t.terms(value.terms.join(" + ") + " = " + value.sum) : "";
    root.setAttribute("data-step", String(state.index));
    setButtons();
  }

  function setButtons() {
    var count = plan ? plan.rows.output * plan.cols.output : 0;
    prevButton.disabled = !plan || state.index <= 0;
    nextButton.disabled = !plan || state.index >= count - 1;
    startButton.disabled = !plan || state.index === 0;
    playButton.disabled = !plan || count < 2;
  }

  function go(index) {
    state.index = index;
    update();
  }

  function stop() {
    if (state.timer !== null) {
      clearInterval(state.timer);
      state.timer = null;
    }
    playButton.textContent = t.play;
    playButton.setAttribute("aria-pressed", "false");
  }

  function play() {
    if (state.timer !== null) {
      stop();
      return;
    }
    if (reducedMotion && reducedMotion.matches) return;
    var count = plan.rows.output * plan.cols.output;
    if (state.index >= count - 1) go(0);
    playButton.textContent = t.pause;
    playButton.setAttribute("aria-pressed", "true");
    state.timer = setInterval(function () {
      if (!root.isConnected || state.index >= count - 1) {
        stop();
        return;
      }
      go(state.index + 1);
    }, 700);
  }

  [sizeInput, kernelInput, strideInput, dilationInput].forEach(function (input) {
    input.addEventListener("input", function () {
      if (!isNaN(readInt(input))) rebuild();
    });
    // Out-of-range or empty text is put back to the value in use.
    input.addEventListener("change", function () {
      rebuild();
      sizeInput.value = state.size;
      kernelInput.value = state.kernel;
      strideInput.value = state.stride;
      dilationInput.value = state.dilation;
    });
  });
  paddingSelect.addEventListener("change", rebuild);
  prevButton.addEventListener("click", function () { stop(); go(state.index - 1); });
  nextButton.addEventListener("click", function () { stop(); go(state.index + 1); });
  startButton.addEventListener("click", function () { stop(); go(0); });
  playButton.addEventListener("click", play);

  // prefers-reduced-motion: no autoplay. The Play button is withdrawn (Next and
  // the arrow keys still step) and a running autoplay stops when it is set.
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)")
    : null;
  function followMotionPreference() {
    var reduce = Boolean(reducedMotion && reducedMotion.matches);
    if (reduce) stop();
    playButton.hidden = reduce;
  }
  if (reducedMotion) {
    followMotionPreference();
    if (reducedMotion.addEventListener) reducedMotion.addEventListener("change",
      followMotionPreference);
  }
  // Touch or mouse: tapping an output cell moves the window there.
  outputGrid.addEventListener("click", function (event) {
    var cell = event.target.closest ? event.target.closest(".cnn-pg-cell") : null;
    if (!plan || !cell) return;
    stop();
    go(Number(cell.getAttribute("data-r")) * plan.cols.output + Number(cell.getAttribute("data-c")));
  });
  inputGrid.addEventListener("keydown", function (event) {
    if (!plan) return;
    var cols = plan.cols.output;
    var count = plan.rows.output * cols;
    var target = null;
    switch (event.key) {
      case "ArrowRight": target = state.index + 1; break;
      case "ArrowLeft": target = state.index - 1; break;
      case "ArrowDown": target = state.index + cols; break;
      case "ArrowUp": target = state.index - cols; break;
      case "Home": target = 0; break;
      case "End": target = count - 1; break;
      default: return;
    }
    event.preventDefault();
    stop();
    if (target >= 0 && target < count) go(target);
  });

  rebuild();
  root.setAttribute("data-ready", "true");
}
