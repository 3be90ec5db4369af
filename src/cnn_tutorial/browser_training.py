"""The small convnet that the reader trains in the browser, computed with TensorFlow.

The chapter "Train it in your browser" (train-in-browser.md) trains this
network live in a Web Worker (``docs/assets/trainer/net.js``, hand-written
loops). This module is the same network in TensorFlow, so that every number
the page shows can be checked against ``tf.GradientTape``:

* the network (``VARIABLES``): conv1 5 x 5 x 8
  ``SAME`` + ReLU, 2 x 2 max
  pool, conv2 5 x 5 x 16 ``SAME`` + ReLU, 2 x 2 max pool, flatten, dropout,
  dense 10: the lecture's ``ConvNet`` with a quarter of its kernels and no
  1,024-unit layer (11,274 weights instead of 3.3 million);
* the random numbers both sides share: [`hash32`][cnn_tutorial.browser_training.hash32] (a
  counter-based hash,
  no state), from which [`init_weights`][cnn_tutorial.browser_training.init_weights],
  [`batch_indices`][cnn_tutorial.browser_training.batch_indices] and
  [`dropout_scales`][cnn_tutorial.browser_training.dropout_scales] draw the initial values, the
  data order and the
  dropout masks;
* [`loss_and_gradients`][cnn_tutorial.browser_training.loss_and_gradients] (one batch,
  ``tf.GradientTape``) and
  [`train_reference`][cnn_tutorial.browser_training.train_reference] (Adam, the same steps the
  browser takes);
* [`export_subset`][cnn_tutorial.browser_training.export_subset] /
  [`read_subset`][cnn_tutorial.browser_training.read_subset]: the training and validation
  images the build ships to the page, packed as bytes and gzipped.

Examples:
    >>> weights = init_weights(seed=1)
    >>> [(name, value.shape) for name, value in weights.items()][:2]
    [('conv1/kernel', (5, 5, 1, 8)), ('conv1/biases', (8,))]
    >>> sum(v.size for v in weights.values())
    11274
"""

from __future__ import annotations

import gzip
import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnn_tutorial._validation import check_choice, check_int

__all__ = [
    "INITIALIZERS", "SUBSET_FILE", "VARIABLES", "ReferenceRun", "batch_indices",
    "dropout_scales", "export_subset", "forward", "hash32", "init_weights",
    "loss_and_gradients", "read_subset", "train_reference",
]

#: Initialisers, as in [`cnn_tutorial.layers`][cnn_tutorial.layers].
INITIALIZERS = ("he", "glorot", "lecture")
#: ``(name, shape, fan_in, fan_out, role)`` of each variable, in order (its stream number).
VARIABLES = (
    ("conv1/kernel", (5, 5, 1, 8), 25, 200, "kernel"),
    ("conv1/biases", (8,), 25, 200, "conv_bias"),
    ("conv2/kernel", (5, 5, 8, 16), 200, 400, "kernel"),
    ("conv2/biases", (16,), 200, 400, "conv_bias"),
    ("fc/weights", (784, 10), 784, 10, "kernel"),
    ("fc/biases", (10,), 784, 10, "dense_bias"),
)
#: File name of the exported subset (gzip; the widget fetches it beside its scripts).
SUBSET_FILE = "mnist-subset.bin"
_MAGIC = b"CNNTMNST"
_FLAT = 7 * 7 * 16
_ORDER_STREAM = 100
_DROPOUT_STREAM = 200
_TRUNCATED_STDDEV = 0.87962566103423978  # unit normal truncated at ±2 (cnn_tutorial.layers)


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x7FEB352D)
    h = h ^ (h >> np.uint32(15))
    h = h * np.uint32(0x846CA68B)
    return h ^ (h >> np.uint32(16))


