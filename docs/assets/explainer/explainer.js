/*
 * "Draw a digit": the lecture's trained convnet, layer by layer, in the page.
 *
 * A chapter places <div class="cnn-explainer"></div>; when the reader scrolls
 * near it (IntersectionObserver), the widget loads the site's export
 * (assets/model/, written by cnn_tutorial.web.export_convnet) and builds:
 * a drawing canvas with MNIST's preprocessing, the 28x28 input, the softmax
 * bar chart, every layer's activations, the kernel and the multiply-
 * accumulate behind a chosen value, and the trained conv1 kernels next to
 * the lecture's hand-made ones. Labels follow <html lang>; colours come from
 * Material's palette variables. Nothing is fetched from another origin.
 *
 * window.cnnTutorial.loadConvNet(url?) and .preprocessDigit(gray, w, h) are
 * public (tests and readers' consoles).
 */
import { loadConvNet, preprocessDigit, normalizeBytes } from "./convnet.js";

const STRINGS = {
  en: {
    loading: "Loading the trained network…",
    failed: "The network could not be loaded: ",
    draw: "Draw a digit here (white on black)",
    canvasLabel: "Drawing area: draw a digit with the mouse, a finger or a pen",
    clear: "Clear",
    examples: "Or pick a test digit from MNIST",
    example: (i, label) => `Test digit ${i + 1} (label ${label})`,
    input: "What the network sees (28 × 28)",
    prediction: "Prediction",
    predicted: (label, p) => `The network reads ${label} (probability ${p}).`,
    empty: "Draw a digit or pick a test digit.",
    layers: "Activations, layer by layer",
    mapsHint: "Click a feature map of conv1 or conv2 to see its kernel and the arithmetic behind one of its values.",
    map: (layer, c) => `${layer}, feature map ${c + 1}`,
    fcTop: "fc: the 16 strongest of 1,024 units",
    unit: "unit",
    logits: "logits",
    detailTitle: (layer, c) => `${layer}, feature map ${c + 1}: kernel and multiply-accumulate`,
    kernelOf: (layer, c) => `The kernel of ${layer} map ${c + 1}`,
    slice: (c) => `input channel ${c + 1}`,
    pixel: "Output pixel",
    row: "row",
    col: "column",
    pixelHint: "Click the enlarged map or type a row and column (from 0).",
    channel: "input channel",
    windowTimesKernel: "window · kernel",
    product: "window × kernel, element by element",
    sum: "sum over channels",
    bias: "+ bias",
    pre: "= before ReLU",
    relu: "ReLU → value",
    mapValue: "value shown in the map",
    showChannel: (c) => `Show the products of channel ${c + 1}`,
    gallery: "Trained conv1 kernels (5 × 5) next to the lecture's hand-made kernels (3 × 3)",
    trained: "trained conv1",
    handmade: "hand-made",
    close: "Close",
  },
  ko: {
    loading: "학습된 신경망을 불러오는 중…",
    failed: "신경망을 불러오지 못했습니다: ",
    draw: "여기에 숫자를 그려 보세요 (검은 바탕에 흰 글씨)",
    canvasLabel: "그리기 영역: 마우스, 손가락, 펜으로 숫자를 그립니다",
    clear: "지우기",
    examples: "또는 MNIST 테스트 숫자를 고르세요",
    example: (i, label) => `테스트 숫자 ${i + 1} (레이블 ${label})`,
    input: "신경망이 보는 입력 (28 × 28)",
    prediction: "예측",
    predicted: (label, p) => `신경망의 예측은 ${label}입니다 (확률 ${p}).`,
    empty: "숫자를 그리거나 테스트 숫자를 고르세요.",
    layers: "계층별 활성화",
    mapsHint: "conv1이나 conv2의 특성 맵을 누르면 그 맵을 만든 커널과, 한 값을 계산하는 과정이 나옵니다.",
    map: (layer, c) => `${layer}, 특성 맵 ${c + 1}`,
    fcTop: "fc: 1,024개 유닛 중 가장 강한 16개",
    unit: "유닛",
    logits: "로짓",
    detailTitle: (layer, c) => `${layer}, 특성 맵 ${c + 1}: 커널과 곱셈-덧셈`,
    kernelOf: (layer, c) => `${layer} 맵 ${c + 1}의 커널`,
    slice: (c) => `입력 채널 ${c + 1}`,
    pixel: "출력 픽셀",
    row: "행",
    col: "열",
    pixelHint: "확대한 맵을 누르거나 행과 열(0부터)을 입력하세요.",
    channel: "입력 채널",
    windowTimesKernel: "창 · 커널",
    product: "창 × 커널 (원소별)",
    sum: "채널 합",
    bias: "+ 편향",
    pre: "= ReLU 전",
    relu: "ReLU → 값",
    mapValue: "맵에 표시된 값",
    showChannel: (c) => `채널 ${c + 1}의 곱 보기`,
    gallery: "학습된 conv1 커널(5 × 5)과 강의의 수작업 커널(3 × 3)",
    trained: "학습된 conv1",
    handmade: "수작업",
    close: "닫기",
  },
};

