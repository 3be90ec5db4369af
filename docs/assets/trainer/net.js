/*
 * The small convnet that the chapter "Train it in your browser" trains: forward,
 * backward, Adam, initialisers and random numbers, in plain typed-array loops.
 *
 * It mirrors cnn_tutorial.browser_training (the Python side, which computes the
 * same network with TensorFlow ops): conv1 5x5x8 SAME + ReLU, 2x2 max pool,
 * conv2 5x5x16 SAME + ReLU, 2x2 max pool, flatten (NHWC, row-major), dropout,
 * dense 10, softmax cross-entropy averaged over the batch. Kernels are HWIO,
 * dense weights in x out, exactly TensorFlow's layouts, so weights travel
 * between the two as flat float32 arrays.
 *
 * Conventions that must match TensorFlow's for the gradients to agree:
 * ReLU's gradient is 0 at 0 (TF's ReluGrad passes where the input is > 0);
 * a max-pool window whose maximum occurs more than once sends the gradient to
 * the first one in row-major order (TF's CPU MaxPoolGrad). Sums are taken in
 * float64 and stored as float32.
 *
 * Random numbers come from a counter-based hash (no state), so that Python can
 * compute the same initial values, data order and dropout masks vectorised.
 * No DOM: used by the Web Worker (worker.js), the tests and the benchmark.
 */

export const SIZE = 28;
export const K = 5;
export const C1 = 8;
export const C2 = 16;
export const CLASSES = 10;
export const FLAT = 7 * 7 * C2;
export const INITIALIZERS = ["he", "glorot", "lecture"];

/** Variables in the order the Python module lists them (name, shape, fan-in, fan-out, role). */
export const VARIABLES = [
  ["conv1/kernel", [K, K, 1, C1], K * K, K * K * C1, "kernel"],
  ["conv1/biases", [C1], K * K, K * K * C1, "conv_bias"],
  ["conv2/kernel", [K, K, C1, C2], K * K * C1, K * K * C2, "kernel"],
  ["conv2/biases", [C2], K * K * C1, K * K * C2, "conv_bias"],
  ["fc/weights", [FLAT, CLASSES], FLAT, CLASSES, "kernel"],
  ["fc/biases", [CLASSES], FLAT, CLASSES, "dense_bias"],
];

const count = (shape) => shape.reduce((a, b) => a * b, 1);

// ---- random numbers (cnn_tutorial.browser_training.hash32) --------------------

