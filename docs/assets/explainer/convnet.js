/*
 * The lecture's trained convnet in the browser: no DOM, no library, only typed arrays.
 *
 * Reads the export written by cnn_tutorial.web.export_convnet (model.json +
 * weights.bin [+ examples.bin]) and runs the forward pass exactly as
 * cnn_tutorial.model.ConvNet does, layer by layer as model.json's `layers`
 * lists them (the lecture's conv1 5x5x32 SAME + ReLU, 2x2 max pool, conv2,
 * pool, flatten (NHWC, row-major), fc + ReLU, logits: nothing here restates
 * their sizes). Weights are multiplied out to float32 once, as
 * cnn_tutorial.web.load_exported does, so Python and the page use the same
 * numbers. Sums are accumulated in float64 and stored as float32.
 *
 * The manifest is checked as load_exported checks it (layers this script can
 * compute, tensor shapes that follow from them, known dtypes, byte counts,
 * pieces inside weights.bin) before anything is decoded, and files are fetched
 * only from model.json's own folder: examples.file must be a plain file name
 * there (no other origin, no absolute path, no "..").
 *
 * Why not cnn-core.js's convolve: it filters one gray image with one small
 * kernel, checking its arguments on every call (for the teaching widgets);
 * here 32 -> 64 channels (the lecture's) are needed, so the convolution loops over output
 * channels innermost (contiguous in the HWIO kernel), skips zero inputs
 * (ReLU and MNIST's black background make most of them zero) and never builds
 * an im2col matrix. A library (TensorFlow.js, ONNX Runtime Web) would add
 * megabytes of script for 14 million multiply-adds that take milliseconds.
 */

const FORMAT = "cnn-tutorial-convnet/2";
const MAX_CLASSES = 10;
const MAX_EXAMPLES = 10000;
const INV_255 = Math.fround(1 / 255);

function fail(message) {
  throw new Error("cnnTutorial.loadConvNet: " + message);
}

async function fetchOk(url, kind) {
  const response = await fetch(url);
  if (!response.ok) fail(`${url} answered ${response.status}`);
  return kind === "json" ? response.json() : response.arrayBuffer();
}

const INPUT_SHAPE = [28, 28, 1];
const MAX_LAYERS = 16;
const MAX_SIZE = 100000; // filters or units of one layer (weights.bin's 14 MB bound the rest)
const NAME = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * The layers of model.json checked against what this script computes (SAME
 * stride-1 convolutions with an odd square kernel + ReLU, 2x2 max pooling of
 * stride 2, dense layers, the last one linear), with each tensor's shape by
 * model.json key. Returns {layers, shapes, nClasses}.
 */
export function networkShapes(layers) {
  if (!Array.isArray(layers) || layers.length < 1 || layers.length > MAX_LAYERS) {
    fail(`model.json: layers must be a list of 1 to ${MAX_LAYERS} layers`);
  }
  const shapes = {}, names = new Set();
  let shape = INPUT_SHAPE;
  layers.forEach((layer, i) => {
    const where = `layers[${i}]`;
    const last = i === layers.length - 1;
    const expect = (ok, what) => { if (!ok) fail(`model.json: ${where}${what}`); };
    const count = (key, max) => expect(Number.isSafeInteger(layer[key]) && layer[key] >= 1 &&
      layer[key] <= max, `.${key} must be an integer from 1 to ${max}, got ${JSON.stringify(layer[key])}`);
    expect(isObject(layer) && typeof layer.name === "string" && NAME.test(layer.name) &&
      !names.has(layer.name), " must be an object with a new name (a-z, 0-9, _)");
    names.add(layer.name);
    if (layer.type === "conv") {
      const k = layer.kernel;
      expect(shape.length === 3, " (conv) needs an image-shaped input");
      expect(Array.isArray(k) && k.length === 2 && k[0] === k[1] && Number.isSafeInteger(k[0]) &&
        k[0] >= 1 && k[0] <= 15 && k[0] % 2 === 1, `.kernel must be [k, k] with k odd, 1 to 15, got ${JSON.stringify(k)}`);
      count("filters", MAX_SIZE);
      expect(layer.strides === 1 && layer.padding === "SAME" && layer.activation === "relu",
        " must be a SAME convolution of stride 1 with ReLU (what convnet.js computes)");
      shapes[`${layer.name}/kernel`] = [k[0], k[1], shape[2], layer.filters];
      shapes[`${layer.name}/biases`] = [layer.filters];
      shape = [shape[0], shape[1], layer.filters];
    } else if (layer.type === "maxpool") {
      expect(shape.length === 3 && shape[0] >= 2 && shape[1] >= 2, " (maxpool) needs an image of 2 x 2 or more");
      expect(layer.pool === 2 && layer.strides === 2 && layer.padding === "VALID",
        " must be 2x2 max pooling of stride 2, VALID (what convnet.js computes)");
      shape = [shape[0] >> 1, shape[1] >> 1, shape[2]];
    } else if (layer.type === "dense") {
      count("units", last ? MAX_CLASSES : MAX_SIZE);
      expect(layer.activation === (last ? null : "relu"),
        `.activation must be ${last ? "null (the logits are linear)" : "\"relu\""}`);
      shapes[`${layer.name}/kernel`] = [shape.reduce((a, b) => a * b, 1), layer.units];
      shapes[`${layer.name}/biases`] = [layer.units];
      shape = [layer.units];
    } else {
      fail(`model.json: ${where}.type must be "conv", "maxpool" or "dense", got ${JSON.stringify(layer.type)}`);
    }
    expect(!last || layer.type === "dense", " (the last layer) must be the dense logits");
    expect(Array.isArray(layer.output) && layer.output.join() === shape.join(),
      `.output must be [${shape}], got ${JSON.stringify(layer.output)}`);
  });
  return { layers, shapes, nClasses: shape[0] };
}

