"""The browser's forward and backward passes (docs/assets/trainer/net.js) equal
TensorFlow's: same weights, same batch -> the loss and every gradient within
1e-4 relative of ``tf.GradientTape`` (cnn_tutorial.browser_training), on
MNIST batches, batches that exercise SAME padding and max-pool ties, the
lecture's initialiser, and dropout.

Relative difference of a tensor: ``max |js - tf| / max |tf|`` (an element-wise
ratio is meaningless where a gradient is 0 or nearly so).
"""

from __future__ import annotations

import numpy as np
import pytest
from trainer_helpers import as_lists

from cnn_tutorial import browser_training as bt

TOLERANCE = 1e-4


def relative(js: np.ndarray, tf: np.ndarray) -> float:
    return float(np.abs(js - tf).max() / max(np.abs(tf).max(), 1e-30))


def compare(page, weights, images, labels, scales=None) -> dict[str, float]:
    """Relative differences of the loss and of each gradient, JS against TF."""
    images = np.asarray(images)
    pixels = (images.astype(np.float32) / np.float32(255) if images.dtype == np.uint8
              else images.astype(np.float32))
    js = page.evaluate("([w, x, y, s]) => grads(w, x, y, s)",
                       [as_lists(weights), pixels.ravel().tolist(), [int(v) for v in labels],
                        None if scales is None else scales.ravel().tolist()])
    loss, grads = bt.loss_and_gradients(weights, pixels, labels, scales)
    out = {"loss": abs(js["loss"] - loss) / abs(loss)}
    for name, shape, *_ in bt.VARIABLES:
        out[name] = relative(np.asarray(js["grads"][name], np.float32).reshape(shape), grads[name])
    return out


def tie_weights() -> dict[str, np.ndarray]:
    """He weights whose conv1 kernels are left-right symmetric multiples of 1/64 (see
    ``tie_images``): with pixels in quarters every conv1 sum is exact in float32, in any
    order, so mirrored positions tie exactly in TensorFlow and in the browser alike."""
    w = bt.init_weights(5)
    k = w["conv1/kernel"]
    k = np.round((k + k[:, ::-1]) / 2 * 64) / 64
    return {**w, "conv1/kernel": k.astype(np.float32)}


def tie_images() -> np.ndarray:
    """Images whose pooling windows tie: constant regions give equal conv outputs in every
    2x2 window (conv1 and conv2); strokes along the border need SAME's zero padding; and
    images mirror-symmetric about the line between columns 12 and 13 give conv1 (with
    symmetric kernels, ``tie_weights``) equal outputs in columns 12 and 13, one pooling
    window, from different inputs: there the choice of the maximum changes the gradient."""
    images = np.zeros((8, 28, 28), np.float32)
    images[0] = 1.0                       # constant: ties everywhere inside
    images[1, :14] = 0.5                  # upper half constant
    images[2, :, ::2] = 1.0               # stripes: equal values two columns apart
    images[3, 0, :] = images[3, -1, :] = images[3, :, 0] = images[3, :, -1] = 1.0  # the border
    images[4, 8:20, 8:20] = 0.75          # a square
    images[5] = np.kron(np.arange(196).reshape(14, 14) % 3, np.ones((2, 2))) / 2  # 2x2 blocks
    half = np.random.default_rng(0).integers(0, 5, (2, 28, 13)).astype(np.float32) / 4
    images[6:, :, :13] = half
    images[6:, :, 13:26] = half[:, :, ::-1]
    return images


def test_ties_really_tie():
    """The tie batch does what it claims: TF's pool inputs hold repeated maxima."""
    import tensorflow as tf

    w = tie_weights()
    x = tf.constant(tie_images()[..., None])
    z = tf.nn.relu(tf.nn.conv2d(x, w["conv1/kernel"], 1, "SAME") + w["conv1/biases"]).numpy()
    windows = z.reshape(8, 14, 2, 14, 2, 8).transpose(0, 1, 3, 5, 2, 4).reshape(-1, 4)
    top = windows.max(1)
    ties = ((windows == top[:, None]).sum(1) > 1) & (top > 0)
    assert ties.sum() > 1000
    assert ties.reshape(8, 14, 14, 8)[6:, :, 6].sum() > 50  # the symmetric images' column


@pytest.mark.parametrize("case", ["mnist-he", "mnist-glorot", "lecture", "ties", "dropout"])
def test_gradients_equal_tensorflow(net_page, subset, case):
    x_train, y_train, _, _ = subset
    scales = None
    if case == "mnist-he":
        weights, images, labels = bt.init_weights(1), x_train[:32], y_train[:32]
    elif case == "mnist-glorot":
        weights, images, labels = bt.init_weights(2, "glorot"), x_train[100:116], y_train[100:116]
    elif case == "lecture":
        weights, images, labels = bt.init_weights(3, "lecture"), x_train[200:208], y_train[200:208]
    elif case == "ties":
        weights, images, labels = tie_weights(), tie_images(), np.arange(8)
    else:
        weights, images, labels = bt.init_weights(6), x_train[300:332], y_train[300:332]
        scales = bt.dropout_scales(6, 300, 32, 0.5)
    diffs = compare(net_page, weights, images, labels, scales)
    print(case, {k: f"{v:.2e}" for k, v in diffs.items()})
    assert max(diffs.values()) < TOLERANCE, diffs


def test_gradients_after_training(net_page, subset):
    """Trained weights (positive biases, fewer dead units) as well as initial ones."""
    x_train, y_train, _, _ = subset
    run = bt.train_reference(bt.init_weights(7), x_train, y_train, steps=30, batch_size=32, seed=7)
    diffs = compare(net_page, run.weights, x_train[500:532], y_train[500:532])
    assert max(diffs.values()) < TOLERANCE, diffs


def mirrored(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same network for left-right mirrored images."""
    fc = weights["fc/weights"].reshape(7, 7, 16, 10)[:, ::-1].reshape(784, 10)
    return {**weights, "conv1/kernel": weights["conv1/kernel"][:, ::-1],
            "conv2/kernel": weights["conv2/kernel"][:, ::-1], "fc/weights": fc}


def test_the_tie_rule_matters(net_page):
    """The tie batch can fail the comparison: run the browser on the mirrored problem
    (same loss, but each pooling tie now goes to the *last* maximum of its row) and its
    conv1 gradient, mirrored back, is far outside the tolerance."""
    weights = tie_weights()
    images = tie_images()
    js = net_page.evaluate("([w, x, y]) => grads(w, x, y, null)",
                           [as_lists(mirrored(weights)), images[:, :, ::-1].ravel().tolist(),
                            list(range(8))])
    loss, tf_grads = bt.loss_and_gradients(weights, images, np.arange(8))
    assert abs(js["loss"] - loss) / loss < TOLERANCE
    js_k1 = np.asarray(js["grads"]["conv1/kernel"], np.float32).reshape(5, 5, 1, 8)[:, ::-1]
    assert relative(js_k1, tf_grads["conv1/kernel"]) > 100 * TOLERANCE
