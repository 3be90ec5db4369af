/*
 * playground.js: the in-page widgets of the convolution tutorial.
 *
 * A chapter asks for a widget with a placeholder element:
 *   <div class="cnn-playground" data-widget="kernel"></div>    (convolution.md)
 *   <div class="cnn-playground" data-widget="stepper"></div>   (padding-stride.md;
 *        optional data-size, data-kernel, data-stride, data-dilation, data-padding)
 *   <div class="cnn-playground" data-widget="stack"></div>     (fully-connected.md)
 * Without JavaScript the placeholder stays empty and the chapter's static
 * figure (a code cell's output next to it) tells the same story.
 *
 * All arithmetic comes from cnn-core.js (window.cnnTutorial), loaded first.
 * Labels follow <html lang> (ko or en). Nothing is fetched from another
 * origin: the sample photo is a JSON file written next to this script at
 * build time by docs_hooks/playground.py.
 */
(function () {
  "use strict";

  var core = window.cnnTutorial;
  // Resolved now: document.currentScript is only set while this file first runs.
  var SCRIPT_URL = document.currentScript ? document.currentScript.src : document.baseURI;
  var SAMPLE_URL = new URL("sample-photo.json", SCRIPT_URL).href;

  var STRINGS = {
    en: {
      kernelTitle: "Try a kernel on the photo",
      kernelIntro: "Your browser filters the same gray photo as the figure above " +
        "(a cross-correlation with zeros outside, as tf.nn.conv2d): pick a kernel, a stride " +
        "and a padding, or type your own nine weights.",
      kernel: "Kernel",
      custom: "your own (edit the cells)",
      kernelNames: {
        identity: "identity", blur: "blur (box)", gaussian_blur: "Gaussian blur",
        sharpen: "sharpen", edge: "edge", top_sobel: "top Sobel", emboss: "emboss"
      },
      kernelValues: "Kernel values (3 × 3)",
      cell: function (r, c) { return "kernel row " + r + ", column " + c; },
      stride: "Stride",
      padding: "Padding",
      display: "Display",
      clip: "clip to [0, 1]",
      minmax: "stretch minimum…maximum",
      input: "Input",
      output: "Output",
      outputSize: function (iw, ih, ow, oh) {
        return "Input " + iw + " × " + ih + " → output " + ow + " × " + oh;
      },
      range: function (lo, hi) { return "output values from " + lo + " to " + hi; },
      loading: "Loading the sample photo…",
      loadError: function (msg) {
        return "The sample photo could not be loaded (" + msg + "). The figure above shows " +
          "the same kernels.";
      },
      needNumber: "Every kernel cell needs a number.",
      inputAlt: "the sample photo in gray",
      outputAlt: "the photo filtered by the kernel",

      stepperTitle: "Step a window across the input",
      size: "Input size W",
      kernelSize: "Kernel size K",
      dilation: "Dilation D",
      explicitPad: function (p) { return p + " zero" + (p === 1 ? "" : "s") + " per side"; },
      prev: "◀ Previous",
      next: "Next ▶",
      play: "▶ Play",
      pause: "❚❚ Pause",
      restart: "⟲ Start",
      inputGrid: "Input with padding",
      outputGrid: "Output",
      gridHelp: "Focus the input grid and use the arrow keys (Home / End for the first and " +
        "last cell). The kernel holds ones, so each output cell is the sum of the cells " +
        "under its window; padding cells are zeros (P in the row and column lists).",
      step: function (r, c, value, rows, cols) {
        return "Output cell (row " + r + ", column " + c + ") = " + value + ": window over " +
          "input rows " + rows + " and columns " + cols + ".";
      },
      terms: function (expr) { return "Sum: " + expr; },
      indexList: function (list) { return list.join(", "); },
      padMark: "P",
      noOutput: function (window, available) {
        return "No output: the window covers " + window + " cells but the input (with its " +
          "padding) has only " + available + ". Choose SAME, more padding or a smaller kernel.";
      },
      sameFormula: function (w, s, o, k, total, before, after) {
        return "SAME: output = ⌈W / S⌉ = ⌈" + w + " / " + s + "⌉ = " + o +
          "; padding total = max((" + o + " − 1)·" + s + " + " + k + " − " + w + ", 0) = " +
          total + " → " + before + " before, " + after + " after";
      },
      validFormula: function (w, p, k, s, o) {
        return "output = ⌊(W + 2P − K_eff) / S⌋ + 1 = ⌊(" + w + " + 2·" + p + " − " + k +
          ") / " + s + "⌋ + 1 = " + o;
      },
      effective: function (k, d, e) {
        return "K_eff = D·(K − 1) + 1 = " + d + "·(" + k + " − 1) + 1 = " + e;
      },
      unused: "Input cells that no window reaches are dimmed.",

      stackTitle: "Layer-stack shape calculator",
      inputShape: "Input (height × width × channels)",
      height: "height", width: "width", channels: "channels",
      layer: "Layer", settings: "Settings", shape: "Output shape", params: "Parameters",
      actions: "Move / remove",
      types: { conv: "conv + ReLU", pool: "max pool", flatten: "flatten", dense: "dense",
        dropout: "dropout" },
      filters: "filters", kernelShort: "kernel", strideShort: "stride", paddingShort: "padding",
      poolSize: "size", units: "units", rate: "rate",
      up: function (n) { return "move layer " + n + " up"; },
      down: function (n) { return "move layer " + n + " down"; },
      remove: function (n) { return "remove layer " + n; },
      typeOf: function (n) { return "type of layer " + n; },
      add: "Add layer",
      addType: "type of the new layer",
      reset: "Lecture's network",
      total: "Total",
      totalBytes: function (mb) { return "≈ " + mb + " MB of float32 weights"; },
      errors: {
        "needs-image": "needs a height × width × channels input; it cannot follow a flatten " +
          "or dense layer.",
        "needs-flat": "needs a flat input: add a flatten layer before it.",
        "no-fit": function (e) {
          return "the window covers " + e.window + " cells but its input has only " +
            e.available + ": use SAME padding or a smaller window.";
        },
        "bad-value": function (e) {
          return (e.argument || "a value") + " must be " +
            (e.argument === "rate" ? "a number in [0, 1)." : "a whole number ≥ 1.");
        },
        error: function (e) { return e.message; }
      },
      notComputed: "—"
    },
    ko: {
      kernelTitle: "사진에 커널 직접 적용해 보기",
      kernelIntro: "위 그림과 같은 회색조 사진을 브라우저가 직접 필터링합니다 (tf.nn.conv2d처럼 " +
        "바깥을 0으로 채운 교차 상관). 커널, 스트라이드, 패딩을 고르거나 아홉 개의 가중치를 " +
        "직접 입력해 보세요.",
      kernel: "커널",
      custom: "직접 입력 (칸의 값을 고치세요)",
      kernelNames: {
        identity: "항등 (identity)", blur: "상자 블러 (blur)",
        gaussian_blur: "가우시안 블러 (Gaussian blur)", sharpen: "샤프닝 (sharpen)",
        edge: "윤곽선 (edge)", top_sobel: "위쪽 소벨 (top Sobel)", emboss: "엠보스 (emboss)"
      },
      kernelValues: "커널 값 (3 × 3)",
      cell: function (r, c) { return "커널 " + r + "행 " + c + "열"; },
      stride: "스트라이드 (stride)",
      padding: "패딩 (padding)",
      display: "표시 방식",
      clip: "[0, 1] 범위로 자르기",
      minmax: "최솟값~최댓값으로 늘이기",
      input: "입력",
      output: "출력",
      outputSize: function (iw, ih, ow, oh) {
        return "입력 " + iw + " × " + ih + " → 출력 " + ow + " × " + oh;
      },
      range: function (lo, hi) { return "출력 값 범위 " + lo + " ~ " + hi; },
      loading: "예제 사진을 불러오는 중…",
      loadError: function (msg) {
        return "예제 사진을 불러오지 못했습니다 (" + msg + "). 위의 그림에서 같은 커널의 결과를 " +
          "볼 수 있습니다.";
      },
      needNumber: "커널의 모든 칸에 숫자를 넣어 주세요.",
      inputAlt: "회색조 예제 사진",
      outputAlt: "커널을 적용한 사진",

      stepperTitle: "창을 한 칸씩 옮겨 보기",
      size: "입력 크기 W",
      kernelSize: "커널 크기 K",
      dilation: "팽창 (dilation) D",
      explicitPad: function (p) { return "양쪽에 0을 " + p + "칸씩"; },
      prev: "◀ 이전",
      next: "다음 ▶",
      play: "▶ 재생",
      pause: "❚❚ 멈춤",
      restart: "⟲ 처음으로",
      inputGrid: "패딩을 두른 입력",
      outputGrid: "출력",
      gridHelp: "입력 격자에 포커스를 두고 화살표 키로 움직이세요 (Home / End는 첫 칸과 마지막 칸). " +
        "커널 값이 모두 1이므로 출력 칸은 창 아래 칸들의 합이고, 패딩 칸은 0입니다 (행·열 목록의 P).",
      step: function (r, c, value, rows, cols) {
        return "출력 (" + r + "행, " + c + "열) = " + value + ": 입력의 " + rows + "행, " + cols +
          "열을 덮는 창.";
      },
      terms: function (expr) { return "합: " + expr; },
      indexList: function (list) { return list.join(", "); },
      padMark: "P",
      noOutput: function (window, available) {
        return "출력이 없습니다: 창은 " + window + "칸을 덮는데 (패딩을 포함한) 입력은 " +
          available + "칸뿐입니다. SAME을 고르거나 패딩을 늘리거나 커널을 줄이세요.";
      },
      sameFormula: function (w, s, o, k, total, before, after) {
        return "SAME: 출력 = ⌈W / S⌉ = ⌈" + w + " / " + s + "⌉ = " + o +
          ", 패딩 합계 = max((" + o + " − 1)·" + s + " + " + k + " − " + w + ", 0) = " +
          total + " → 앞 " + before + "칸, 뒤 " + after + "칸";
      },
      validFormula: function (w, p, k, s, o) {
        return "출력 = ⌊(W + 2P − K_eff) / S⌋ + 1 = ⌊(" + w + " + 2·" + p + " − " + k +
          ") / " + s + "⌋ + 1 = " + o;
      },
      effective: function (k, d, e) {
        return "K_eff = D·(K − 1) + 1 = " + d + "·(" + k + " − 1) + 1 = " + e;
      },
      unused: "어느 창도 닿지 않는 입력 칸은 흐리게 표시됩니다.",

      stackTitle: "계층 쌓기 모양 계산기",
      inputShape: "입력 (높이 × 너비 × 채널)",
      height: "높이", width: "너비", channels: "채널",
      layer: "계층", settings: "설정", shape: "출력 모양", params: "파라미터 수",
      actions: "이동 / 삭제",
      types: { conv: "합성곱 + ReLU", pool: "최대 풀링", flatten: "평탄화 (flatten)",
        dense: "완전 연결 (dense)", dropout: "드롭아웃 (dropout)" },
      filters: "필터 수", kernelShort: "커널", strideShort: "스트라이드", paddingShort: "패딩",
      poolSize: "크기", units: "유닛 수", rate: "비율",
      up: function (n) { return n + "번째 계층을 위로"; },
      down: function (n) { return n + "번째 계층을 아래로"; },
      remove: function (n) { return n + "번째 계층 삭제"; },
      typeOf: function (n) { return n + "번째 계층의 종류"; },
      add: "계층 추가",
      addType: "추가할 계층의 종류",
      reset: "강의의 신경망으로",
      total: "합계",
      totalBytes: function (mb) { return "float32 가중치 약 " + mb + " MB"; },
      errors: {
        "needs-image": "높이 × 너비 × 채널 모양의 입력이 필요합니다. 평탄화나 완전 연결 계층 " +
          "뒤에는 올 수 없습니다.",
        "needs-flat": "평탄한 입력이 필요합니다. 앞에 평탄화 계층을 넣으세요.",
        "no-fit": function (e) {
          return "창은 " + e.window + "칸을 덮는데 입력은 " + e.available + "칸뿐입니다. " +
            "SAME 패딩이나 더 작은 창을 쓰세요.";
        },
        "bad-value": function (e) {
          return (e.argument || "값") + ": " +
            (e.argument === "rate" ? "0 이상 1 미만의 수여야 합니다." : "1 이상의 정수여야 합니다.");
        },
        error: function (e) { return e.message; }
      },
      notComputed: "—"
    }
  };

  function strings() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("ko") === 0 ? STRINGS.ko : STRINGS.en;
  }

  // --- small DOM helpers ---

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return "cnn-pg-" + prefix + "-" + uid;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /** A <label> + control pair; returns {wrap, control}. */
  function field(labelText, control) {
    var id = control.id || nextId("field");
    control.id = id;
    var wrap = el("div", { className: "cnn-pg-field" },
      [el("label", { "for": id, text: labelText }), control]);
    return { wrap: wrap, control: control };
  }

  function select(options, value, attrs) {
    var node = el("select", attrs);
    options.forEach(function (option) {
      var opt = el("option", { value: String(option[0]), text: option[1] });
      if (String(option[0]) === String(value)) opt.selected = true;
      node.appendChild(opt);
    });
    return node;
  }

  function numberInput(value, min, max, attrs) {
    var node = el("input", Object.assign({ type: "number", value: String(value), min: min,
      max: max, step: 1, inputmode: "numeric" }, attrs || {}));
    return node;
  }

  function readInt(input) {
    var text = input.value.trim();
    return /^-?\d+$/.test(text) ? parseInt(text, 10) : NaN;
  }

  function clampInt(input, lo, hi, fallback) {
    var value = readInt(input);
    if (isNaN(value)) return fallback;
    return Math.min(hi, Math.max(lo, value));
  }

  function formatNumber(value) {
    if (Number.isInteger(value)) return String(value);
    var text = value.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
    return text === "-0" ? "0" : text;
  }

  // --- the sample photo (written by docs_hooks/playground.py) ---

  var samplePromise = null;
  function loadSample() {
    if (!samplePromise) {
      samplePromise = fetch(SAMPLE_URL, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        var binary = atob(data.pixels);
        var bytes = new Uint8Array(binary.length);
        for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        // Stored little-endian float32; DataView keeps it right on any machine.
        var view = new DataView(bytes.buffer);
        var pixels = new Float32Array(data.width * data.height);
        for (var j = 0; j < pixels.length; j++) pixels[j] = view.getFloat32(4 * j, true);
        return { width: data.width, height: data.height, pixels: pixels, name: data.name };
      });
    }
    return samplePromise;
  }

  function drawGray(canvas, image, mode) {
    canvas.width = image.width;
    canvas.height = image.height;
    var bytes = core.toBytes(image.pixels, mode);
    var context = canvas.getContext("2d");
    var rgba = context.createImageData(image.width, image.height);
    for (var i = 0; i < bytes.length; i++) {
      rgba.data[4 * i] = rgba.data[4 * i + 1] = rgba.data[4 * i + 2] = bytes[i];
      rgba.data[4 * i + 3] = 255;
    }
    context.putImageData(rgba, 0, 0);
  }

  // ===================================================================
  // Widget 1: a kernel on the sample photo (convolution chapter).
  // ===================================================================

  // CSS pixels per image pixel, the same for input and output, so a smaller
  // output (stride, VALID) also looks smaller.
  function displayScale(image) {
    return Math.max(1, Math.round(256 / image.width));
  }

  function kernelWidget(root) {
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
    var sizeText = el("p", { className: "cnn-pg-size", "data-role": "size", "aria-live": "polite" });
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
      outputCanvas.style.width = result.width * displayScale(state.image) + "px";
      outputCanvas.style.height = result.height * displayScale(state.image) + "px";
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
    loadSample().then(function (image) {
      state.image = image;
      drawGray(inputCanvas, image, "clip");
      inputCanvas.style.width = image.width * displayScale(image) + "px";
      inputCanvas.style.height = image.height * displayScale(image) + "px";
      render();
      root.setAttribute("data-ready", "true");
    }).catch(function (error) {
      message.textContent = t.loadError(error.message);
      root.setAttribute("data-ready", "error");
    });
  }

  // ===================================================================
  // Widget 2: a window stepping across a small grid (padding/stride chapter).
  // ===================================================================

  function inputValue(r, c) {
    // Small, varied, deterministic digits so that sums can be checked by eye.
    return (r * 7 + c * 3 + 1) % 10;
  }

  function stepperWidget(root) {
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
    var stepText = el("p", { className: "cnn-pg-size", id: stepId, "data-role": "step",
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
    root.appendChild(el("div", { className: "cnn-pg-grids" }, [
      el("figure", {}, [inputGrid, el("figcaption", { text: t.inputGrid })]),
      el("figure", {}, [outputGrid, el("figcaption", { text: t.outputGrid })])
    ]));
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

  // ===================================================================
  // Widget 3: layer-stack shape calculator (fully connected chapter).
  // ===================================================================

  var FIELDS = {
    conv: [["filters", "filters", 1, 4096], ["kernel", "kernelShort", 1, 15],
      ["stride", "strideShort", 1, 8], ["padding", "paddingShort"]],
    pool: [["size", "poolSize", 1, 8], ["stride", "strideShort", 1, 8],
      ["padding", "paddingShort"]],
    flatten: [],
    dense: [["units", "units", 1, 100000]],
    dropout: [["rate", "rate"]]
  };
  var DEFAULTS = {
    conv: { type: "conv", filters: 32, kernel: 3, stride: 1, padding: "SAME" },
    pool: { type: "pool", size: 2, stride: 2, padding: "VALID" },
    flatten: { type: "flatten" },
    dense: { type: "dense", units: 10 },
    dropout: { type: "dropout", rate: 0.25 }
  };
  var TYPES = ["conv", "pool", "flatten", "dense", "dropout"];
  // cnn-core.js argument name -> key of the label in STRINGS.
  var ARGUMENT_LABELS = { filters: "filters", kernel: "kernelShort", stride: "strideShort",
    pool: "poolSize", units: "units", rate: "rate", size: "poolSize" };

  function copyLayer(layer) {
    return Object.assign({}, layer);
  }

  function stackWidget(root) {
    var t = strings();
    var state = {
      input: [28, 28, 1],
      layers: core.LECTURE_NETWORK.map(copyLayer)
    };

    var shapeInputs = [[t.height, 28], [t.width, 28], [t.channels, 1]].map(function (pair, i) {
      return numberInput(pair[1], 1, 4096, { "aria-label": pair[0],
        "data-role": "input-" + ["height", "width", "channels"][i] });
    });
    var inputBox = el("fieldset", { className: "cnn-pg-shape" }, [
      el("legend", { text: t.inputShape }),
      shapeInputs[0], el("span", { text: " × ", "aria-hidden": "true" }),
      shapeInputs[1], el("span", { text: " × ", "aria-hidden": "true" }), shapeInputs[2]
    ]);
    var tbody = el("tbody");
    var table = el("table", { className: "cnn-pg-table", "data-role": "stack" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: t.layer }),
        el("th", { scope: "col", text: t.settings }), el("th", { scope: "col", text: t.shape }),
        el("th", { scope: "col", text: t.params }), el("th", { scope: "col", text: t.actions })
      ])]),
      tbody
    ]);
    var totalText = el("p", { className: "cnn-pg-size", "data-role": "total",
      "aria-live": "polite" });
    var addType = select(TYPES.map(function (type) { return [type, t.types[type]]; }), "conv",
      { "aria-label": t.addType, "data-role": "add-type" });
    var addButton = el("button", { type: "button", text: t.add, "data-role": "add" });
    var resetButton = el("button", { type: "button", text: t.reset, "data-role": "reset" });

    root.appendChild(el("p", { className: "cnn-pg-title", text: t.stackTitle }));
    root.appendChild(inputBox);
    root.appendChild(el("div", { className: "cnn-pg-table-wrap" }, [table]));
    root.appendChild(el("div", { className: "cnn-pg-buttons" },
      [addType, addButton, resetButton]));
    root.appendChild(totalText);

    var rowViews = [];

    function layerFromRow(index) {
      return state.layers[index];
    }

    function buildRows(focus) {
      tbody.textContent = "";
      rowViews = state.layers.map(function (layer, index) {
        var n = index + 1;
        var typeSelect = select(TYPES.map(function (type) { return [type, t.types[type]]; }),
          layer.type, { "aria-label": t.typeOf(n), "data-role": "type" });
        typeSelect.addEventListener("change", function () {
          state.layers[index] = copyLayer(DEFAULTS[typeSelect.value]);
          buildRows({ index: index, role: "type" });
        });
        var settings = el("div", { className: "cnn-pg-settings" });
        FIELDS[layer.type].forEach(function (spec) {
          var key = spec[0];
          var control;
          if (key === "padding") {
            control = select([["SAME", "SAME"], ["VALID", "VALID"]], layer.padding);
            control.addEventListener("change", function () {
              layerFromRow(index).padding = control.value;
              compute();
            });
          } else if (key === "rate") {
            control = el("input", { type: "number", min: 0, max: 0.99, step: 0.05,
              value: String(layer.rate), inputmode: "decimal" });
            control.addEventListener("input", function () {
              var text = control.value.trim();
              layerFromRow(index).rate = text === "" ? NaN : Number(text);
              compute();
            });
          } else {
            control = numberInput(layer[key], spec[2], spec[3]);
            control.addEventListener("input", function () {
              var value = readInt(control);
              layerFromRow(index)[key] = value;
              compute();
            });
          }
          control.setAttribute("data-role", key);
          control.classList.add("cnn-pg-small");
          settings.appendChild(field(t[spec[1]], control).wrap);
        });
        var up = el("button", { type: "button", text: "↑", "aria-label": t.up(n),
          title: t.up(n), "data-role": "up", disabled: index === 0 });
        var down = el("button", { type: "button", text: "↓", "aria-label": t.down(n),
          title: t.down(n), "data-role": "down", disabled: index === state.layers.length - 1 });
        var remove = el("button", { type: "button", text: "✕", "aria-label": t.remove(n),
          title: t.remove(n), "data-role": "remove" });
        up.addEventListener("click", function () { move(index, -1, "up"); });
        down.addEventListener("click", function () { move(index, 1, "down"); });
        remove.addEventListener("click", function () {
          state.layers.splice(index, 1);
          buildRows(state.layers.length ? { index: Math.min(index, state.layers.length - 1),
            role: "remove" } : { add: true });
        });
        var shapeCell = el("td", { "data-role": "shape" });
        var paramsCell = el("td", { className: "cnn-pg-num", "data-role": "params" });
        var row = el("tr", { "data-index": index }, [
          el("th", { scope: "row", text: String(n) }), el("td", {}, [typeSelect]),
          el("td", {}, [settings]), shapeCell, paramsCell,
          el("td", { className: "cnn-pg-actions" }, [up, down, remove])
        ]);
        tbody.appendChild(row);
        return { row: row, shape: shapeCell, params: paramsCell };
      });
      compute();
      if (focus) {
        if (focus.add) {
          addButton.focus();
        } else {
          var target = tbody.children[focus.index] &&
            tbody.children[focus.index].querySelector('[data-role="' + focus.role + '"]');
          // A moved row's button may now be disabled (first/last): fall back to the select.
          if (!target || target.disabled) {
            target = tbody.children[focus.index].querySelector('[data-role="type"]');
          }
          target.focus();
        }
      }
    }

    function move(index, delta, role) {
      var other = index + delta;
      var layer = state.layers[index];
      state.layers[index] = state.layers[other];
      state.layers[other] = layer;
      buildRows({ index: other, role: role });
    }

    function compute() {
      state.input = shapeInputs.map(readInt);
      var result;
      try {
        result = core.describeStack(state.layers, state.input);
      } catch (error) {
        rowViews.forEach(function (view) {
          view.shape.textContent = t.notComputed;
          view.params.textContent = t.notComputed;
        });
        totalText.textContent = t.errors["bad-value"]({ argument: t.inputShape });
        root.setAttribute("data-total", "");
        return;
      }
      rowViews.forEach(function (view, index) {
        var row = result.rows[index];
        view.row.classList.toggle("cnn-pg-error", Boolean(result.error &&
          result.error.index === index));
        if (row) {
          view.shape.textContent = row.shape.join(" × ");
          view.params.textContent = row.params.toLocaleString("en-US");
          view.params.title = row.formula;
        } else if (result.error && result.error.index === index) {
          var message = t.errors[result.error.code] || t.errors.error;
          // Name the setting as its label does on this page.
          var error = Object.assign({}, result.error, {
            argument: t[ARGUMENT_LABELS[result.error.argument]] || result.error.argument });
          view.shape.textContent = typeof message === "function" ? message(error) : message;
          view.params.textContent = t.notComputed;
          view.params.removeAttribute("title");
        } else {
          view.shape.textContent = t.notComputed;
          view.params.textContent = t.notComputed;
          view.params.removeAttribute("title");
        }
      });
      var mb = (result.total * 4 / 1e6).toFixed(1);
      totalText.textContent = t.total + ": " + result.total.toLocaleString("en-US") + " (" +
        t.totalBytes(mb) + ")" + (result.error ? " — " + t.notComputed : "");
      root.setAttribute("data-total", result.error ? "" : String(result.total));
    }

    shapeInputs.forEach(function (input) { input.addEventListener("input", compute); });
    addButton.addEventListener("click", function () {
      state.layers.push(copyLayer(DEFAULTS[addType.value]));
      buildRows({ index: state.layers.length - 1, role: "type" });
    });
    resetButton.addEventListener("click", function () {
      state.layers = core.LECTURE_NETWORK.map(copyLayer);
      shapeInputs[0].value = "28";
      shapeInputs[1].value = "28";
      shapeInputs[2].value = "1";
      buildRows(null);
    });

    buildRows(null);
    root.setAttribute("data-ready", "true");
  }

  // --- start every placeholder on the page ---

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
    });
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
})();
