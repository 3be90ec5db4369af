"""The in-browser trainer against TensorFlow: speed, gradients, loss curves, accuracy.

Measured side by side in one run on this machine (not a test: nothing is bounded):

* speed: images per second of training (batch 32, Adam) in headless Chromium,
  in the widget's own Web Worker (``docs/assets/trainer/worker.js``; the
  worker counts training time only, not validation), next to the same network
  in TensorFlow (``cnn_tutorial.browser_training.forward`` + ``GradientTape`` +
  Keras Adam, eager and inside ``tf.function``); medians of ``--repeats``;
* gradients: the largest ``max |js - tf| / max |tf|`` over the variables of
  several batches (``lossAndGradients`` of ``net.js`` against
  ``loss_and_gradients``);
* curves: the browser's ``Trainer`` and ``train_reference`` from the browser's
  initial weights, same seed, data order and dropout masks: the largest
  absolute difference of the per-step losses over the first 100 steps, per
  seed and dropout rate;
* accuracy: validation accuracy of both after ``--steps`` steps, per seed.

Usage::

    python benchmarks/browser_training.py [--repeats 3] [--steps 300] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

import numpy as np  # noqa: E402

HARNESS = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="icon" href="data:,"></head><body><script type="module">
import * as net from "./assets/trainer/net.js";
window.net = net;
window.subset = fetch("./assets/trainer/mnist-subset.bin").then(r => r.arrayBuffer())
  .then(b => net.parseSubset(b));
window.ready = true;
</script></body></html>"""

WORKER_SPEED = """([batch, steps]) => new Promise((done, fail) => {
  const worker = new Worker("assets/trainer/worker.js", {type: "module"});
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === "loaded") {
      worker.postMessage({type: "settings", learningRate: 0.001, batchSize: batch, dropout: 0});
      worker.postMessage({type: "reset", seed: 0, initializer: "he", learningRate: 0.001, dropout: 0});
      worker.postMessage({type: "start"});
    } else if (m.type === "progress" && m.step >= steps) {
      worker.terminate();
      done(m.imagesPerSecond);
    } else if (m.type === "error") fail(m.message);
  };
  worker.postMessage({type: "load", url: new URL("assets/trainer/mnist-subset.bin", location.href).href});
})"""

JS_TRAIN = """async ([seed, steps, batch, dropout, init]) => {
  const d = await window.subset;
  const t = new net.Trainer({images: d.trainImages, labels: d.trainLabels, seed,
    learningRate: 0.001, dropout, weights: init && Object.fromEntries(
      Object.entries(init).map(([k, v]) => [k, Float32Array.from(v)]))});
  const losses = [];
  for (let s = 0; s < steps; s++) losses.push(t.step(batch).loss);
  return {losses, accuracy: net.accuracy(t.weights, d.valImages, d.valLabels)};
}"""


def harness_folder() -> Path:
    import docs_hooks.trainer

    folder = Path(tempfile.mkdtemp(prefix="trainer-bench-"))
    shutil.copytree(ROOT / "docs" / "assets" / "trainer", folder / "assets" / "trainer")
    docs_hooks.trainer.write_subset(folder / "assets" / "trainer")
    (folder / "harness.html").write_text(HARNESS, encoding="utf-8")
    return folder


