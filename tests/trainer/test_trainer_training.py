"""Training in the browser (net.js's Trainer) and in TensorFlow (train_reference) with
the same seed, initial weights, data order, dropout masks and Adam settings.

Measured bound (benchmarks/browser_training.py, recorded in
benchmarks/results/browser_training.json): the per-step losses of the first
100 steps differ by at most 3e-5 over three seeds, with and without dropout;
the test allows 1e-3. Validation accuracy after 300 steps: within 1 point.
"""

from __future__ import annotations

import numpy as np
import pytest
from trainer_helpers import as_lists, js_weights

from cnn_tutorial import browser_training as bt

CURVE_TOLERANCE = 1e-3

JS_TRAIN = """async ([seed, steps, batch, dropout, init]) => {
  const d = await window.subset;
  const t = new net.Trainer({images: d.trainImages, labels: d.trainLabels, seed,
    learningRate: 0.001, dropout, weights: init && Object.fromEntries(
      Object.entries(init).map(([k, v]) => [k, Float32Array.from(v)]))});
  const losses = [];
  for (let s = 0; s < steps; s++) losses.push(t.step(batch).loss);
  return {losses, accuracy: net.accuracy(t.weights, d.valImages, d.valLabels)};
}"""


def test_browser_init_is_pythons(net_page):
    """Python's init_weights draws the browser's values (the same hash, Box-Muller)."""
    for seed, init in [(0, "he"), (12345, "glorot"), (2**32 - 1, "lecture")]:
        js = js_weights(net_page, seed, init)
        py = bt.init_weights(seed, init)
        for name in py:
            np.testing.assert_allclose(js[name], py[name], rtol=1e-6, atol=1e-7)


def test_browser_order_and_dropout_are_pythons(net_page):
    order = net_page.evaluate("""() => { const o = new net.Order(9, 50);
        return [...o.next(30), ...o.next(40)]; }""")
    assert order == bt.batch_indices(9, 50, 0, 70).tolist()
    scales = net_page.evaluate("""() => Array.from({length: 2 * net.FLAT},
        (_, i) => net.dropoutScale(5, 64 + Math.floor(i / net.FLAT), i % net.FLAT, 0.25))""")
    np.testing.assert_array_equal(np.float32(scales), bt.dropout_scales(5, 64, 2, 0.25).ravel())


@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_loss_curves_agree_over_100_steps(net_page, subset, dropout):
    x_train, y_train, _, _ = subset
    init = js_weights(net_page, 0, "he")
    js = net_page.evaluate(JS_TRAIN, [0, 100, 32, dropout, as_lists(init)])
    ref = bt.train_reference(init, x_train, y_train, 100, batch_size=32, seed=0, dropout=dropout)
    diff = np.abs(np.asarray(js["losses"]) - np.asarray(ref.losses))
    assert diff.max() < CURVE_TOLERANCE, (diff.max(), diff.argmax())
    assert ref.losses[-1] < 0.6 * ref.losses[0]  # it trained: the comparison means something


def test_different_seeds_give_different_curves(net_page, subset):
    """The curve comparison can fail: another seed's data order is far outside it."""
    x_train, y_train, _, _ = subset
    init = js_weights(net_page, 0, "he")
    js = net_page.evaluate(JS_TRAIN, [1, 20, 32, 0.0, as_lists(init)])
    ref = bt.train_reference(init, x_train, y_train, 20, batch_size=32, seed=0)
    assert np.abs(np.asarray(js["losses"]) - np.asarray(ref.losses)).max() > 100 * CURVE_TOLERANCE


@pytest.mark.slow
def test_validation_accuracy_agrees_after_300_steps(net_page, subset):
    x_train, y_train, x_val, y_val = subset
    init = js_weights(net_page, 0, "he")
    js = net_page.evaluate(JS_TRAIN, [0, 300, 32, 0.0, as_lists(init)])
    ref = bt.train_reference(init, x_train, y_train, 300, batch_size=32, seed=0,
                             validation=(x_val, y_val))
    assert ref.val_accuracy[300] > 0.85
    assert abs(js["accuracy"] - ref.val_accuracy[300]) <= 0.01