function mix(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 from (seed, stream, counter), all uint32. */
export function hash32(seed, stream, counter) {
  const key = mix((seed + Math.imul(stream, 0x9e3779b9)) >>> 0);
  return mix((key ^ mix((counter + 0x6a09e667) >>> 0)) >>> 0);
}

/** Uniform in [0, 1) with 24 bits (exact in float32). */
export const uniform = (seed, stream, counter) => (hash32(seed, stream, counter) >>> 8) / 16777216;

/** Standard normal (Box-Muller on counters 2c and 2c + 1). */
export function normal(seed, stream, counter) {
  const u1 = ((hash32(seed, stream, 2 * counter) >>> 8) + 1) / 16777216;
  const u2 = (hash32(seed, stream, 2 * counter + 1) >>> 8) / 16777216;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// Standard deviation of a unit normal truncated at ±2 (as cnn_tutorial.layers).
const TRUNCATED_STDDEV = 0.87962566103423978;

/** Initial weights for `seed` (a uint32) and an initialiser of cnn_tutorial.layers. */
export function initWeights(seed, initializer = "he") {
  if (!INITIALIZERS.includes(initializer)) {
    throw new Error(`initializer must be one of ${INITIALIZERS.join(", ")}, got ${initializer}`);
  }
  seed >>>= 0;
  const weights = {};
  VARIABLES.forEach(([name, shape, fanIn, fanOut, role], stream) => {
    const n = count(shape);
    const out = new Float32Array(n);
    const truncated = (stddev) => {
      for (let i = 0; i < n; i++) {
        let z;
        for (let attempt = 0; ; attempt++) {
          z = normal(seed, stream, attempt * n + i);
          if (Math.abs(z) <= 2) break;
        }
        out[i] = z * stddev;
      }
    };
    if (role === "kernel") {
      if (initializer === "he") truncated(Math.sqrt(2 / fanIn) / TRUNCATED_STDDEV);
      else if (initializer === "lecture") truncated(1);
      else {
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < n; i++) out[i] = (2 * uniform(seed, stream, i) - 1) * limit;
      }
    } else if (role === "conv_bias" && initializer === "lecture") {
      for (let i = 0; i < n; i++) out[i] = normal(seed, stream, i);
    }
    weights[name] = out;
  });
  return weights;
}

const ORDER_STREAM = 100;
const DROPOUT_STREAM = 200;

/** The permutation of n training images used in epoch `epoch` (Fisher-Yates). */
export function permutation(seed, n, epoch) {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = hash32(seed >>> 0, ORDER_STREAM + epoch, i) % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Reads the endless stream of epochs' permutations, batch after batch. */
export class Order {
  constructor(seed, n) {
    this.seed = seed >>> 0;
    this.n = n;
    this.epoch = 0;
    this.position = 0;
    this.current = permutation(this.seed, n, 0);
  }
  next(batchSize) {
    const out = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      if (this.position === this.n) {
        this.epoch += 1;
        this.position = 0;
        this.current = permutation(this.seed, this.n, this.epoch);
      }
      out[b] = this.current[this.position++];
    }
    return out;
  }
}

/** Dropout keep-scale of unit j of the image number `image` of the stream (0 or 1 / (1 - rate)). */
export function dropoutScale(seed, image, j, rate) {
  if (rate <= 0) return 1;
  return uniform(seed >>> 0, DROPOUT_STREAM, image * FLAT + j) >= rate ? 1 / (1 - rate) : 0;
}

// ---- the network --------------------------------------------------------------

/** Buffers of one image's forward pass, reused between images. */
export function workspace() {
  return {
    x: new Float32Array(SIZE * SIZE),
    z1: new Float32Array(SIZE * SIZE * C1),
    p1: new Float32Array(14 * 14 * C1),
    i1: new Int32Array(14 * 14 * C1),
    z2: new Float32Array(14 * 14 * C2),
    p2: new Float32Array(FLAT),
    i2: new Int32Array(FLAT),
    h: new Float32Array(FLAT),
    logits: new Float64Array(CLASSES),
    acc: new Float64Array(C2),
    dz2: new Float64Array(14 * 14 * C2),
    dp1: new Float64Array(14 * 14 * C1),
    dz1: new Float64Array(SIZE * SIZE * C1),
    dh: new Float64Array(FLAT),
  };
}

/** SAME convolution, stride 1, 5x5, HWIO kernel; writes pre-activations (float32). */
function conv(input, size, cin, kernel, bias, cout, out, acc) {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let o = 0; o < cout; o++) acc[o] = bias[o];
      for (let ky = 0; ky < K; ky++) {
        const iy = y + ky - 2;
        if (iy < 0 || iy >= size) continue;
        for (let kx = 0; kx < K; kx++) {
          const ix = x + kx - 2;
          if (ix < 0 || ix >= size) continue;
          const inBase = (iy * size + ix) * cin;
          const kBase = (ky * K + kx) * cin * cout;
          for (let i = 0; i < cin; i++) {
            const v = input[inBase + i];
            if (v === 0) continue; // ReLU and MNIST's black background: mostly zeros
            const kb = kBase + i * cout;
            for (let o = 0; o < cout; o++) acc[o] += v * kernel[kb + o];
          }
        }
      }
      const outBase = (y * size + x) * cout;
      for (let o = 0; o < cout; o++) out[outBase + o] = acc[o];
    }
  }
}

/** ReLU then 2x2 max pool (stride 2) of pre-activations; argmax: first maximum, row-major. */
function reluPool(z, size, channels, out, argmax) {
  const half = size >> 1;
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      for (let c = 0; c < channels; c++) {
        let best = -Infinity, where = -1;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const idx = ((2 * y + dy) * size + 2 * x + dx) * channels + c;
            const v = z[idx] > 0 ? z[idx] : 0;
            if (v > best) { best = v; where = idx; }
          }
        }
        const o = (y * half + x) * channels + c;
        out[o] = best;
        argmax[o] = where;
      }
    }
  }
}

