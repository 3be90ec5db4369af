/* Widget 1: a kernel on the sample photo (the convolution chapter). */
import { strings } from "./strings.js";
import { el, field, select, formatNumber } from "./dom.js";
import { loadSample, drawGray } from "./sample.js";

const core = window.cnnTutorial;


// CSS pixels per image pixel, the same for input and output, so a smaller
// output (stride, VALID) also looks smaller.
function displayScale(image) {
  return Math.max(1, Math.round(256 / image.width));
}

export function kernelWidget(root) {
  var t = strings();
  var state = { name: "sharpen", kernel: core.KERNELS.sharpen, stride: 1, padding: "SAME",
    mode: "clip", image: null };

  var kernelSelect = select(core.KERNEL_NAMES.map(function (name) {
    return [name, t.kernelNames[name]];
  }).concat([["custom", t.custom]]), state.name, { "data-role": "kernel" });
  var strideSelect = select([[1, "1"], [2, "2"], [3, "3"], [4, "4"]], 1,
    { "data-role": "stride" });
  var paddingSelect = select([["SAME", "SAME"], ["VALID", "VALID"]], "SAME",
    { "data-role": "padding" });
  var modeSelect = select([["clip", t.clip], ["minmax", t.minmax]], "clip",
    { "data-role": "display" });

  var cells = [];
  var grid = el("div", { className: "cnn-pg-kernel-cells", role: "group",
    "aria-label": t.kernelValues });
  for (var r = 0; r < 3; r++) {
    for (var c = 0; c < 3; c++) {
      var cell = el("input", { type: "number", step: "any", inputmode: "decimal",
        "aria-label": t.cell(r + 1, c + 1), "data-role": "cell-" + r + "-" + c });
      cells.push(cell);
      grid.appendChild(cell);
    }
  }
  var gridLabel = el("span", { className: "cnn-pg-label", text: t.kernelValues });

  var inputCanvas = el("canvas", { "data-role": "input", role: "img", "aria-label": t.inputAlt });
  var outputCanvas = el("canvas", { "data-role": "output", role: "img",
    "aria-label": t.outputAlt });
  var sizeText = el("p", { className: "cnn-pg-size", "data-role": "size", role: "status",
    "aria-live": "polite" });
  var rangeText = el("p", { className: "cnn-pg-note", "data-role": "range" });
  var message = el("p", { className: "cnn-pg-message", "data-role": "message", role: "status",
    text: t.loading });

  root.appendChild(el("p", { className: "cnn-pg-title", text: t.kernelTitle }));
  root.appendChild(el("p", { className: "cnn-pg-note", text: t.kernelIntro }));
  root.appendChild(el("div", { className: "cnn-pg-controls" }, [
    field(t.kernel, kernelSelect).wrap,
    field(t.stride, strideSelect).wrap,
    field(t.padding, paddingSelect).wrap,
    field(t.display, modeSelect).wrap
  ]));
  root.appendChild(el("div", { className: "cnn-pg-kernel" }, [gridLabel, grid]));
  root.appendChild(el("div", { className: "cnn-pg-images" }, [
    el("figure", {}, [inputCanvas, el("figcaption", { text: t.input })]),
    el("figure", {}, [outputCanvas, el("figcaption", { text: t.output })])
  ]));
  root.appendChild(sizeText);
  root.appendChild(rangeText);
  root.appendChild(message);

  function showKernel(kernel) {
    cells.forEach(function (input, i) {
      input.value = formatNumber(Math.round(kernel[Math.floor(i / 3)][i % 3] * 1e4) / 1e4);
    });
  }

  function render() {
    if (!state.image) return;
    var result = core.convolve(state.image.pixels, state.image.width, state.image.height,
      state.kernel, state.stride, state.padding);
    drawGray(outputCanvas, result, state.mode);
    // Width only: the height follows the aspect ratio when a phone narrows it.
    outputCanvas.style.width = result.width * displayScale(state.image) + "px";
    sizeText.textContent = t.outputSize(state.image.width, state.image.height, result.width,
      result.height);
    var range = core.valueRange(result.pixels);
    rangeText.textContent = t.range(formatNumber(range.min), formatNumber(range.max));
    message.textContent = "";
    root.setAttribute("data-output-size", result.width + "x" + result.height);
  }

  kernelSelect.addEventListener("change", function () {
    state.name = kernelSelect.value;
    if (state.name !== "custom") {
      state.kernel = core.KERNELS[state.name];
      showKernel(state.kernel);
    }
    render();
  });
  grid.addEventListener("input", function () {
    var values = cells.map(function (input) { return input.value.trim() === "" ? NaN : Number(input.value); });
    if (!values.every(isFinite)) {
      message.textContent = t.needNumber;
      return;
    }
    state.kernel = [values.slice(0, 3), values.slice(3, 6), values.slice(6, 9)];
    state.name = "custom";
    kernelSelect.value = "custom";
    render();
  });
  strideSelect.addEventListener("change", function () {
    state.stride = parseInt(strideSelect.value, 10);
    render();
  });
  paddingSelect.addEventListener("change", function () {
    state.padding = paddingSelect.value;
    render();
  });
  modeSelect.addEventListener("change", function () {
    state.mode = modeSelect.value;
    render();
  });

  showKernel(state.kernel);
  function start() {
    loadSample().then(function (image) {
      state.image = image;
      drawGray(inputCanvas, image, "clip");
      inputCanvas.style.width = image.width * displayScale(image) + "px";
      render();
      root.setAttribute("data-ready", "true");
    }).catch(function (error) {
      message.textContent = t.loadError(error.message);
      root.setAttribute("data-ready", "error");
    });
  }
  // The photo (a 35 KB PNG) is the widget's largest file: fetch it only when
  // the reader comes near the widget.
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        start();
      }
    }, { rootMargin: "400px 0px" });
    observer.observe(root);
  } else {
    start();
  }
}