const BYTES = { float32: (n) => 4 * n, float16: (n) => 2 * n, int8: (n) => n, int4: (n) => (n + 1) >> 1 };
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isCount = (v, max) => Number.isSafeInteger(v) && v >= 0 && v <= max;

/** Check model.json as cnn_tutorial.web.load_exported does; returns the number of classes. */
export function checkManifest(manifest, weightsBytes) {
  if (!isObject(manifest) || manifest.format !== FORMAT) {
    fail(`model.json must have format ${FORMAT}, got ${isObject(manifest) ? manifest.format : manifest}`);
  }
  const { shapes, nClasses } = networkShapes(manifest.layers);
  if (!isObject(manifest.tensors)) fail("model.json: tensors must be an object");
  const end = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const entry = manifest.tensors[name];
    if (!isObject(entry)) fail(`model.json: tensors has no entry ${name}`);
    if (!Array.isArray(entry.shape) || entry.shape.join() !== shape.join()) {
      fail(`model.json: tensors[${name}].shape must be [${shape}] (from model.json's layers), got ${JSON.stringify(entry.shape)}`);
    }
    const kinds = name.endsWith("/kernel") ? Object.keys(BYTES) : ["float32"];
    if (!kinds.includes(entry.dtype)) fail(`model.json: tensors[${name}].dtype must be one of ${kinds}, got ${entry.dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const pieces = [[entry, BYTES[entry.dtype](count), name]];
    if (entry.dtype === "int8" || entry.dtype === "int4") {
      if (!isObject(entry.scales)) fail(`model.json: tensors[${name}] has no scales`);
      pieces.push([entry.scales, 4 * shape[shape.length - 1], `${name} scales`]);
    }
    for (const [where, bytes, what] of pieces) {
      if (where.bytes !== bytes || !isCount(where.offset, weightsBytes)) {
        fail(`model.json: ${what} must take ${bytes} bytes inside weights.bin`);
      }
      end.push(where.offset + bytes);
    }
  }
  const declared = isObject(manifest.files) && isObject(manifest.files["weights.bin"])
    ? manifest.files["weights.bin"].bytes : undefined;
  if (declared !== Math.max(...end)) fail(`model.json: files["weights.bin"].bytes must be ${Math.max(...end)}, got ${declared}`);
  return nClasses;
}

/**
 * The URL of examples.file: a plain file name in model.json's folder, so never
 * another origin, an absolute path or a parent folder.
 */
export function examplesUrl(info, manifestUrl) {
  const name = isObject(info) ? info.file : undefined;
  const where = new URL(".", manifestUrl);
  if (typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) {
    fail(`model.json: examples.file must be a plain file name beside model.json, got ${JSON.stringify(name)}`);
  }
  const url = new URL(name, where);
  if (url.origin !== where.origin || url.href !== where.href + name) {
    fail(`model.json: examples.file must be a plain file name beside model.json, got ${JSON.stringify(name)}`);
  }
  if (!isCount(info.count, MAX_EXAMPLES) || info.count < 1 || !Array.isArray(info.labels) ||
      info.labels.length !== info.count) {
    fail("model.json: examples must hold count (1 to 10000) and as many labels");
  }
  return url.href;
}

/** Float32 values of one tensor of the export (int4, int8 and float16 multiplied out). */
function decodeTensor(buffer, entry, name) {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (entry.offset + entry.bytes > buffer.byteLength) fail(`tensor ${name} lies outside weights.bin`);
  const out = new Float32Array(count);
  if (entry.dtype === "float32") {
    out.set(new Float32Array(buffer.slice(entry.offset, entry.offset + entry.bytes)));
  } else if (entry.dtype === "float16") {
    const view = new DataView(buffer, entry.offset, entry.bytes);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else if (entry.dtype === "int8" || entry.dtype === "int4") {
    const scales = new Float32Array(buffer.slice(entry.scales.offset,
      entry.scales.offset + entry.scales.bytes));
    const columns = scales.length;
    if (entry.dtype === "int8") {
      const q = new Int8Array(buffer, entry.offset, count);
      for (let i = 0; i < count; i++) out[i] = Math.fround(q[i] * scales[i % columns]);
    } else {
      // Two per byte, element 2k in the low four bits of byte k, two's complement.
      const packed = new Uint8Array(buffer, entry.offset, entry.bytes);
      for (let i = 0; i < count; i++) {
        const nibble = i & 1 ? packed[i >> 1] >> 4 : packed[i >> 1] & 15;
        out[i] = Math.fround((nibble >= 8 ? nibble - 16 : nibble) * scales[i % columns]);
      }
    }
  } else {
    fail(`tensor ${name} has an unknown dtype ${entry.dtype}`);
  }
  return out;
}

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** SAME convolution (stride 1, odd square kernel) + bias + ReLU, NHWC without batch. */
export function convRelu(input, height, width, inChannels, kernel, size, outChannels, bias) {
  const out = new Float32Array(height * width * outChannels);
  const acc = new Float64Array(outChannels);
  const pad = (size - 1) >> 1;
  const rowStride = inChannels * outChannels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let o = 0; o < outChannels; o++) acc[o] = 0;
      for (let ky = 0; ky < size; ky++) {
        const iy = y + ky - pad;
        if (iy < 0 || iy >= height) continue;
        for (let kx = 0; kx < size; kx++) {
          const ix = x + kx - pad;
          if (ix < 0 || ix >= width) continue;
          const inBase = (iy * width + ix) * inChannels;
          const kBase = (ky * size + kx) * rowStride;
          for (let c = 0; c < inChannels; c++) {
            const a = input[inBase + c];
            if (a === 0) continue;
            const k = kBase + c * outChannels;
            for (let o = 0; o < outChannels; o++) acc[o] += a * kernel[k + o];
          }
        }
      }
      const base = (y * width + x) * outChannels;
      for (let o = 0; o < outChannels; o++) {
        const v = acc[o] + bias[o];
        out[base + o] = v > 0 ? v : 0;
      }
    }
  }
  return out;
}

/** 2x2 max pooling, stride 2, VALID. */
export function maxPool(input, height, width, channels) {
  const oh = height >> 1, ow = width >> 1;
  const out = new Float32Array(oh * ow * channels);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < channels; c++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const v = input[((2 * y + dy) * width + 2 * x + dx) * channels + c];
            if (v > m) m = v;
          }
        }
        out[(y * ow + x) * channels + c] = m;
      }
    }
  }
  return out;
}

/** x (n) times W (n x units) + bias, optional ReLU. */
export function dense(input, weights, units, bias, relu) {
  const acc = new Float64Array(units);
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const a = input[i];
    if (a === 0) continue;
    const base = i * units;
    for (let o = 0; o < units; o++) acc[o] += a * weights[base + o];
  }
  const out = new Float32Array(units);
  for (let o = 0; o < units; o++) {
    const v = acc[o] + bias[o];
    out[o] = relu && v < 0 ? 0 : v;
  }
  return out;
}

export function softmax(logits) {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

/** uint8 pixels (0..255) to the model's input, as cnn_tutorial.data.normalize_images: u * float32(1/255). */
export function normalizeBytes(bytes) {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = Math.fround(bytes[i] * INV_255);
  return out;
}

/** Weights of one box-filter resize along an axis: rows = target, columns = source. */
function areaWeights(source, target) {
  const ratio = source / target;
  const rows = [];
  for (let i = 0; i < target; i++) {
    const start = i * ratio, end = (i + 1) * ratio;
    const row = [];
    for (let k = Math.floor(start); k < Math.min(source, Math.ceil(end)); k++) {
      const overlap = Math.min(end, k + 1) - Math.max(start, k);
      if (overlap > 0) row.push([k, overlap / ratio]);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * MNIST's preprocessing of a drawing: the bounding box of the ink scaled
 * (box filter, aspect kept) so that its longer side is 20 pixels, put in a
 * 28 x 28 field and shifted so that the centre of mass is the field's
 * centre. `gray` holds width*height values in [0, 1], white ink on black.
 * Returns {bytes: Uint8Array(784), pixels: Float32Array(784), box}.
 */
export function preprocessDigit(gray, width, height) {
  let y0 = height, y1 = -1, x0 = width, x1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > 0) {
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  const bytes = new Uint8Array(784);
  if (y1 < 0) return { bytes, pixels: normalizeBytes(bytes), box: null };
  const bh = y1 - y0 + 1, bw = x1 - x0 + 1;
  const scale = 20 / Math.max(bh, bw);
  const th = Math.min(20, Math.max(1, Math.floor(bh * scale + 0.5)));
  const tw = Math.min(20, Math.max(1, Math.floor(bw * scale + 0.5)));
  const ry = areaWeights(bh, th), rx = areaWeights(bw, tw);
  // Rows first (th x bw), then columns (th x tw).
  const rowsDone = new Float64Array(th * bw);
  for (let i = 0; i < th; i++) {
    for (const [k, w] of ry[i]) {
      const src = (y0 + k) * width + x0;
      for (let x = 0; x < bw; x++) rowsDone[i * bw + x] += w * gray[src + x];
    }
  }
  const small = new Float64Array(th * tw);
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      let v = 0;
      for (const [k, w] of rx[j]) v += w * rowsDone[i * bw + k];
      small[i * tw + j] = v;
    }
  }
  const top = Math.floor((28 - th) / 2), left = Math.floor((28 - tw) / 2);
  let mass = 0, my = 0, mx = 0;
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      const v = small[i * tw + j];
      mass += v; my += v * (top + i); mx += v * (left + j);
    }
  }
  const dy = Math.floor(13.5 - my / mass + 0.5), dx = Math.floor(13.5 - mx / mass + 0.5);
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      const y = top + i + dy, x = left + j + dx;
      if (y < 0 || y >= 28 || x < 0 || x >= 28) continue;
      const v = Math.min(1, Math.max(0, small[i * tw + j]));
      bytes[y * 28 + x] = Math.floor(v * 255 + 0.5);
    }
  }
  return { bytes, pixels: normalizeBytes(bytes), box: [y0, x0, y1, x1] };
}

class ConvNet {
  constructor(manifest, tensors, examples, url) {
    this.manifest = manifest;
    this.layers = manifest.layers;
    this.tensors = tensors;
    this.examples = examples;
    this.url = url;
    this.nClasses = this.layers[this.layers.length - 1].units;
  }

  /**
   * Forward pass of one 28x28 image, layer by layer as model.json lists them:
   * {logits, probabilities, label, input, activations: {name: {shape, data}}}
   * (every layer but the logits).
   */
  predict(pixels) {
    if (!pixels || pixels.length !== 784) {
      throw new TypeError(`predict: pixels must be 784 values (28x28, row-major), got ${pixels && pixels.length}`);
    }
    const t = this.tensors;
    const input = Float32Array.from(pixels);
    const activations = {};
    let data = input, shape = INPUT_SHAPE;
    for (const layer of this.layers) {
      const kernel = t[`${layer.name}/kernel`], biases = t[`${layer.name}/biases`];
      if (layer.type === "conv") {
        data = convRelu(data, shape[0], shape[1], shape[2], kernel, layer.kernel[0], layer.filters, biases);
      } else if (layer.type === "maxpool") {
        data = maxPool(data, shape[0], shape[1], shape[2]);
      } else {
        data = dense(data, kernel, layer.units, biases, layer.activation === "relu");
      }
      shape = layer.output;
      activations[layer.name] = { shape, data };
    }
    const logits = data;
    delete activations[this.layers[this.layers.length - 1].name];
    const probabilities = softmax(logits);
    let label = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[label]) label = i;
    return { logits: Array.from(logits), probabilities, label, input, activations };
  }

  /** The 5x5 kernel slice of `layer` for input channel `inChannel` and map `channel` (25 values). */
  kernelSlice(layer, inChannel, channel) {
    const kernel = this.tensors[`${layer}/kernel`];
    const [size, , cin, cout] = this.manifest.tensors[`${layer}/kernel`].shape;
    const out = new Float32Array(size * size);
    for (let i = 0; i < size * size; i++) out[i] = kernel[(i * cin + inChannel) * cout + channel];
    return out;
  }

  /**
   * The multiply-accumulate behind one value of a conv map: for each input
   * channel the 5x5 window (zeros outside the image: SAME padding) times the
   * kernel slice, their sum; then the total, the bias and the ReLU.
   */
  multiplyAccumulate(result, layer, channel, y, x) {
    const index = this.layers.findIndex((l) => l.name === layer);
    const source = index === 0 ? { data: result.input, shape: INPUT_SHAPE }
      : result.activations[this.layers[index - 1].name];
    const [h, w, cin] = source.shape;
    const [size] = this.manifest.tensors[`${layer}/kernel`].shape;
    const pad = (size - 1) >> 1;
    const channels = [];
    let total = 0;
    for (let c = 0; c < cin; c++) {
      const kernel = this.kernelSlice(layer, c, channel);
      const window = new Float32Array(size * size);
      let sum = 0;
      for (let ky = 0; ky < size; ky++) {
        for (let kx = 0; kx < size; kx++) {
          const iy = y + ky - pad, ix = x + kx - pad;
          const v = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : source.data[(iy * w + ix) * cin + c];
          window[ky * size + kx] = v;
          sum += v * kernel[ky * size + kx];
        }
      }
      channels.push({ channel: c, window, kernel, sum });
      total += sum;
    }
    const bias = this.tensors[`${layer}/biases`][channel];
    const preActivation = total + bias;
    const map = result.activations[layer];
    return {
      layer, channel, y, x, size, channels, total, bias, preActivation,
      value: Math.max(0, preActivation),
      mapValue: map.data[(y * map.shape[1] + x) * map.shape[2] + channel],
    };
  }
}

/**
 * Load an export (default: the site's own, assets/model/model.json beside
 * this script's folder). Resolves to an object with predict(pixels).
 */
export async function loadConvNet(url) {
  const manifestUrl = new URL(url || "../model/model.json",
    url ? document.baseURI : import.meta.url).href;
  const manifest = await fetchOk(manifestUrl, "json");
  if (!isObject(manifest) || manifest.format !== FORMAT) {
    fail(`${manifestUrl} has format ${isObject(manifest) ? manifest.format : manifest}, expected ${FORMAT}`);
  }
  const examplesInfo = manifest.examples;
  // Checked before anything else is fetched.
  const examplesAt = examplesInfo ? examplesUrl(examplesInfo, manifestUrl) : null;
  checkManifest(manifest, 14e6);
  const [weights, examplesBuffer] = await Promise.all([
    fetchOk(new URL("weights.bin", manifestUrl).href),
    examplesAt ? fetchOk(examplesAt) : Promise.resolve(null),
  ]);
  if (weights.byteLength !== manifest.files["weights.bin"].bytes) fail("weights.bin has the wrong size");
  if (examplesBuffer && examplesBuffer.byteLength !== 784 * examplesInfo.count) {
    fail(`${examplesAt} has the wrong size`);
  }
  const tensors = {};
  for (const name of Object.keys(networkShapes(manifest.layers).shapes)) {
    tensors[name] = decodeTensor(weights, manifest.tensors[name], name);
  }
  let examples = null;
  if (examplesBuffer) {
    const bytes = new Uint8Array(examplesBuffer);
    examples = examplesInfo.labels.map((label, i) => ({
      label, bytes: bytes.subarray(i * 784, (i + 1) * 784),
    }));
  }
  return new ConvNet(manifest, tensors, examples, manifestUrl);
}