def tf_speed(x, y, batch: int, steps: int, compiled: bool) -> float:
    import keras
    import tensorflow as tf

    from cnn_tutorial import browser_training as bt

    w = {k: tf.Variable(v) for k, v in bt.init_weights(0).items()}
    variables = list(w.values())
    optimizer = keras.optimizers.Adam(0.001)

    def step(images, labels):
        with tf.GradientTape() as tape:
            logits = bt.forward(w, images)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    if compiled:
        step = tf.function(step)
    batches = [(tf.constant(x[i * batch:(i + 1) * batch].astype(np.float32) / 255),
                tf.constant(y[i * batch:(i + 1) * batch].astype(np.int32)))
               for i in range(len(y) // batch)]
    for i in range(10):  # warm-up (tracing)
        step(*batches[i % len(batches)])
    start = time.perf_counter()
    for i in range(steps):
        step(*batches[i % len(batches)]).numpy()
    return steps * batch / (time.perf_counter() - start)


GRADS = """([w, x, y]) => {
  const wt = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Float32Array.from(v)]));
  const r = net.lossAndGradients(wt, Float32Array.from(x), y, null);
  return {loss: r.loss, grads: Object.fromEntries(
    Object.entries(r.gradients).map(([k, v]) => [k, Array.from(v)]))};
}"""


def as_lists(weights):
    return {k: np.asarray(v, np.float32).ravel().tolist() for k, v in weights.items()}


def js_init(page, seed: int, initializer: str = "he") -> dict[str, np.ndarray]:
    from cnn_tutorial.browser_training import VARIABLES

    flat = page.evaluate("""([s, i]) => Object.fromEntries(Object.entries(net.initWeights(s, i))
        .map(([k, v]) => [k, Array.from(v)]))""", [seed, initializer])
    return {n: np.asarray(flat[n], np.float32).reshape(shape) for n, shape, *_ in VARIABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300, help="steps before the accuracy")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from cnn_tutorial import browser_training as bt

    folder = harness_folder()
    x_train, y_train, x_val, y_val = bt.read_subset(folder / "assets" / "trainer" / bt.SUBSET_FILE)
    result: dict = {"network": "conv 5x5x8 SAME + ReLU, max pool 2, conv 5x5x16 SAME + ReLU, "
                               "max pool 2, dropout, dense 10",
                    "parameters": sum(v.size for v in bt.init_weights(0).values()),
                    "n_train": len(y_train), "n_val": len(y_val), "batch_size": 32,
                    "cpu_count": os.cpu_count(), "load_average": os.getloadavg()[0]}
    with serve(folder) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "harness.html")
        page.wait_for_function("window.ready === true")
        result["chromium"] = browser.version

        # Gradients: MNIST batches under the three initialisers.
        worst = 0.0
        for seed, init, start in [(1, "he", 0), (2, "glorot", 64), (3, "lecture", 128),
                                  (4, "he", 192)]:
            w = bt.init_weights(seed, init)
            images, labels = x_train[start:start + 32], y_train[start:start + 32]
            pixels = images.astype(np.float32) / np.float32(255)
            js = page.evaluate(GRADS, [as_lists(w), pixels.ravel().tolist(), labels.tolist()])
            loss, grads = bt.loss_and_gradients(w, images, labels)
            worst = max(worst, abs(js["loss"] - loss) / loss)
            for name, shape, *_ in bt.VARIABLES:
                g = np.asarray(js["grads"][name], np.float32).reshape(shape)
                worst = max(worst, float(np.abs(g - grads[name]).max() / np.abs(grads[name]).max()))
        result["gradient_max_relative_difference"] = worst
        print(f"gradients: max relative difference {worst:.2e}", flush=True)

        # Loss curves over 100 steps, and accuracy after --steps steps.
        curves, accuracy = [], []
        for seed in range(args.seeds):
            for dropout in (0.0, 0.25):
                init = js_init(page, seed)
                js = page.evaluate(JS_TRAIN, [seed, 100, 32, dropout, as_lists(init)])
                ref = bt.train_reference(init, x_train, y_train, 100, batch_size=32, seed=seed,
                                         dropout=dropout)
                diff = np.abs(np.asarray(js["losses"]) - np.asarray(ref.losses))
                curves.append({"seed": seed, "dropout": dropout,
                               "max_abs_difference": float(diff.max()),
                               "step_of_max": int(diff.argmax()) + 1,
                               "first_loss": ref.losses[0], "last_loss": ref.losses[-1]})
                print("curve", curves[-1], flush=True)
            init = js_init(page, seed)
            js = page.evaluate(JS_TRAIN, [seed, args.steps, 32, 0.0, as_lists(init)])
            ref = bt.train_reference(init, x_train, y_train, args.steps, batch_size=32, seed=seed,
                                     validation=(x_val, y_val))
            accuracy.append({"seed": seed, "steps": args.steps, "browser": js["accuracy"],
                             "tensorflow": ref.val_accuracy[args.steps]})
            print("accuracy", accuracy[-1], flush=True)
        result["curves"] = curves
        result["accuracy"] = accuracy

        # Speed, side by side.
        speeds = {"browser": [], "tf_eager": [], "tf_function": []}
        for _ in range(args.repeats):
            speeds["browser"].append(page.evaluate(WORKER_SPEED, [32, 200]))
            speeds["tf_eager"].append(tf_speed(x_train, y_train, 32, 100, compiled=False))
            speeds["tf_function"].append(tf_speed(x_train, y_train, 32, 200, compiled=True))
            print("speed", {k: round(v[-1]) for k, v in speeds.items()}, flush=True)
        result["images_per_second"] = {k: statistics.median(v) for k, v in speeds.items()}
        result["images_per_second_runs"] = speeds
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