/** Forward pass of one image (784 floats in [0, 1]) into `ws`; `scale(j)` is dropout. */
export function forward(w, pixels, ws, scale = null) {
  ws.x.set(pixels);
  conv(ws.x, SIZE, 1, w["conv1/kernel"], w["conv1/biases"], C1, ws.z1, ws.acc);
  reluPool(ws.z1, SIZE, C1, ws.p1, ws.i1);
  conv(ws.p1, 14, C1, w["conv2/kernel"], w["conv2/biases"], C2, ws.z2, ws.acc);
  reluPool(ws.z2, 14, C2, ws.p2, ws.i2);
  for (let j = 0; j < FLAT; j++) ws.h[j] = scale ? ws.p2[j] * scale(j) : ws.p2[j];
  const fw = w["fc/weights"], fb = w["fc/biases"];
  for (let k = 0; k < CLASSES; k++) ws.logits[k] = fb[k];
  for (let j = 0; j < FLAT; j++) {
    const v = ws.h[j];
    if (v === 0) continue;
    const base = j * CLASSES;
    for (let k = 0; k < CLASSES; k++) ws.logits[k] += v * fw[base + k];
  }
  for (let k = 0; k < CLASSES; k++) ws.logits[k] = Math.fround(ws.logits[k]);
  return ws.logits;
}

/** Zeroed float64 gradient accumulators, one per variable. */
export function zeroGradients() {
  const g = {};
  for (const [name, shape] of VARIABLES) g[name] = new Float64Array(count(shape));
  return g;
}

/** Backward pass of the image in `ws`, adding d(loss)/d(variable) to `g`; dlogits: float64[10]. */
function backward(w, ws, dlogits, g, scale) {
  const fw = w["fc/weights"];
  const gfw = g["fc/weights"], gfb = g["fc/biases"];
  for (let k = 0; k < CLASSES; k++) gfb[k] += dlogits[k];
  for (let j = 0; j < FLAT; j++) {
    const v = ws.h[j];
    // h = 0: dropped (no gradient) or pool2 = 0, whose gradient ReLU2 stops anyway.
    if (v === 0) { ws.dh[j] = 0; continue; }
    const base = j * CLASSES;
    let s = 0;
    for (let k = 0; k < CLASSES; k++) {
      gfw[base + k] += v * dlogits[k];
      s += fw[base + k] * dlogits[k];
    }
    ws.dh[j] = scale ? s * scale(j) : s;
  }
  // pool2 and ReLU2: the gradient goes to the argmax, if its input was > 0.
  ws.dz2.fill(0);
  for (let j = 0; j < FLAT; j++) {
    const idx = ws.i2[j];
    if (ws.z2[idx] > 0) ws.dz2[idx] += ws.dh[j];
  }
  // conv2: kernel and bias gradients, and the gradient of its input (pool1).
  const k2 = w["conv2/kernel"], gk2 = g["conv2/kernel"], gb2 = g["conv2/biases"];
  ws.dp1.fill(0);
  for (let y = 0; y < 14; y++) {
    for (let x = 0; x < 14; x++) {
      const dBase = (y * 14 + x) * C2;
      let any = false;
      for (let o = 0; o < C2; o++) {
        const d = ws.dz2[dBase + o];
        if (d !== 0) { any = true; gb2[o] += d; }
      }
      if (!any) continue;
      for (let ky = 0; ky < K; ky++) {
        const iy = y + ky - 2;
        if (iy < 0 || iy >= 14) continue;
        for (let kx = 0; kx < K; kx++) {
          const ix = x + kx - 2;
          if (ix < 0 || ix >= 14) continue;
          const inBase = (iy * 14 + ix) * C1;
          const kBase = (ky * K + kx) * C1 * C2;
          for (let i = 0; i < C1; i++) {
            const v = ws.p1[inBase + i];
            const kb = kBase + i * C2;
            // pool1 = 0: no kernel gradient, and ReLU1 stops the input's gradient.
            if (v === 0) continue;
            let s = 0;
            for (let o = 0; o < C2; o++) {
              const d = ws.dz2[dBase + o];
              gk2[kb + o] += v * d;
              s += k2[kb + o] * d;
            }
            ws.dp1[inBase + i] += s;
          }
        }
      }
    }
  }
  // pool1 and ReLU1.
  ws.dz1.fill(0);
  for (let j = 0; j < ws.p1.length; j++) {
    const idx = ws.i1[j];
    if (ws.z1[idx] > 0) ws.dz1[idx] += ws.dp1[j];
  }
  // conv1: kernel and bias gradients (the input needs none).
  const gk1 = g["conv1/kernel"], gb1 = g["conv1/biases"];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dBase = (y * SIZE + x) * C1;
      let any = false;
      for (let o = 0; o < C1; o++) {
        const d = ws.dz1[dBase + o];
        if (d !== 0) { any = true; gb1[o] += d; }
      }
      if (!any) continue;
      for (let ky = 0; ky < K; ky++) {
        const iy = y + ky - 2;
        if (iy < 0 || iy >= SIZE) continue;
        for (let kx = 0; kx < K; kx++) {
          const ix = x + kx - 2;
          if (ix < 0 || ix >= SIZE) continue;
          const v = ws.x[iy * SIZE + ix];
          if (v === 0) continue;
          const kb = (ky * K + kx) * C1;
          for (let o = 0; o < C1; o++) gk1[kb + o] += v * ws.dz1[dBase + o];
        }
      }
    }
  }
}

