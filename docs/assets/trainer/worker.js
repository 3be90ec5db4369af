/*
 * The trainer's Web Worker: holds the data and the network, trains in slices
 * of about 100 ms so that "pause" and new settings arrive between steps, and
 * posts what the page draws. Messages (all {type, ...}):
 *   in:  load {url}; reset {seed, initializer, learningRate, dropout};
 *        settings {learningRate, batchSize, dropout}; start; pause;
 *        predict {pixels}; sample {index}
 *   out: loaded {nTrain, nVal, bytes}; progress {...}; prediction {probs};
 *        sample {bytes} (a validation image);
 *        error {message}
 */
import { Trainer, accuracy, forward, parseSubset, pixelsOf, predict, workspace } from "./net.js";

const EVAL_EVERY = 100;   // steps between validation accuracies
const MAX_STEPS = 3000;   // then training stops by itself
const SLICE_MS = 100;

let data = null;
let trainer = null;
let running = false;
let batchSize = 32;
let newLosses = [];
let newAccuracies = [];
let timing = { images: 0, ms: 0 };
const ws = workspace();

function sampleFeatures() {
  const pixels = pixelsOf(data.valImages, 0);
  forward(trainer.weights, pixels, ws);
  return { conv1: Float32Array.from(ws.z1, (v) => (v > 0 ? v : 0)),
    conv2: Float32Array.from(ws.z2, (v) => (v > 0 ? v : 0)) };
}

function evaluate() {
  const acc = accuracy(trainer.weights, data.valImages, data.valLabels, ws);
  newAccuracies.push([trainer.steps, acc]);
  return acc;
}

function post(reason) {
  const features = sampleFeatures();
  self.postMessage({
    type: "progress", reason, running, step: trainer.steps, imagesSeen: trainer.imagesSeen,
    epoch: trainer.imagesSeen / trainer.n, losses: newLosses, accuracies: newAccuracies,
    imagesPerSecond: timing.ms > 0 ? (1000 * timing.images) / timing.ms : 0,
    kernel: Float32Array.from(trainer.weights["conv1/kernel"]),
    initialKernel: trainer.initial["conv1/kernel"], conv1: features.conv1, conv2: features.conv2,
    sampleLabel: data.valLabels[0], maxSteps: MAX_STEPS,
  });
  newLosses = [];
  newAccuracies = [];
}

function slice() {
  if (!running) return;
  const start = performance.now();
  let images = 0;
  while (performance.now() - start < SLICE_MS && trainer.steps < MAX_STEPS) {
    const { loss } = trainer.step(batchSize);
    images += batchSize;
    newLosses.push([trainer.steps, Number.isFinite(loss) ? loss : null]);
    if (trainer.steps % EVAL_EVERY === 0) break;
  }
  // Training time only: the validation pass below is not counted in images/second.
  timing.images += images;
  timing.ms += performance.now() - start;
  if (trainer.steps % EVAL_EVERY === 0) evaluate();
  if (trainer.steps >= MAX_STEPS) {
    running = false;
    post("finished");
    return;
  }
  post("step");
  setTimeout(slice, 0);
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.type === "load") {
      const response = await fetch(message.url);
      if (!response.ok) throw new Error(`${message.url} answered ${response.status}`);
      const buffer = await response.arrayBuffer();
      data = await parseSubset(buffer);
      self.postMessage({ type: "loaded", nTrain: data.trainLabels.length,
        nVal: data.valLabels.length, bytes: buffer.byteLength,
        sample: data.valImages.slice(0, 784) });
    } else if (message.type === "reset") {
      running = false;
      trainer = new Trainer({ images: data.trainImages, labels: data.trainLabels,
        seed: message.seed, initializer: message.initializer,
        learningRate: message.learningRate, dropout: message.dropout });
      timing = { images: 0, ms: 0 };
      newLosses = [];
      newAccuracies = [];
      evaluate();
      post("reset");
    } else if (message.type === "settings") {
      batchSize = message.batchSize;
      if (trainer) {
        trainer.adam.learningRate = message.learningRate;
        trainer.dropout = message.dropout;
      }
    } else if (message.type === "start") {
      if (!running && trainer.steps < MAX_STEPS) {
        running = true;
        post("start");
        setTimeout(slice, 0);
      }
    } else if (message.type === "pause") {
      if (running) {
        running = false;
        if (trainer.steps % EVAL_EVERY !== 0) evaluate();
        post("pause");
      }
    } else if (message.type === "sample") {
      const i = message.index % data.valLabels.length;
      self.postMessage({ type: "sample", bytes: data.valImages.slice(i * 784, (i + 1) * 784) });
    } else if (message.type === "predict") {
      self.postMessage({ type: "prediction", probs: predict(trainer.weights, message.pixels, ws),
        step: trainer.steps });
    }
  } catch (error) {
    running = false;
    self.postMessage({ type: "error", message: String(error && error.message || error) });
  }
};