function strings() {
  const lang = (document.documentElement.lang || "en").toLowerCase();
  return lang.startsWith("ko") ? STRINGS.ko : STRINGS.en;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const fmt = (v, digits = 4) => (Math.abs(v) < 5e-5 && v !== 0 ? v.toExponential(1) : v.toFixed(digits));
const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** Colours from Material's palette (light or dark), read when drawing. */
function palette(root) {
  const style = getComputedStyle(root);
  const parse = (name, fallback) => {
    const probe = document.createElement("span");
    probe.style.color = style.getPropertyValue(name).trim() || fallback;
    probe.style.display = "none";
    root.append(probe);
    const rgb = getComputedStyle(probe).color.match(/[\d.]+/g).slice(0, 3).map(Number);
    probe.remove();
    return rgb;
  };
  return {
    fg: parse("--cnn-ex-fg", "#222"),
    bg: parse("--cnn-ex-bg", "#fff"),
    pos: parse("--cnn-ex-pos", "#d62728"),
    neg: parse("--cnn-ex-neg", "#1f77b4"),
  };
}

const mix = (a, b, t) => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));

/** Draw h x w values into a canvas: `colour(v)` returns [r, g, b]. */
function paint(canvas, values, h, w, colour, pick = (i) => values[i]) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = colour(pick(i));
    image.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function Explainer(root, net) {
  const S = strings();
  const state = { result: null, selected: null, pixel: null, channel: 0 };
  root.textContent = "";
  root.dataset.started = "true";

  // ---- input: drawing canvas, clear, examples, 28x28 preview ----
  const pad = el("canvas", { class: "cnn-ex-pad", width: 280, height: 280, tabindex: "-1",
    role: "img", "aria-label": S.canvasLabel });
  const clear = el("button", { type: "button", class: "cnn-ex-button", text: S.clear });
  const preview = el("canvas", { class: "cnn-ex-preview", width: 28, height: 28,
    role: "img", "aria-label": S.input });
  const strip = el("div", { class: "cnn-ex-strip", role: "group", "aria-label": S.examples });
  const live = el("p", { class: "cnn-ex-live", "aria-live": "polite", text: S.empty });
  const bars = el("div", { class: "cnn-ex-bars", role: "list", "aria-label": S.prediction });
  const barRows = [];
  for (let d = 0; d < net.nClasses; d++) {
    const fill = el("span", { class: "cnn-ex-bar-fill" });
    const value = el("span", { class: "cnn-ex-bar-value", text: "0.0%" });
    const row = el("div", { class: "cnn-ex-bar", role: "listitem", "data-digit": d },
      el("span", { class: "cnn-ex-bar-label", text: String(d) }),
      el("span", { class: "cnn-ex-bar-track" }, fill), value);
    barRows.push({ row, fill, value });
    bars.append(row);
  }
  root.append(
    el("div", { class: "cnn-ex-top" },
      el("div", { class: "cnn-ex-draw" },
        el("p", { class: "cnn-ex-caption", text: S.draw }), pad,
        el("div", { class: "cnn-ex-row" }, clear)),
      el("div", { class: "cnn-ex-seen" },
        el("p", { class: "cnn-ex-caption", text: S.input }), preview,
        el("p", { class: "cnn-ex-caption", text: S.prediction }), bars, live)),
    el("p", { class: "cnn-ex-caption", text: S.examples }), strip);

  const ctx = pad.getContext("2d");
  function blank() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, pad.width, pad.height);
  }
  blank();

  // ---- layers ----
  const layersBox = el("div", { class: "cnn-ex-layers" });
  const detail = el("div", { class: "cnn-ex-detail", hidden: true, tabindex: "-1" });
  root.append(el("h3", { class: "cnn-ex-heading", text: S.layers }),
    el("p", { class: "cnn-ex-hint", text: S.mapsHint }), layersBox, detail);
  const mapCanvases = {};
  // Every layer with feature maps, as model.json lists them (conv1, pool1, conv2, pool2).
  const mapLayers = net.layers.filter((l) => l.output.length === 3);
  for (const { name: layer, output } of mapLayers) {
    const count = output[2];
    const grid = el("div", { class: "cnn-ex-maps", "data-layer": layer });
    mapCanvases[layer] = [];
    for (let c = 0; c < count; c++) {
      const canvas = el("canvas", { class: "cnn-ex-map" });
      const clickable = layer.startsWith("conv");
      const holder = clickable
        ? el("button", { type: "button", class: "cnn-ex-map-button", "data-layer": layer,
          "data-channel": c, "aria-label": S.map(layer, c),
          onclick: () => select(layer, c) }, canvas)
        : el("span", { class: "cnn-ex-map-holder", role: "img", "aria-label": S.map(layer, c) }, canvas);
      mapCanvases[layer].push(canvas);
      grid.append(holder);
    }
    layersBox.append(el("section", { class: "cnn-ex-layer" },
      el("h4", { text: `${layer} (${output.join(" × ")})` }),
      grid));
  }
  const fcBox = el("div", { class: "cnn-ex-units" });
  const logitBox = el("div", { class: "cnn-ex-units" });
  layersBox.append(el("section", { class: "cnn-ex-layer" }, el("h4", { text: S.fcTop }), fcBox),
    el("section", { class: "cnn-ex-layer" }, el("h4", { text: `${S.logits} (${net.nClasses})` }), logitBox));

  // ---- gallery ----
  const gallery = el("div", { class: "cnn-ex-gallery" });
  root.append(el("h3", { class: "cnn-ex-heading", text: S.gallery }), gallery);

  // ---- examples strip ----
  (net.examples || []).forEach((example, i) => {
    const canvas = el("canvas", { class: "cnn-ex-example" });
    paint(canvas, example.bytes, 28, 28, (v) => [v, v, v]);
    strip.append(el("button", { type: "button", class: "cnn-ex-example-button",
      "aria-label": S.example(i, example.label), "data-index": i,
      onclick: () => chooseExample(i) }, canvas));
  });

  function chooseExample(i) {
    const example = net.examples[i];
    const small = document.createElement("canvas");
    paint(small, example.bytes, 28, 28, (v) => [v, v, v]);
    blank();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, pad.width, pad.height);
    run(normalizeBytes(example.bytes), example.bytes, true);
  }

  // ---- drawing with pointer events (mouse, touch, pen) ----
  let drawing = null;
  let scheduled = false;
  function position(event) {
    const rect = pad.getBoundingClientRect();
    return [(event.clientX - rect.left) * pad.width / rect.width,
      (event.clientY - rect.top) * pad.height / rect.height];
  }
  function stroke(from, to) {
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#fff";
    ctx.lineWidth = 20;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  }
  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    try {
      pad.setPointerCapture(event.pointerId);
    } catch (error) {
      // A pointer the browser does not track (a synthetic event): draw without capture.
    }
    drawing = position(event);
    stroke(drawing, drawing);
    schedule();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    event.preventDefault();
    const point = position(event);
    stroke(drawing, point);
    drawing = point;
    schedule();
  });
  const finish = () => {
    if (!drawing) return;
    drawing = null;
    fromCanvas(true);
  };
  pad.addEventListener("pointerup", finish);
  pad.addEventListener("pointercancel", finish);
  clear.addEventListener("click", () => {
    blank();
    fromCanvas(true);
  });

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      fromCanvas(false);
    });
  }

  function canvasGray() {
    const data = ctx.getImageData(0, 0, pad.width, pad.height).data;
    const gray = new Float64Array(pad.width * pad.height);
    for (let i = 0; i < gray.length; i++) gray[i] = data[4 * i] / 255;
    return gray;
  }

  function fromCanvas(announce) {
    const { bytes, pixels } = preprocessDigit(canvasGray(), pad.width, pad.height);
    run(pixels, bytes, announce);
  }

  // ---- running the network and showing everything ----
  function run(pixels, bytes, announce) {
    const result = net.predict(pixels);
    const empty = !bytes.some((v) => v > 0);
    state.result = result;
    root.inputBytes = bytes;
    root.lastResult = result;
    paint(preview, bytes, 28, 28, (v) => [v, v, v]);
    result.probabilities.forEach((p, d) => {
      const row = barRows[d];
      row.fill.style.width = empty ? "0%" : percent(p);
      row.value.textContent = empty ? "–" : percent(p);
      row.row.classList.toggle("cnn-ex-top-choice", !empty && d === result.label);
      row.row.setAttribute("aria-label", `${d}: ${empty ? "–" : percent(p)}`);
    });
    if (announce) {
      live.textContent = empty ? S.empty
        : S.predicted(result.label, percent(result.probabilities[result.label]));
    }
    root.dataset.label = empty ? "" : String(result.label);
    drawLayers(result);
    // The detail panel is rebuilt when a stroke ends, not on every frame of it.
    if (state.selected && announce) showDetail();
    root.dataset.runs = String(Number(root.dataset.runs || 0) + 1);
  }

  function drawLayers(result) {
    const colours = palette(root);
    for (const { name: layer } of mapLayers) {
      const { shape, data } = result.activations[layer];
      const [h, w, channels] = shape;
      let max = 0;
      for (const v of data) if (v > max) max = v;
      mapCanvases[layer].forEach((canvas, c) => {
        paint(canvas, data, h, w, (v) => mix(colours.bg, colours.fg, max > 0 ? v / max : 0),
          (i) => data[i * channels + c]);
      });
    }
    const fc = result.activations.fc.data;
    const top = Array.from(fc.keys()).sort((a, b) => fc[b] - fc[a]).slice(0, 16);
    const fcMax = Math.max(fc[top[0]], 1e-12);
    fcBox.replaceChildren(...top.map((u) => unitBar(`${S.unit} ${u}`, fc[u], fcMax)));
    const absMax = Math.max(...result.logits.map(Math.abs), 1e-12);
    logitBox.replaceChildren(...result.logits.map((v, d) => unitBar(String(d), v, absMax)));
  }

  function unitBar(label, value, max) {
    const fill = el("span", { class: `cnn-ex-bar-fill${value < 0 ? " cnn-ex-negative" : ""}` });
    fill.style.width = `${Math.min(100, (100 * Math.abs(value)) / max)}%`;
    return el("div", { class: "cnn-ex-bar", "data-value": String(value) },
      el("span", { class: "cnn-ex-bar-label", text: label }),
      el("span", { class: "cnn-ex-bar-track" }, fill),
      el("span", { class: "cnn-ex-bar-value", text: value.toFixed(2) }));
  }

  // ---- detail: kernel + multiply-accumulate ----
  // Close (the button, or Esc anywhere in the widget while the detail is open):
  // focus goes back to the map that opened it.
  function closeDetail() {
    if (!state.selected) return;
    const { layer, channel } = state.selected;
    state.selected = null;
    detail.hidden = true;
    root.querySelectorAll(".cnn-ex-map-button").forEach((b) => b.setAttribute("aria-pressed", "false"));
    const opener = root.querySelector(
      `.cnn-ex-map-button[data-layer="${layer}"][data-channel="${channel}"]`);
    if (opener) opener.focus({ preventScroll: false });
  }
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.selected && !event.defaultPrevented) {
      event.preventDefault();
      closeDetail();
    }
  });

  function select(layer, channel) {
    const [h, w, channels] = state.result.activations[layer].shape;
    const data = state.result.activations[layer].data;
    let best = 0;
    for (let i = 1; i < h * w; i++) if (data[i * channels + channel] > data[best * channels + channel]) best = i;
    state.selected = { layer, channel };
    state.pixel = [Math.floor(best / w), best % w];
    state.channel = 0;
    root.querySelectorAll(".cnn-ex-map-button").forEach((b) => b.setAttribute("aria-pressed",
      String(b.dataset.layer === layer && Number(b.dataset.channel) === channel)));
    showDetail();
    detail.focus({ preventScroll: false });
  }

  function showDetail() {
    const { layer, channel } = state.selected;
    const result = state.result;
    const [h, w, channels] = result.activations[layer].shape;
    const [y, x] = state.pixel;
    const mac = net.multiplyAccumulate(result, layer, channel, y, x);
    const colours = palette(root);
    detail.hidden = false;
    detail.dataset.layer = layer;
    detail.dataset.channel = String(channel);

    // Enlarged map with the chosen pixel; click or keyboard inputs choose it.
    const data = result.activations[layer].data;
    let max = 0;
    for (let i = 0; i < h * w; i++) max = Math.max(max, data[i * channels + channel]);
    const big = el("canvas", { class: "cnn-ex-big", role: "img", "aria-label": S.map(layer, channel) });
    paint(big, data, h, w, (v) => mix(colours.bg, colours.fg, max > 0 ? v / max : 0),
      (i) => data[i * channels + channel]);
    const mark = el("span", { class: "cnn-ex-mark" });
    mark.style.left = `${(100 * x) / w}%`;
    mark.style.top = `${(100 * y) / h}%`;
    mark.style.width = `${100 / w}%`;
    mark.style.height = `${100 / h}%`;
    big.addEventListener("click", (event) => {
      const rect = big.getBoundingClientRect();
      state.pixel = [Math.min(h - 1, Math.floor(((event.clientY - rect.top) / rect.height) * h)),
        Math.min(w - 1, Math.floor(((event.clientX - rect.left) / rect.width) * w))];
      showDetail();
    });
    const numberInput = (label, value, limit, index) => el("label", { class: "cnn-ex-number" }, `${label} `,
      el("input", { type: "number", min: 0, max: limit - 1, value, "data-axis": index,
        onchange: (event) => {
          const v = Math.max(0, Math.min(limit - 1, Math.floor(Number(event.target.value) || 0)));
          state.pixel[index] = v;
          showDetail();
        } }));

    // The kernel: one 5x5 slice per input channel.
    const absMax = Math.max(1e-12, ...mac.channels.map((c) => Math.max(...c.kernel.map(Math.abs))));
    const kernelColour = (v) => (v >= 0 ? mix(colours.bg, colours.pos, v / absMax)
      : mix(colours.bg, colours.neg, -v / absMax));
    const slices = el("div", { class: "cnn-ex-slices" });
    mac.channels.forEach((c) => {
      const canvas = el("canvas", { class: "cnn-ex-slice" });
      paint(canvas, c.kernel, mac.size, mac.size, kernelColour);
      slices.append(el("button", { type: "button", class: "cnn-ex-slice-button",
        "aria-label": S.showChannel(c.channel), "aria-pressed": String(c.channel === state.channel),
        onclick: () => { state.channel = c.channel; showDetail(); } },
      canvas, el("span", { text: String(c.channel + 1) })));
    });

    // The multiply-accumulate: per channel, then total, bias, ReLU.
    const rows = mac.channels.map((c) => el("tr", { class: "cnn-ex-mac-channel",
      "data-value": String(c.sum), "data-channel": c.channel },
    el("td", {}, el("button", { type: "button", class: "cnn-ex-link", text: String(c.channel + 1),
      "aria-label": S.showChannel(c.channel),
      onclick: () => { state.channel = c.channel; showDetail(); } })),
    el("td", { class: "cnn-ex-num", text: fmt(c.sum) })));
    const total = (label, value, cls) => el("tr", { class: cls, "data-value": String(value) },
      el("th", { scope: "row", text: label }), el("td", { class: "cnn-ex-num", text: fmt(value) }));
    const table = el("table", { class: "cnn-ex-mac" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: S.channel }),
        el("th", { scope: "col", text: S.windowTimesKernel }))),
      el("tbody", {}, ...rows,
        total(S.sum, mac.total, "cnn-ex-mac-sum"),
        total(S.bias, mac.bias, "cnn-ex-mac-bias"),
        total(S.pre, mac.preActivation, "cnn-ex-mac-pre"),
        total(S.relu, mac.value, "cnn-ex-mac-value"),
        total(S.mapValue, mac.mapValue, "cnn-ex-mac-map")));

    // Products of one channel, element by element.
    const chosen = mac.channels[Math.min(state.channel, mac.channels.length - 1)];
    const products = el("table", { class: "cnn-ex-products", "data-channel": chosen.channel });
    for (let ky = 0; ky < mac.size; ky++) {
      const tr = el("tr");
      for (let kx = 0; kx < mac.size; kx++) {
        const i = ky * mac.size + kx;
        tr.append(el("td", { "data-value": String(chosen.window[i] * chosen.kernel[i]) },
          `${fmt(chosen.window[i], 3)} × ${fmt(chosen.kernel[i], 3)}`));
      }
      products.append(tr);
    }

    detail.replaceChildren(
      el("div", { class: "cnn-ex-detail-head" },
        el("h4", { text: S.detailTitle(layer, channel) }),
        el("button", { type: "button", class: "cnn-ex-button", text: S.close,
          "data-role": "close", onclick: closeDetail })),
      el("div", { class: "cnn-ex-detail-body" },
        el("div", { class: "cnn-ex-detail-map" },
          el("p", { class: "cnn-ex-caption", text: S.pixel }),
          el("div", { class: "cnn-ex-big-holder" }, big, mark),
          el("div", { class: "cnn-ex-row" }, numberInput(S.row, y, h, 0), numberInput(S.col, x, w, 1)),
          el("p", { class: "cnn-ex-hint", text: S.pixelHint })),
        el("div", { class: "cnn-ex-detail-kernel" },
          el("p", { class: "cnn-ex-caption", text: S.kernelOf(layer, channel) }), slices)),
      el("div", { class: "cnn-ex-detail-body" },
        el("div", { class: "cnn-ex-table-holder" }, table),
        el("div", {},
          el("p", { class: "cnn-ex-caption", text: `${S.product}: ${S.slice(chosen.channel)} (Σ = ${fmt(chosen.sum)})` }),
          el("div", { class: "cnn-ex-table-holder" }, products))));
    detail.dataset.y = String(y);
    detail.dataset.x = String(x);
  }

  // ---- gallery: trained conv1 kernels and the hand-made ones ----
  function drawGallery() {
    const colours = palette(root);
    const conv1 = net.layers.find((l) => l.name === "conv1");
    const trained = Array.from({ length: conv1.filters }, (_, c) => net.kernelSlice("conv1", 0, c));
    const absMax = Math.max(...trained.map((k) => Math.max(...k.map(Math.abs))));
    const colour = (m) => (v) => (v >= 0 ? mix(colours.bg, colours.pos, Math.min(1, v / m))
      : mix(colours.bg, colours.neg, Math.min(1, -v / m)));
    const left = el("div", { class: "cnn-ex-gallery-set" }, el("p", { class: "cnn-ex-caption", text: S.trained }));
    const grid = el("div", { class: "cnn-ex-kernels" });
    trained.forEach((k, c) => {
      const canvas = el("canvas", { class: "cnn-ex-kernel", role: "img", "aria-label": S.map("conv1", c) });
      paint(canvas, k, conv1.kernel[0], conv1.kernel[1], colour(absMax));
      grid.append(canvas);
    });
    left.append(grid);
    const right = el("div", { class: "cnn-ex-gallery-set" }, el("p", { class: "cnn-ex-caption", text: S.handmade }));
    const handGrid = el("div", { class: "cnn-ex-kernels cnn-ex-handmade" });
    for (const [name, rows] of Object.entries(net.manifest.handmade_kernels || {})) {
      const flat = rows.flat();
      const m = Math.max(...flat.map(Math.abs), 1e-12);
      const canvas = el("canvas", { class: "cnn-ex-kernel", role: "img", "aria-label": name });
      paint(canvas, flat, rows.length, rows[0].length, colour(m));
      handGrid.append(el("figure", {}, canvas, el("figcaption", { text: name })));
    }
    right.append(handGrid);
    gallery.replaceChildren(left, right);
  }

  drawGallery();
  if (net.examples && net.examples.length) chooseExample(0);
  else fromCanvas(true);
  // Redraw in the other palette when the reader switches light/dark.
  new MutationObserver(() => {
    drawGallery();
    if (state.result) drawLayers(state.result);
    if (state.selected) showDetail();
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  root.dataset.ready = "true";
  return { net, chooseExample, state };
}

function addStylesheet() {
  if (document.querySelector("link[data-cnn-explainer]")) return;
  document.head.append(el("link", { rel: "stylesheet", "data-cnn-explainer": "true",
    href: new URL("explainer.css", import.meta.url).href }));
}

async function start(root) {
  if (root.dataset.started) return;
  root.dataset.started = "loading";
  const S = strings();
  root.replaceChildren(el("p", { class: "cnn-ex-status", role: "status", text: S.loading }));
  try {
    const net = await loadConvNet(root.dataset.model || undefined);
    root.explainer = Explainer(root, net);
  } catch (error) {
    root.replaceChildren(el("p", { class: "cnn-ex-status", role: "alert", text: S.failed + error.message }));
    root.dataset.error = String(error.message);
    throw error;
  }
}

function init() {
  const roots = document.querySelectorAll(".cnn-explainer");
  if (!roots.length) return;
  addStylesheet();
  roots.forEach((root) => {
    if (!("IntersectionObserver" in window)) {
      start(root);
      return;
    }
    // Weights (3.5 MB) only when the reader comes near the widget.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        start(root);
      }
    }, { rootMargin: "200px 0px" });
    observer.observe(root);
  });
}

const previous = window.cnnTutorial || {};
window.cnnTutorial = Object.freeze(Object.assign({}, previous, {
  loadConvNet,
  preprocessDigit,
  startExplainer: start,
}));
init();