/**
 * Mean softmax cross-entropy of a batch and its gradients.
 *
 * images: Float32Array(batch * 784) in [0, 1]; labels: ints; scales: null or
 * a function (b, j) -> dropout scale of unit j of image b. Returns
 * {loss, gradients: {name: Float32Array}, correct}.
 */
export function lossAndGradients(w, images, labels, scales = null, ws = workspace()) {
  const batch = labels.length;
  const g = zeroGradients();
  const dlogits = new Float64Array(CLASSES);
  let loss = 0, correct = 0;
  for (let b = 0; b < batch; b++) {
    const scale = scales ? (j) => scales(b, j) : null;
    const logits = forward(w, images.subarray(b * 784, (b + 1) * 784), ws, scale);
    let max = -Infinity, arg = 0;
    for (let k = 0; k < CLASSES; k++) if (logits[k] > max) { max = logits[k]; arg = k; }
    let sum = 0;
    for (let k = 0; k < CLASSES; k++) sum += Math.exp(logits[k] - max);
    const label = labels[b];
    loss += Math.log(sum) + max - logits[label];
    if (arg === label) correct += 1;
    for (let k = 0; k < CLASSES; k++) {
      dlogits[k] = (Math.exp(logits[k] - max) / sum - (k === label ? 1 : 0)) / batch;
    }
    backward(w, ws, dlogits, g, scale);
  }
  const gradients = {};
  for (const name in g) gradients[name] = Float32Array.from(g[name]);
  return { loss: loss / batch, gradients, correct };
}

/** Adam exactly as Keras 3 (keras.optimizers.Adam) updates a variable. */
export class Adam {
  constructor(weights, learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.iterations = 0;
    this.m = {};
    this.v = {};
    for (const name in weights) {
      this.m[name] = new Float32Array(weights[name].length);
      this.v[name] = new Float32Array(weights[name].length);
    }
  }
  apply(weights, gradients) {
    this.iterations += 1;
    const f = Math.fround;
    const t = this.iterations;
    const lr = f(this.learningRate);
    const b1 = f(this.beta1), b2 = f(this.beta2), eps = f(this.epsilon);
    const b1Power = f(Math.pow(b1, t)), b2Power = f(Math.pow(b2, t));
    const alpha = f(f(lr * f(Math.sqrt(f(1 - b2Power)))) / f(1 - b1Power));
    const oneMinusB1 = f(1 - this.beta1), oneMinusB2 = f(1 - this.beta2);
    for (const name in weights) {
      const p = weights[name], g = gradients[name], m = this.m[name], v = this.v[name];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        m[i] = m[i] + f(f(gi - m[i]) * oneMinusB1);
        v[i] = v[i] + f(f(f(gi * gi) - v[i]) * oneMinusB2);
        p[i] = p[i] - f(f(m[i] * alpha) / f(f(Math.sqrt(v[i])) + eps));
      }
    }
  }
}

