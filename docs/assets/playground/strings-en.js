/* English labels and messages of the widgets (strings-ko.js has the same keys). */
export default {
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
  networkLoading: "Loading the lecture's network…",
  networkError: function (why) {
    return "The lecture's network could not be loaded (" + why + "); add layers yourself.";
  },
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
  scrollHint: "Wider than the screen: scroll sideways →",
  tableRegion: "Layer table",
  gridsRegion: "Input and output grids",
  notComputed: "—"
};
