/*
 * "Train it in your browser": a small convnet trained live, in a Web Worker.
 *
 * A chapter places <div class="cnn-trainer"></div>. Only when the reader
 * scrolls near it (IntersectionObserver) does the widget load its stylesheet,
 * start the worker (worker.js, which imports net.js) and fetch the training
 * images (mnist-subset.bin, written by the site's build from the MNIST that
 * cnn_tutorial.data.load_mnist reads). It shows the conv1 kernels (initial,
 * now, and the first chapter's hand-made kernels), the loss and validation
 * accuracy curves, one validation digit's feature maps, the step and the
 * images per second, and a pad to draw a digit for the network. Labels follow
 * <html lang>; colours come from Material's palette variables; nothing is
 * fetched from another origin.
 */
import { preprocessDigit } from "../explainer/convnet.js";

const STRINGS = {
  en: {
    title: "Train a convnet in your browser",
    loading: "Loading the training images…",
    failed: "The trainer could not start: ",
    loaded: (nTrain, nVal, kb) => `${nTrain.toLocaleString("en")} training and ${nVal.toLocaleString("en")} validation images loaded (${kb} KB). Press Start.`,
    start: "Start", pause: "Pause", reset: "Reset (new seed)",
    seed: "seed",
    lr: "Learning rate", batch: "Batch size", init: "Initialiser", dropout: "Dropout (dense layer)",
    inits: { he: "He (truncated normal)", glorot: "Glorot (uniform)", lecture: "Lecture: truncated normal, stddev 1" },
    step: "step", loss: "loss", valAcc: "validation accuracy", speed: "images/s", epoch: "epoch",
    started: (s) => `Training started at step ${s}.`,
    paused: (s, acc) => `Paused at step ${s}; validation accuracy ${acc}.`,
    finished: (s, acc) => `Finished after ${s} steps; validation accuracy ${acc}.`,
    reseted: (seed, init) => `New network, seed ${seed}, initialiser ${init}; validation accuracy at step 0 is shown.`,
    evaluated: (s, acc) => `Step ${s}: validation accuracy ${acc}.`,
    kernels: "conv1 kernels (5 × 5)",
    initial: "at step 0", now: "now", handmade: "hand-made (first chapter, 3 × 3)",
    kernelsHint: "Red: positive, blue: negative; each row is scaled to its largest magnitude.",
    curves: "Loss (per batch) and validation accuracy",
    lossAxis: "loss", accAxis: "validation accuracy",
    features: (label) => `Feature maps of one validation digit (label ${label})`,
    conv1: "conv1 (28 × 28 × 8)", conv2: "conv2 (14 × 14 × 16)",
    draw: "Draw a digit for this network",
    pad: "Drawing area: draw a digit with the mouse, a finger or a pen",
    clear: "Clear", pick: "Use a validation digit",
    reads: (d, p, s) => `At step ${s} the network reads ${d} (probability ${p}).`,
    empty: "Draw a digit (white on black) or use a validation digit.",
    curveLabel: (s, loss, acc) => `Curves up to step ${s}: last loss ${loss}, last validation accuracy ${acc}.`,
    none: "none yet",
  },
  ko: {
    title: "브라우저에서 합성곱 신경망 학습시키기",
    loading: "학습 이미지를 불러오는 중…",
    failed: "학습을 시작하지 못했습니다: ",
    loaded: (nTrain, nVal, kb) => `학습 이미지 ${nTrain.toLocaleString("ko")}장과 검증 이미지 ${nVal.toLocaleString("ko")}장을 불러왔습니다(${kb} KB). 시작을 누르세요.`,
    start: "시작", pause: "일시 정지", reset: "다시 시작 (새 시드)",
    seed: "시드",
    lr: "학습률", batch: "배치 크기", init: "초기화 방식", dropout: "드롭아웃 (완전 연결 계층)",
    inits: { he: "He (잘린 정규분포)", glorot: "Glorot (균등분포)", lecture: "강의: 잘린 정규분포, 표준편차 1" },
    step: "단계", loss: "손실", valAcc: "검증 정확도", speed: "이미지/초", epoch: "에폭",
    started: (s) => `${s}단계에서 학습을 시작했습니다.`,
    paused: (s, acc) => `${s}단계에서 멈췄습니다. 검증 정확도 ${acc}.`,
    finished: (s, acc) => `${s}단계로 학습을 마쳤습니다. 검증 정확도 ${acc}.`,
    reseted: (seed, init) => `시드 ${seed}, 초기화 방식 ${init}로 새 신경망을 만들었습니다. 0단계의 검증 정확도를 표시합니다.`,
    evaluated: (s, acc) => `${s}단계: 검증 정확도 ${acc}.`,
    kernels: "conv1 커널 (5 × 5)",
    initial: "0단계", now: "지금", handmade: "수작업 커널 (첫 장, 3 × 3)",
    kernelsHint: "빨강은 양수, 파랑은 음수입니다. 줄마다 절댓값이 가장 큰 원소에 맞춰 칠합니다.",
    curves: "손실(배치마다)과 검증 정확도",
    lossAxis: "손실", accAxis: "검증 정확도",
    features: (label) => `검증 숫자 하나(레이블 ${label})의 특성 맵`,
    conv1: "conv1 (28 × 28 × 8)", conv2: "conv2 (14 × 14 × 16)",
    draw: "이 신경망에 숫자를 그려 보기",
    pad: "그리기 영역: 마우스, 손가락, 펜으로 숫자를 그립니다",
    clear: "지우기", pick: "검증 숫자 쓰기",
    reads: (d, p, s) => `${s}단계의 신경망은 ${d}(으)로 읽습니다 (확률 ${p}).`,
    empty: "검은 바탕에 흰색으로 숫자를 그리거나 검증 숫자를 쓰세요.",
    curveLabel: (s, loss, acc) => `${s}단계까지의 곡선: 마지막 손실 ${loss}, 마지막 검증 정확도 ${acc}.`,
    none: "아직 없음",
  },
};

const LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03];
const BATCH_SIZES = [8, 16, 32, 64, 128];
const DROPOUTS = [0, 0.25, 0.5];

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

const percent = (p) => (p === null || p === undefined ? "–" : `${(100 * p).toFixed(1)}%`);

function colour(root, name, fallback) {
  const probe = el("span", { style: `color: var(${name}, ${fallback}); display: none` });
  root.append(probe);
  const rgb = getComputedStyle(probe).color.match(/[\d.]+/g).slice(0, 3).map(Number);
  probe.remove();
  return rgb;
}

function palette(root) {
  return {
    fg: colour(root, "--cnn-tr-fg", "#222"), bg: colour(root, "--cnn-tr-bg", "#fff"),
    pos: colour(root, "--cnn-tr-pos", "#d62728"), neg: colour(root, "--cnn-tr-neg", "#1f77b4"),
    line: colour(root, "--cnn-tr-line", "#999"), loss: colour(root, "--cnn-tr-loss", "#4051b5"),
    acc: colour(root, "--cnn-tr-acc", "#d62728"),
  };
}

const mix = (a, b, t) => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
const css = (rgb) => `rgb(${rgb.join(",")})`;

/** Paint an h x w kernel (value(i)) in a diverging palette scaled by `limit`. */
function paintDiverging(canvas, h, w, value, limit, pal) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = limit > 0 ? Math.max(-1, Math.min(1, value(i) / limit)) : 0;
    const [r, g, b] = v >= 0 ? mix(pal.bg, pal.pos, v) : mix(pal.bg, pal.neg, -v);
    image.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/** Paint an h x w non-negative map in gray, black 0 to white at its maximum. */