/** Pixels of image i of a uint8 array of 784-byte images, as float32 in [0, 1]. */
export function pixelsOf(bytes, i, out = new Float32Array(784)) {
  const base = i * 784;
  for (let j = 0; j < 784; j++) out[j] = bytes[base + j] / 255;
  return out;
}

/**
 * Training state: weights, Adam, data order, dropout counter.
 *
 * `step(batchSize)` runs one Adam step on the next batch of the order and
 * returns its loss. Dropout masks come from (seed, index of the image in the
 * stream of batches, unit), so Python can draw the same ones.
 */
export class Trainer {
  constructor({ images, labels, seed = 0, initializer = "he", learningRate = 0.001,
    dropout = 0, weights = null }) {
    this.images = images;
    this.labels = labels;
    this.n = labels.length;
    this.seed = seed >>> 0;
    this.weights = weights || initWeights(this.seed, initializer);
    this.initial = {};
    for (const name in this.weights) this.initial[name] = Float32Array.from(this.weights[name]);
    this.adam = new Adam(this.weights, learningRate);
    this.order = new Order(this.seed, this.n);
    this.dropout = dropout;
    this.imagesSeen = 0;
    this.steps = 0;
    this.ws = workspace();
    this.batchPixels = new Float32Array(0);
  }
  step(batchSize) {
    const idx = this.order.next(batchSize);
    if (this.batchPixels.length !== batchSize * 784) this.batchPixels = new Float32Array(batchSize * 784);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      pixelsOf(this.images, idx[b], this.batchPixels.subarray(b * 784, (b + 1) * 784));
      labels[b] = this.labels[idx[b]];
    }
    const first = this.imagesSeen, rate = this.dropout, seed = this.seed;
    const scales = rate > 0 ? (b, j) => dropoutScale(seed, first + b, j, rate) : null;
    const { loss, gradients, correct } = lossAndGradients(this.weights, this.batchPixels, labels,
      scales, this.ws);
    this.adam.apply(this.weights, gradients);
    this.imagesSeen += batchSize;
    this.steps += 1;
    return { loss, correct };
  }
}

/** Fraction of images (uint8, 784 each) whose largest logit is the label. */
export function accuracy(w, images, labels, ws = workspace()) {
  const pixels = new Float32Array(784);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const logits = forward(w, pixelsOf(images, i, pixels), ws);
    let arg = 0;
    for (let k = 1; k < CLASSES; k++) if (logits[k] > logits[arg]) arg = k;
    if (arg === labels[i]) correct += 1;
  }
  return correct / labels.length;
}

/** Softmax probabilities of one image (784 floats in [0, 1]). */
export function predict(w, pixels, ws = workspace()) {
  const logits = forward(w, pixels, ws);
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const MAGIC = "CNNTMNST";

/** Parses the build's subset file (cnn_tutorial.browser_training.export_subset), gzip or not. */
export async function parseSubset(buffer) {
  let bytes = new Uint8Array(buffer);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error(`not a cnn-tutorial MNIST subset (starts with ${magic})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const nTrain = view.getUint32(8, true), nVal = view.getUint32(12, true);
  const n = nTrain + nVal;
  if (bytes.length !== 16 + n * 785) throw new Error(`subset of ${bytes.length} bytes, expected ${16 + n * 785}`);
  const labels = bytes.subarray(16, 16 + n);
  const images = bytes.subarray(16 + n);
  return {
    trainLabels: labels.subarray(0, nTrain), valLabels: labels.subarray(nTrain),
    trainImages: images.subarray(0, nTrain * 784), valImages: images.subarray(nTrain * 784),
  };
}