def hash32(seed: int, stream: int, counters: Any) -> np.ndarray:
    """The shared random numbers: a uint32 for each counter, from ``seed`` and ``stream``.

    The same function as ``hash32`` of ``docs/assets/trainer/net.js``; no state,
    so any element can be drawn on its own (vectorised here, one by one there).

    Args:
        seed: The run's seed, 0 to 2**32 - 1.
        stream: Which quantity (a variable's number, the data order, dropout).
        counters: Non-negative ints (any shape), each below 2**32.

    Returns:
        A uint32 array of the counters' shape.

    Examples:
        >>> hash32(0, 0, [0, 1, 2]).tolist()
        [3904035322, 3550203788, 3136959038]
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    stream = check_int("stream", stream, minimum=0, maximum=2**32 - 1)
    c = np.asarray(counters, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(np.array([(seed + stream * 0x9E3779B9) % 2**32], dtype=np.uint32))
        inner = _mix(((c + 0x6A09E667) % 2**32).astype(np.uint32))
        return _mix(key ^ inner)


def _uniform(seed: int, stream: int, counters: Any) -> np.ndarray:
    return (hash32(seed, stream, counters) >> np.uint32(8)).astype(np.float64) / 2**24


def _normal(seed: int, stream: int, counters: np.ndarray) -> np.ndarray:
    c = np.asarray(counters, dtype=np.uint64)
    u1 = ((hash32(seed, stream, 2 * c) >> np.uint32(8)).astype(np.float64) + 1) / 2**24
    u2 = _uniform(seed, stream, 2 * c + 1)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * math.pi * u2)


def init_weights(seed: int = 0, initializer: str = "he") -> dict[str, np.ndarray]:
    """Initial float32 weights of the network, the same values the browser draws.

    The initialisers are those of [`cnn_tutorial.layers`][cnn_tutorial.layers]
    (He's truncated normal, Glorot's uniform, the lecture's truncated normal of
    standard deviation 1 with standard normal convolution biases), drawn from
    [`hash32`][cnn_tutorial.browser_training.hash32] with Box-Muller instead of TensorFlow's
    generator.

    Args:
        seed: 0 to 2**32 - 1.
        initializer: ``"he"``, ``"glorot"`` or ``"lecture"``.

    Returns:
        ``{name: array}`` in the order of ``VARIABLES``.

    Examples:
        >>> w = init_weights(seed=3, initializer="lecture")
        >>> round(float(w["fc/weights"].std()), 1), float(abs(w["fc/weights"]).max()) <= 2
        (0.9, True)
        >>> round(float(init_weights(3)["fc/weights"].std() * math.sqrt(784 / 2)), 1)
        1.0
    """
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    check_choice("initializer", initializer, INITIALIZERS)
    weights: dict[str, np.ndarray] = {}
    for stream, (name, shape, fan_in, fan_out, role) in enumerate(VARIABLES):
        n = int(np.prod(shape))
        value = np.zeros(n)
        if role == "kernel" and initializer in ("he", "lecture"):
            stddev = 1.0 if initializer == "lecture" else math.sqrt(2 / fan_in) / _TRUNCATED_STDDEV
            z = np.full(n, np.inf)
            attempt = 0
            while (todo := np.flatnonzero(np.abs(z) > 2)).size:
                z[todo] = _normal(seed, stream, attempt * n + todo)
                attempt += 1
            value = z * stddev
        elif role == "kernel":
            limit = math.sqrt(6 / (fan_in + fan_out))
            value = (2 * _uniform(seed, stream, np.arange(n)) - 1) * limit
        elif role == "conv_bias" and initializer == "lecture":
            value = _normal(seed, stream, np.arange(n))
        weights[name] = value.astype(np.float32).reshape(shape)
    return weights


def batch_indices(seed: int, n: int, start: int, size: int) -> np.ndarray:
    """Indices of the training images of one batch: positions ``start`` to ``start + size``
    of the endless sequence of per-epoch permutations of ``range(n)`` (Fisher-Yates).

    Examples:
        >>> order = batch_indices(0, 5, 0, 10)
        >>> sorted(order[:5].tolist()) == list(range(5)) == sorted(order[5:].tolist())
        True
    """
    n = check_int("n", n)
    start = check_int("start", start, minimum=0)
    size = check_int("size", size)
    first, last = start // n, (start + size - 1) // n
    epochs = np.concatenate([_permutation(seed, n, e) for e in range(first, last + 1)])
    offset = start - first * n
    return epochs[offset:offset + size]


def _permutation(seed: int, n: int, epoch: int) -> np.ndarray:
    order = np.arange(n)
    draws = hash32(seed, _ORDER_STREAM + epoch, np.arange(n))
    for i in range(n - 1, 0, -1):
        j = int(draws[i]) % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def dropout_scales(seed: int, first_image: int, batch: int, rate: float) -> np.ndarray:
    """Dropout's factors for ``batch`` images, the first being image ``first_image`` of the
    run: ``batch x 784`` float32 of ``0`` (dropped) or ``1 / (1 - rate)`` (kept).

    Examples:
        >>> s = dropout_scales(0, 0, 100, 0.25)
        >>> sorted(set(s.ravel().tolist())) == [0.0, np.float32(1 / 0.75)]
        True
        >>> round(float((s == 0).mean()), 2)
        0.25
    """
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}")
    counters = first_image * _FLAT + np.arange(batch * _FLAT)
    keep = _uniform(seed, _DROPOUT_STREAM, counters) >= rate
    return np.where(keep, 1 / (1 - rate), 0).astype(np.float32).reshape(batch, _FLAT)


def _tensors(weights: dict[str, Any]) -> dict[str, Any]:
    import tensorflow as tf

    missing = [name for name, *_ in VARIABLES if name not in weights]
    if missing:
        raise ValueError(f"weights must hold {[n for n, *_ in VARIABLES]}, missing {missing}")
    out = {}
    for name, shape, *_ in VARIABLES:
        value = weights[name]
        if tuple(value.shape) != shape:
            raise ValueError(f"weights[{name!r}] must have shape {shape}, "
                             f"got {tuple(value.shape)}")
        out[name] = value if isinstance(value, tf.Variable) else tf.constant(value, tf.float32)
    return out


def _as_images(images: Any):
    import tensorflow as tf

    if isinstance(images, tf.Tensor):  # already float in [0, 1] (inside tf.function)
        return tf.reshape(tf.cast(images, tf.float32), (-1, 28, 28, 1))
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"images must be N x 28 x 28, got shape {images.shape}")
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / np.float32(255)
    return tf.constant(images.reshape(-1, 28, 28, 1), tf.float32)


def forward(weights: dict[str, Any], images: Any, scales: Any = None):
    """Logits of the network for ``images`` (``N x 28 x 28``, uint8 or floats in [0, 1]).

    ``scales``: dropout's factors
    ([`dropout_scales`][cnn_tutorial.browser_training.dropout_scales]), or ``None`` (no dropout).

    Examples:
        >>> forward(init_weights(0), np.zeros((2, 28, 28), np.uint8)).shape
        TensorShape([2, 10])
    """
    import tensorflow as tf

    w = _tensors(weights)
    x = _as_images(images)
    x = tf.nn.relu(tf.nn.conv2d(x, w["conv1/kernel"], 1, "SAME") + w["conv1/biases"])
    x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    x = tf.nn.relu(tf.nn.conv2d(x, w["conv2/kernel"], 1, "SAME") + w["conv2/biases"])
    x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    x = tf.reshape(x, (-1, _FLAT))
    if scales is not None:
        x = x * tf.constant(scales, tf.float32)
    return tf.matmul(x, w["fc/weights"]) + w["fc/biases"]


def loss_and_gradients(weights: dict[str, Any], images: Any, labels: Any,
                       scales: Any = None) -> tuple[float, dict[str, np.ndarray]]:
    """Mean softmax cross-entropy of one batch and its gradients (``tf.GradientTape``).

    Examples:
        >>> loss, grads = loss_and_gradients(init_weights(0), np.zeros((1, 28, 28), np.uint8), [3])
        >>> round(loss, 4) == round(math.log(10), 4), grads["fc/weights"].shape
        (True, (784, 10))
    """
    import tensorflow as tf

    labels = np.asarray(labels)
    if labels.shape != (len(np.asarray(images)),):
        raise ValueError(f"labels must have one int per image, got shape {labels.shape}")
    w = {name: tf.Variable(value) for name, value in _tensors(weights).items()}
    with tf.GradientTape() as tape:
        logits = forward(w, images, scales)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant(labels, tf.int32), logits=logits))
    grads = tape.gradient(loss, [w[name] for name, *_ in VARIABLES])
    return float(loss), {name: g.numpy() for (name, *_), g in zip(VARIABLES, grads)}


@dataclass
class ReferenceRun:
    """What [`train_reference`][cnn_tutorial.browser_training.train_reference] returns.

    Attributes:
        losses: The loss of each step's batch (before that step's update).
        val_accuracy: ``{step: accuracy}`` on the validation images.
        weights: The weights after the last step.
    """

    losses: list[float] = field(default_factory=list)
    val_accuracy: dict[int, float] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def train_reference(weights: dict[str, np.ndarray], images: np.ndarray, labels: np.ndarray,
                    steps: int, *, batch_size: int = 32, learning_rate: float = 0.001,
                    seed: int = 0, dropout: float = 0.0, validation: tuple | None = None,
                    eval_every: int | None = None) -> ReferenceRun:
    """Train from ``weights`` with Keras' Adam as the browser does: same batches
    ([`batch_indices`][cnn_tutorial.browser_training.batch_indices]), same dropout masks
    ([`dropout_scales`][cnn_tutorial.browser_training.dropout_scales]).

    Args:
        weights: Initial weights
            ([`init_weights`][cnn_tutorial.browser_training.init_weights], or the browser's).
        images: Training images, ``N x 28 x 28`` uint8.
        labels: Their labels.
        steps: Number of Adam steps.
        batch_size: Images per step.
        learning_rate: Adam's learning rate (Keras' other defaults).
        seed: The seed of the data order and of dropout.
        dropout: Dropout rate on the dense layer's input.
        validation: ``(images, labels)`` to evaluate, or ``None``.
        eval_every: Evaluate after every this many steps (and after the last).

    Returns:
        A [`ReferenceRun`][cnn_tutorial.browser_training.ReferenceRun].

    Examples:
        >>> (x, y), _ = _tiny_data()
        >>> run = train_reference(init_weights(0), x, y, steps=3, batch_size=4,
        ...                       validation=(x, y))
        >>> len(run.losses), sorted(run.val_accuracy)
        (3, [3])
    """
    import keras
    import tensorflow as tf

    steps = check_int("steps", steps)
    batch_size = check_int("batch_size", batch_size)
    images = np.asarray(images)
    labels = np.asarray(labels)
    w = {name: tf.Variable(value) for name, value in _tensors(weights).items()}
    variables = [w[name] for name, *_ in VARIABLES]
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    run = ReferenceRun()
    for step in range(steps):
        idx = batch_indices(seed, len(labels), step * batch_size, batch_size)
        scales = dropout_scales(seed, step * batch_size, batch_size, dropout) if dropout else None
        with tf.GradientTape() as tape:
            logits = forward(w, images[idx], scales)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.constant(labels[idx], tf.int32), logits=logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        run.losses.append(float(loss))
        done = step + 1
        if validation is not None and (done == steps or (eval_every and done % eval_every == 0)):
            x_val, y_val = validation
            predicted = np.concatenate([forward(w, x_val[i:i + 500]).numpy().argmax(1)
                                        for i in range(0, len(y_val), 500)])
            run.val_accuracy[done] = float((predicted == np.asarray(y_val)).mean())
    run.weights = {name: v.numpy() for name, v in w.items()}
    return run


def _tiny_data():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (8, 28, 28)).astype(np.uint8)
    return (x, np.arange(8) % 10), None


def export_subset(folder: str | os.PathLike, n_train: int = 4000, n_val: int = 1000,
                  mnist: tuple | None = None) -> Path:
    """Write the widget's images: the first ``n_train`` MNIST training images and the
    ``n_val`` after them (the validation set, held out from training), packed as bytes.

    Layout before gzip: ``CNNTMNST``, ``n_train`` and ``n_val`` (uint32, little
    endian), the labels (one byte each), the images (784 bytes each, row-major).
    The gzip header carries no time stamp, so the file depends on the data only.

    Args:
        folder: Where to write
            ``SUBSET_FILE`` (created if needed).
        n_train: Training images, 1 to 60,000.
        n_val: Validation images, 1 to ``60,000 - n_train``.
        mnist: What [`load_mnist`][cnn_tutorial.data.load_mnist] returns (loaded when ``None``).

    Returns:
        The file's path.

    Examples:
        >>> import tempfile
        >>> x = np.zeros((3, 28, 28), np.uint8)
        >>> path = export_subset(tempfile.mkdtemp(), 2, 1, mnist=((x, [1, 2, 3]), (x, [4, 5, 6])))
        >>> [a.shape for a in read_subset(path)]
        [(2, 28, 28), (2,), (1, 28, 28), (1,)]
    """
    n_train = check_int("n_train", n_train, maximum=60_000)
    n_val = check_int("n_val", n_val, maximum=60_000)
    if mnist is None:
        from cnn_tutorial.data import load_mnist

        mnist = load_mnist()
    (x_train, y_train), _ = mnist
    if len(x_train) < n_train + n_val:
        raise ValueError(f"n_train + n_val must not exceed the {len(x_train)} training images, "
                         f"got {n_train} + {n_val}")
    end = n_train + n_val
    raw = b"".join([
        _MAGIC, struct.pack("<II", n_train, n_val),
        np.asarray(y_train[:n_train], np.uint8).tobytes(),
        np.asarray(y_train[n_train:end], np.uint8).tobytes(),
        np.ascontiguousarray(x_train[:n_train], np.uint8).tobytes(),
        np.ascontiguousarray(x_train[n_train:end], np.uint8).tobytes(),
    ])
    path = Path(folder) / SUBSET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(raw, compresslevel=9, mtime=0)
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def read_subset(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read a file of [`export_subset`][cnn_tutorial.browser_training.export_subset]:
    ``(x_train, y_train, x_val, y_val)``, uint8.

    Examples:
        >>> read_subset("no-such-file")
        Traceback (most recent call last):
        ...
        FileNotFoundError: path must be a subset written by export_subset, no file at no-such-file
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"path must be a subset written by export_subset, no file at {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:8] != _MAGIC:
        raise ValueError(f"path must be a subset written by export_subset, {path} is not")
    n_train, n_val = struct.unpack("<II", raw[8:16])
    n = n_train + n_val
    labels = np.frombuffer(raw, np.uint8, n, 16)
    images = np.frombuffer(raw, np.uint8, n * 784, 16 + n).reshape(n, 28, 28)
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]