function paintGray(canvas, h, w, value) {
  canvas.width = w;
  canvas.height = h;
  let max = 0;
  for (let i = 0; i < h * w; i++) max = Math.max(max, value(i));
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const g = max > 0 ? Math.round((255 * value(i)) / max) : 0;
    image.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function Trainer(root, worker, loaded) {
  const S = strings();
  const state = { seed: 0, step: 0, losses: [], accuracies: [], running: false, last: null,
    sample: loaded.sample, pickIndex: 0 };
  root.textContent = "";
  const host = root.closest(".cnn-trainer") || root; // carries data-ready, data-step, ...

  // ---- controls ----
  const start = el("button", { type: "button", class: "cnn-tr-button cnn-tr-primary", text: S.start });
  const pause = el("button", { type: "button", class: "cnn-tr-button", text: S.pause, disabled: true });
  const reset = el("button", { type: "button", class: "cnn-tr-button", text: S.reset });
  const seedOut = el("span", { class: "cnn-tr-seed" });
  const select = (label, name, options, value) => {
    const id = `cnn-tr-${name}`;
    const node = el("select", { id, name });
    for (const [v, text] of options) node.append(el("option", { value: String(v), text, selected: v === value }));
    return [node, el("label", { class: "cnn-tr-field", for: id }, el("span", { text: label }), node)];
  };
  const [lr, lrField] = select(S.lr, "lr", LEARNING_RATES.map((v) => [v, String(v)]), 0.001);
  const [batch, batchField] = select(S.batch, "batch", BATCH_SIZES.map((v) => [v, String(v)]), 32);
  const [init, initField] = select(S.init, "init", Object.entries(S.inits), "he");
  const [dropout, dropoutField] = select(S.dropout, "dropout", DROPOUTS.map((v) => [v, String(v)]), 0);
  const stats = el("p", { class: "cnn-tr-stats" });
  const live = el("p", { class: "cnn-tr-live", role: "status", "aria-live": "polite" });

  root.append(
    el("div", { class: "cnn-tr-buttons" }, start, pause, reset, seedOut),
    el("div", { class: "cnn-tr-settings" }, lrField, batchField, initField, dropoutField),
    stats, live);

  // ---- kernels ----
  const kernelRow = (label, count) => {
    const cells = [];
    const row = el("div", { class: "cnn-tr-kernel-row" }, el("span", { class: "cnn-tr-row-label", text: label }));
    const grid = el("div", { class: "cnn-tr-kernel-grid" });
    for (let c = 0; c < count; c++) {
      const canvas = el("canvas", { class: "cnn-tr-kernel", width: 5, height: 5 });
      cells.push(canvas);
      grid.append(canvas);
    }
    row.append(grid);
    return { row, cells };
  };
  const initialRow = kernelRow(S.initial, 8);
  const nowRow = kernelRow(S.now, 8);
  const handNames = window.cnnTutorial && window.cnnTutorial.KERNELS
    ? Object.keys(window.cnnTutorial.KERNELS) : [];
  const handRow = kernelRow(S.handmade, handNames.length);
  handRow.cells.forEach((canvas, i) => {
    canvas.setAttribute("title", handNames[i]);
    canvas.classList.add("cnn-tr-kernel-hand");
  });
  const kernelsFigure = el("figure", { class: "cnn-tr-figure", role: "group", "aria-label": S.kernels },
    el("figcaption", { class: "cnn-tr-caption", text: S.kernels }),
    initialRow.row, nowRow.row, handNames.length ? handRow.row : null,
    el("p", { class: "cnn-tr-hint", text: S.kernelsHint }));

  // ---- curves ----
  const curves = el("canvas", { class: "cnn-tr-curves", role: "img", "aria-label": S.curves });
  const legend = el("p", { class: "cnn-tr-legend" },
    el("span", { class: "cnn-tr-key cnn-tr-key-loss", text: S.lossAxis }), " ",
    el("span", { class: "cnn-tr-key cnn-tr-key-acc", text: S.accAxis }));
  const curvesFigure = el("figure", { class: "cnn-tr-figure" },
    el("figcaption", { class: "cnn-tr-caption", text: S.curves }), curves, legend);

  // ---- feature maps ----
  const featureCaption = el("figcaption", { class: "cnn-tr-caption" });
  const input = el("canvas", { class: "cnn-tr-map cnn-tr-map-input", width: 28, height: 28 });
  const maps1 = Array.from({ length: 8 }, () => el("canvas", { class: "cnn-tr-map", width: 28, height: 28 }));
  const maps2 = Array.from({ length: 16 }, () => el("canvas", { class: "cnn-tr-map", width: 14, height: 14 }));
  const featuresFigure = el("figure", { class: "cnn-tr-figure", role: "group" }, featureCaption,
    el("div", { class: "cnn-tr-maps" }, input),
    el("p", { class: "cnn-tr-row-label", text: S.conv1 }), el("div", { class: "cnn-tr-maps" }, ...maps1),
    el("p", { class: "cnn-tr-row-label", text: S.conv2 }), el("div", { class: "cnn-tr-maps" }, ...maps2));

  // ---- draw ----
  const pad = el("canvas", { class: "cnn-tr-pad", width: 280, height: 280, role: "img", "aria-label": S.pad });
  const clear = el("button", { type: "button", class: "cnn-tr-button", text: S.clear });
  const pick = el("button", { type: "button", class: "cnn-tr-button", text: S.pick });
  const reading = el("p", { class: "cnn-tr-reading", role: "status", "aria-live": "polite", text: S.empty });
  const drawBox = el("div", { class: "cnn-tr-draw" },
    el("h3", { class: "cnn-tr-subtitle", text: S.draw }), pad,
    el("div", { class: "cnn-tr-buttons" }, clear, pick), reading);

  root.append(el("div", { class: "cnn-tr-panels" }, kernelsFigure, curvesFigure, featuresFigure), drawBox);

  // ---- drawing ----
  const pal = () => palette(root);
  function redraw() {
    const p = pal();
    if (state.last) {
      const { kernel, initialKernel } = state.last;
      const limit = (k) => k.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const l0 = limit(initialKernel), l1 = limit(kernel);
      for (let c = 0; c < 8; c++) {
        paintDiverging(initialRow.cells[c], 5, 5, (i) => initialKernel[i * 8 + c], l0, p);
        paintDiverging(nowRow.cells[c], 5, 5, (i) => kernel[i * 8 + c], l1, p);
      }
      paintFeatures();
    }
    handNames.forEach((name, c) => {
      const k = Array.from(window.cnnTutorial.KERNELS[name]).flat(2);
      const l = k.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      paintDiverging(handRow.cells[c], 3, 3, (i) => k[i], l, p);
    });
    drawCurves(p);
  }

  function paintFeatures() {
    const { conv1, conv2, sampleLabel } = state.last;
    featureCaption.textContent = S.features(sampleLabel);
    paintGray(input, 28, 28, (i) => state.sample[i]);
    maps1.forEach((canvas, c) => paintGray(canvas, 28, 28, (i) => conv1[i * 8 + c]));
    maps2.forEach((canvas, c) => paintGray(canvas, 14, 14, (i) => conv2[i * 16 + c]));
  }

  function drawCurves(p) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(200, curves.clientWidth || 300);
    const height = 160;
    curves.width = Math.round(width * ratio);
    curves.height = Math.round(height * ratio);
    const ctx = curves.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const left = 34, right = 34, top = 8, bottom = 20;
    const w = width - left - right, h = height - top - bottom;
    const steps = Math.max(100, state.step);
    const finite = state.losses.filter(([, l]) => l !== null);
    const maxLoss = Math.max(2.5, ...finite.slice(0, 50).map(([, l]) => Math.min(l, 10)));
    ctx.font = "10px sans-serif";
    ctx.fillStyle = css(p.fg);
    ctx.strokeStyle = css(p.line);
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w, h);
    ctx.textAlign = "right";
    ctx.fillText(maxLoss.toFixed(1), left - 3, top + 8);
    ctx.fillText("0", left - 3, top + h);
    ctx.textAlign = "left";
    ctx.fillText("100%", left + w + 3, top + 8);
    ctx.fillText("0%", left + w + 3, top + h);
    ctx.textAlign = "center";
    ctx.fillText(`${S.step} ${steps}`, left + w - 30, top + h + 14);
    ctx.fillText("0", left, top + h + 14);
    const x = (s) => left + (w * s) / steps;
    // Loss: a running mean over 10 steps, so that the curve reads through batch noise.
    ctx.strokeStyle = css(p.loss);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let sum = 0, n = 0;
    const window10 = [];
    finite.forEach(([s, l], i) => {
      window10.push(Math.min(l, maxLoss));
      sum += window10[window10.length - 1];
      n += 1;
      if (window10.length > 10) { sum -= window10.shift(); n -= 1; }
      const y = top + h - (h * sum) / n / maxLoss;
      if (i === 0) ctx.moveTo(x(s), y); else ctx.lineTo(x(s), y);
    });
    ctx.stroke();
    ctx.strokeStyle = css(p.acc);
    ctx.fillStyle = css(p.acc);
    ctx.beginPath();
    state.accuracies.forEach(([s, a], i) => {
      const y = top + h - h * a;
      if (i === 0) ctx.moveTo(x(s), y); else ctx.lineTo(x(s), y);
    });
    ctx.stroke();
    for (const [s, a] of state.accuracies) {
      ctx.beginPath();
      ctx.arc(x(s), top + h - h * a, 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    const lastLoss = finite.length ? finite[finite.length - 1][1].toFixed(3) : S.none;
    const lastAcc = state.accuracies.length ? percent(state.accuracies[state.accuracies.length - 1][1]) : S.none;
    curves.setAttribute("aria-label", `${S.curves}. ${S.curveLabel(state.step, lastLoss, lastAcc)}`);
  }

  function showStats(message) {
    const acc = state.accuracies.length ? state.accuracies[state.accuracies.length - 1][1] : null;
    const finite = state.losses.filter(([, l]) => l !== null);
    const loss = finite.length ? finite[finite.length - 1][1] : null;
    stats.textContent = `${S.step} ${state.step} · ${S.epoch} ${message.epoch.toFixed(2)} · ` +
      `${S.loss} ${loss === null ? "–" : loss.toFixed(3)} · ${S.valAcc} ${percent(acc)} · ` +
      `${Math.round(message.imagesPerSecond).toLocaleString(document.documentElement.lang || "en")} ${S.speed}`;
    return acc;
  }

  // ---- worker messages ----
  worker.onmessage = (event) => {
    const m = event.data;
    if (m.type === "progress") {
      if (m.reason === "reset") {
        state.losses = [];
        state.accuracies = [];
      }
      state.losses.push(...m.losses);
      const evaluatedBefore = state.accuracies.length;
      state.accuracies.push(...m.accuracies);
      state.step = m.step;
      state.running = m.running;
      state.last = m;
      const acc = showStats(m);
      redraw();
      start.disabled = m.running || m.step >= m.maxSteps;
      pause.disabled = !m.running;
      host.dataset.step = String(m.step);
      host.dataset.running = String(m.running);
      if (m.reason === "start") live.textContent = S.started(m.step);
      else if (m.reason === "pause") live.textContent = S.paused(m.step, percent(acc));
      else if (m.reason === "finished") live.textContent = S.finished(m.step, percent(acc));
      else if (m.reason === "reset") live.textContent = S.reseted(state.seed, S.inits[init.value]);
      else if (state.accuracies.length > evaluatedBefore) live.textContent = S.evaluated(m.step, percent(acc));
      if (m.reason !== "step") {
        // Focus stays usable: the button just pressed may have been disabled.
        if (document.activeElement === start && start.disabled) pause.focus();
        else if (document.activeElement === pause && pause.disabled) start.focus();
      }
      host.dataset.ready = "true";
    } else if (m.type === "prediction") {
      let best = 0;
      m.probs.forEach((p, d) => { if (p > m.probs[best]) best = d; });
      reading.textContent = S.reads(best, percent(m.probs[best]), m.step);
      host.dataset.prediction = String(best);
    } else if (m.type === "error") {
      live.textContent = S.failed + m.message;
      host.dataset.error = m.message;
    }
  };

  function sendSettings() {
    worker.postMessage({ type: "settings", learningRate: Number(lr.value),
      batchSize: Number(batch.value), dropout: Number(dropout.value) });
  }
  function newNetwork(seed) {
    state.seed = seed >>> 0;
    seedOut.textContent = `${S.seed} ${state.seed}`;
    host.dataset.seed = String(state.seed);
    sendSettings();
    worker.postMessage({ type: "reset", seed: state.seed, initializer: init.value,
      learningRate: Number(lr.value), dropout: Number(dropout.value) });
  }
  start.addEventListener("click", () => worker.postMessage({ type: "start" }));
  pause.addEventListener("click", () => worker.postMessage({ type: "pause" }));
  reset.addEventListener("click", () => {
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    newNetwork(seed);
  });
  for (const node of [lr, batch, dropout]) node.addEventListener("change", sendSettings);
  init.addEventListener("change", () => newNetwork(state.seed));

  // ---- the drawing pad ----
  const ctx = pad.getContext("2d");
  const blank = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, pad.width, pad.height); };
  blank();
  let drawing = false, lastPoint = null;
  const point = (event) => {
    const rect = pad.getBoundingClientRect();
    return [((event.clientX - rect.left) * pad.width) / rect.width,
      ((event.clientY - rect.top) * pad.height) / rect.height];
  };
  function ask() {
    const image = ctx.getImageData(0, 0, pad.width, pad.height).data;
    const gray = new Uint8Array(pad.width * pad.height);
    for (let i = 0; i < gray.length; i++) gray[i] = image[4 * i];
    const { pixels, box } = preprocessDigit(gray, pad.width, pad.height);
    if (!box) { reading.textContent = S.empty; return; }
    worker.postMessage({ type: "predict", pixels });
  }
  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    lastPoint = point(event);
    pad.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const p = point(event);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 22;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(...lastPoint);
    ctx.lineTo(...p);
    ctx.stroke();
    lastPoint = p;
  });
  const stop = () => { if (drawing) { drawing = false; ask(); } };
  pad.addEventListener("pointerup", stop);
  pad.addEventListener("pointercancel", stop);
  clear.addEventListener("click", () => { blank(); reading.textContent = S.empty; });
  pick.addEventListener("click", () => {
    // A validation digit, drawn onto the pad (scaled) and read like a drawing.
    worker.postMessage({ type: "sample", index: state.pickIndex });
    state.pickIndex += 1;
  });
  const onSample = (event) => {
    if (event.data.type !== "sample") return;
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const sctx = small.getContext("2d");
    const image = sctx.createImageData(28, 28);
    event.data.bytes.forEach((v, i) => image.data.set([v, v, v, 255], 4 * i));
    sctx.putImageData(image, 0, 0);
    blank();
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, pad.width, pad.height);
    ask();
  };
  worker.addEventListener("message", onSample);

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => drawCurves(pal()), 100);
  });
  // Material's palette toggle: repaint in the new colours.
  new MutationObserver(() => redraw()).observe(document.body,
    { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  live.textContent = S.loaded(loaded.nTrain, loaded.nVal, Math.round(loaded.bytes / 1024));
  newNetwork(crypto.getRandomValues(new Uint32Array(1))[0]);
}

function startWidget(root) {
  if (root.dataset.started) return;
  root.dataset.started = "true";
  const S = strings();
  const titleId = `cnn-tr-title-${Math.random().toString(36).slice(2)}`;
  root.setAttribute("role", "region");
  root.setAttribute("aria-labelledby", titleId);
  const body = el("div", { class: "cnn-tr-body" },
    el("p", { class: "cnn-tr-live", role: "status", "aria-live": "polite", text: S.loading }));
  root.append(el("p", { class: "cnn-tr-title", id: titleId, text: S.title }), body);
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (event) => {
    const m = event.data;
    if (m.type === "loaded") Trainer(body, worker, m);
    else if (m.type === "error") {
      body.querySelector(".cnn-tr-live").textContent = S.failed + m.message;
      root.dataset.error = m.message;
    }
  };
  worker.onerror = (event) => {
    body.querySelector(".cnn-tr-live").textContent = S.failed + (event.message || "worker");
    root.dataset.error = event.message || "worker";
  };
  worker.postMessage({ type: "load", url: new URL("./mnist-subset.bin", import.meta.url).href });
  root.trainerWorker = worker; // tests and readers' consoles
}

function loadStylesheet() {
  const href = new URL("./trainer.css", import.meta.url).href;
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    const link = el("link", { rel: "stylesheet", href });
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
    document.head.append(link);
  });
}

function init() {
  const roots = document.querySelectorAll(".cnn-trainer:not([data-started])");
  if (!roots.length) return;
  const begin = (root) => loadStylesheet().then(() => startWidget(root));
  if (!("IntersectionObserver" in window)) { roots.forEach(begin); return; }
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        begin(entry.target);
      }
    }
  }, { rootMargin: "200px 0px" });
  roots.forEach((root) => observer.observe(root));
}

// Material's instant navigation swaps pages without reloading scripts.
if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
