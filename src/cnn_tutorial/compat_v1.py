"""The lecture's TensorFlow 1 convnet, graph mode and sessions, running on TensorFlow 2.

TensorFlow 2 keeps the TF 1 graph API under ``tf.compat.v1``: variable scopes,
``get_variable``, sessions and the ``tf.train`` optimizers. Everything here
builds its ops inside a fresh ``tf.Graph()`` and runs them in a
``tf.compat.v1.Session`` bound to that graph, so eager execution stays on for
the rest of the program (``tf.compat.v1.disable_eager_execution()`` is never
called: it would switch the whole process to TF 1 behaviour).

What is the lecture's and what was fixed (see the chapter "The lecture's
TensorFlow 1 code", tf1-code.md). "The lecture's code" here is the course
repository's low-level script, ``examples/07_convnet_mnist.py``:

* The layer functions [`conv_relu`][cnn_tutorial.compat_v1.conv_relu],
  [`maxpool`][cnn_tutorial.compat_v1.maxpool] and
  [`fully_connected`][cnn_tutorial.compat_v1.fully_connected] are the script's:
  a ``variable_scope`` with ``reuse=AUTO_REUSE`` and ``get_variable``, so the
  variables are named ``conv1/kernel``, ``conv1/biases``, ... ``fc/weights``,
  and a second call in the same scope would find them again.
* The data, as in the script: one reinitializable iterator
  (``Iterator.from_structure``) with one ``make_initializer`` op for the
  training set and one for the test set, and
  [`inference`][cnn_tutorial.compat_v1.inference] called once on its batches.
* ``tf.layers`` is gone: ``tf.compat.v1.layers`` does not work with Keras 3, so
  only the ``tf.nn`` form of the lecture can run.
* Dropout: ``07_convnet_mnist.py`` applies ``tf.nn.dropout(fc, keep_prob=0.75)``
  in the one graph it trains and tests with, so its test accuracy is measured
  with dropout on. Here dropout is ``tf.nn.dropout(x, rate=dropout_rate)``
  (0.25, i.e. keep 0.75) behind a ``training`` switch made with
  ``placeholder_with_default(False)``: off unless a training step feeds ``True``.
  (The ``tf.layers`` script, ``07_convnet_layers.py``, has the opposite
  problem: its Python flag is ``False`` when the graph is built, so its dropout
  never runs at all.)
* Accuracy: the script's ``accuracy`` op counts the correct predictions of one
  batch; its evaluation adds those counts and divides by the number of test
  images, and only the per-batch TensorBoard summary is a count. Here the op
  is named ``correct_count``, and
  [`train_compat_v1`][cnn_tutorial.compat_v1.train_compat_v1] divides the sum
  over the whole test set by the number of test images, as the script does.
* Initialisers: the script draws kernels and weights from a truncated normal
  with standard deviation 1 and conv biases from a standard normal;
  ``initializer="lecture"`` keeps that. The default, ``"he"``, is what the TF 2
  package uses ([`cnn_tutorial.layers`][cnn_tutorial.layers]): He for the conv and fc layers,
  Glorot for the linear logits layer, zero biases.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from typing import Any

import numpy as np
import tensorflow as tf

from cnn_tutorial._validation import (
    check_choice,
    check_images_and_labels,
    check_int,
    check_padding,
    check_rate,
)
from cnn_tutorial.layers import INITIALIZERS, layer_initializer  # shared with TF 2

__all__ = [
    "CompatV1Graph", "CompatV1Result", "INITIALIZERS", "build_graph", "conv_relu",
    "fully_connected", "inference", "maxpool", "train_compat_v1",
]

v1 = tf.compat.v1


def _require_graph_mode(function: str) -> None:
    if tf.executing_eagerly():
        raise RuntimeError(
            f"{function}() builds TensorFlow 1 graph ops: call it inside "
            "`with tf.Graph().as_default():` (eager execution has no variable scopes)")


@contextlib.contextmanager
def _quiet_tensorflow_log():
    """Mute TensorFlow's Python log for a moment.

    ``Iterator.make_initializer`` reads the iterator's own deprecated
    ``output_classes`` property, so TensorFlow logs a deprecation notice
    about its own code, not about the caller's.
    """
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_tensor(name: str, value: Any, rank: int, what: str) -> tf.Tensor:
    if not tf.is_tensor(value):
        raise TypeError(f"{name} must be a graph tensor ({what}), got {type(value).__name__}")
    if value.shape.rank != rank:
        raise ValueError(f"{name} must have rank {rank} ({what}), got shape {value.shape}")
    if value.shape[-1] is None:
        raise ValueError(f"{name} must have a known last axis ({what}), got shape {value.shape}")
    return value


def _kernel_initializer(initializer: str):
    if initializer == "he":
        return v1.variance_scaling_initializer(2.0, "fan_in", "truncated_normal")
    if initializer == "glorot":
        return v1.glorot_uniform_initializer()
    return v1.truncated_normal_initializer(stddev=1.0)


def conv_relu(inputs: tf.Tensor, filters: int, k_size: int, stride: int, padding: str,
              scope_name: str, initializer: str = "he") -> tf.Tensor:
    """The lecture's convolution + ReLU in TF 1 form (variable scope, ``get_variable``).

    Creates (or, inside the same scope, reuses) ``<scope_name>/kernel`` of
    shape ``k_size x k_size x in_channels x filters`` and
    ``<scope_name>/biases``. Must be called while a ``tf.Graph`` is the
    default graph. See the chapter "The lecture's TensorFlow 1 code"
    (tf1-code.md).

    Args:
        inputs: A rank-4 ``N x H x W x C`` graph tensor.
        filters: Number of output channels (>= 1).
        k_size: Side of the square kernel (>= 1).
        stride: Step of the window (>= 1).
        padding: ``"SAME"`` or ``"VALID"``.
        scope_name: Variable scope, e.g. ``"conv1"``.
        initializer: ``"he"`` (default), ``"glorot"`` or ``"lecture"``
            (kernels truncated normal with stddev 1, biases standard normal).

    Returns:
        The ``relu(conv2d(inputs, kernel) + biases)`` tensor.

    Examples:
        >>> with tf.Graph().as_default():
        ...     images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 1])
        ...     out = conv_relu(images, 32, 5, 1, "SAME", "conv1")
        ...     again = conv_relu(images, 32, 5, 1, "SAME", "conv1")  # AUTO_REUSE
        ...     print(out.shape, [v.name for v in tf.compat.v1.global_variables()])
        (None, 28, 28, 32) ['conv1/kernel:0', 'conv1/biases:0']
    """
    _require_graph_mode("conv_relu")
    filters = check_int("filters", filters)
    k_size = check_int("k_size", k_size)
    stride = check_int("stride", stride)
    padding = check_padding("padding", padding)
    check_choice("initializer", initializer, INITIALIZERS)
    inputs = _check_tensor("inputs", inputs, 4, "N x H x W x C")
    with v1.variable_scope(scope_name, reuse=v1.AUTO_REUSE) as scope:
        in_channels = inputs.shape[-1]
        kernel = v1.get_variable("kernel", [k_size, k_size, in_channels, filters],
                                 initializer=_kernel_initializer(initializer))
        biases = v1.get_variable(
            "biases", [filters],
            initializer=(v1.random_normal_initializer() if initializer == "lecture"
                         else v1.zeros_initializer()))
        conv = tf.nn.conv2d(inputs, kernel, strides=[1, stride, stride, 1], padding=padding)
    return tf.nn.relu(conv + biases, name=scope.name)


def maxpool(inputs: tf.Tensor, ksize: int, stride: int, padding: str = "VALID",
            scope_name: str = "pool") -> tf.Tensor:
    """The lecture's max pooling in TF 1 form (a name scope, no variables).

    Examples:
        >>> with tf.Graph().as_default():
        ...     images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 32])
        ...     print(maxpool(images, 2, 2, "VALID", "pool1").shape)
        (None, 14, 14, 32)
    """
    _require_graph_mode("maxpool")
    ksize = check_int("ksize", ksize)
    stride = check_int("stride", stride)
    padding = check_padding("padding", padding)
    inputs = _check_tensor("inputs", inputs, 4, "N x H x W x C")
    with v1.variable_scope(scope_name, reuse=v1.AUTO_REUSE):
        return tf.nn.max_pool2d(inputs, ksize=[1, ksize, ksize, 1],
                                strides=[1, stride, stride, 1], padding=padding)


def fully_connected(inputs: tf.Tensor, out_dim: int, scope_name: str = "fc",
                    initializer: str = "he") -> tf.Tensor:
    """The lecture's linear layer in TF 1 form: ``inputs @ weights + biases``.

    Creates (or reuses) ``<scope_name>/weights`` (``in_dim x out_dim``) and
    ``<scope_name>/biases`` (zeros, as in the lecture).

    Examples:
        >>> with tf.Graph().as_default():
        ...     features = tf.compat.v1.placeholder(tf.float32, [None, 3136])
        ...     print(fully_connected(features, 1024, "fc").shape)
        ...     print([v.name for v in tf.compat.v1.trainable_variables()])
        (None, 1024)
        ['fc/weights:0', 'fc/biases:0']
    """
    _require_graph_mode("fully_connected")
    out_dim = check_int("out_dim", out_dim)
    check_choice("initializer", initializer, INITIALIZERS)
    inputs = _check_tensor("inputs", inputs, 2, "N x features; flatten images first")
    with v1.variable_scope(scope_name, reuse=v1.AUTO_REUSE):
        in_dim = inputs.shape[-1]
        weights = v1.get_variable("weights", [in_dim, out_dim],
                                  initializer=_kernel_initializer(initializer))
        biases = v1.get_variable("biases", [out_dim], initializer=v1.zeros_initializer())
        return tf.matmul(inputs, weights) + biases


def inference(images: tf.Tensor, training: Any, n_classes: int = 10,
              dropout_rate: float = 0.25, initializer: str = "he") -> tf.Tensor:
    """The lecture's network in TF 1 form: logits for ``N x 28 x 28 x 1`` images.

    conv1 (5x5x32, ReLU) -> pool1 -> conv2 (5x5x64, ReLU) -> pool2 -> flatten
    3136 -> fc 1024 + ReLU -> dropout -> logits. Calling it again in the same
    graph reuses the same variables (``AUTO_REUSE``).

    Args:
        images: ``N x 28 x 28 x 1`` float32 graph tensor.
        training: A scalar bool tensor (e.g. from ``placeholder_with_default``)
            or a Python bool: whether dropout is applied.
        n_classes: Number of logits.
        dropout_rate: Fraction dropped while training (the lecture's keep
            probability 0.75 is a rate of 0.25).
        initializer: ``"he"``, ``"glorot"`` or ``"lecture"``.

    Returns:
        ``N x n_classes`` logits.

    Examples:
        >>> with tf.Graph().as_default():
        ...     images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28, 1])
        ...     logits = inference(images, training=False)
        ...     print(logits.shape, len(tf.compat.v1.trainable_variables()))
        (None, 10) 8
    """
    _require_graph_mode("inference")
    n_classes = check_int("n_classes", n_classes)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    check_choice("initializer", initializer, INITIALIZERS)
    images = _check_tensor("images", images, 4, "N x 28 x 28 x 1")
    if tuple(images.shape[1:]) != (28, 28, 1):
        raise ValueError(f"images must be N x 28 x 28 x 1, got shape {images.shape}")
    relu_init = layer_initializer(initializer, "relu")
    # The lecture's numbers, kept literal to read like its script; a test holds
    # them against cnn_tutorial.arithmetic.LECTURE_NETWORK.
    conv1 = conv_relu(images, 32, 5, 1, "SAME", "conv1", relu_init)
    pool1 = maxpool(conv1, 2, 2, "VALID", "pool1")
    conv2 = conv_relu(pool1, 64, 5, 1, "SAME", "conv2", relu_init)
    pool2 = maxpool(conv2, 2, 2, "VALID", "pool2")
    feature_dim = pool2.shape[1] * pool2.shape[2] * pool2.shape[3]
    flat = tf.reshape(pool2, [-1, feature_dim])
    fc = tf.nn.relu(fully_connected(flat, 1024, "fc", relu_init))
    if dropout_rate > 0:
        if isinstance(training, (bool, np.bool_)):
            fc = tf.nn.dropout(fc, rate=dropout_rate) if training else fc
        else:
            fc = tf.cond(training, lambda: tf.nn.dropout(fc, rate=dropout_rate),
                         lambda: fc, name="dropout")
    return fully_connected(fc, n_classes, "logits", layer_initializer(initializer, None))


@dataclasses.dataclass
class CompatV1Graph:
    """Handles to the ops of [`build_graph`][cnn_tutorial.compat_v1.build_graph]'s graph.

    One iterator feeds the one network: after ``train_init`` its batches come
    from the training set, after ``test_init`` from the test set (one pass).

    Attributes:
        graph: The ``tf.Graph`` holding everything.
        training: ``placeholder_with_default(False)``: feed ``True`` to train.
        train_init: Op that points the iterator at the (repeating, shuffled)
            training set.
        test_init: Op that points the iterator at the test set (one pass).
        loss: Mean softmax cross entropy of the current batch.
        train_op: One Adam step (also increments ``global_step``).
        global_step: The step counter variable.
        correct_count: Number of correct predictions in the current batch (a
            count, like the lecture's ``accuracy`` op).
        logits: Logits of the current batch (dropout off unless ``training``
            is fed ``True``).
        init: Op that initialises every variable.
        summary: Merged ``loss`` scalar summary.
        n_test: Number of test images (to turn counts into a fraction).
    """

    graph: tf.Graph
    training: tf.Tensor
    train_init: tf.Operation
    test_init: tf.Operation
    loss: tf.Tensor
    train_op: tf.Operation
    global_step: Any
    correct_count: tf.Tensor
    logits: tf.Tensor
    init: tf.Operation
    summary: tf.Tensor
    n_test: int

    @property
    def test_logits(self) -> tf.Tensor:
        """The same tensor as ``logits`` (the name of older versions, which built two)."""
        return self.logits

    @property
    def variable_names(self) -> list[str]:
        """Names of the trainable variables (``conv1/kernel``, ...), without ``:0``."""
        with self.graph.as_default():
            return [v.name.split(":")[0] for v in v1.trainable_variables()]


@dataclasses.dataclass
class CompatV1Result:
    """What [`train_compat_v1`][cnn_tutorial.compat_v1.train_compat_v1] returns.

    Attributes:
        steps: Training steps taken (the final ``global_step``).
        losses: Loss of every training step, in order.
        test_accuracy: Correct test predictions / test images (a fraction).
        variable_names: The graph's trainable variables (``conv1/kernel``, ...).
        seconds: Wall-clock time of the training steps.
    """

    steps: int
    losses: list[float]
    test_accuracy: float
    variable_names: list[str]
    seconds: float


def _check_images_and_labels(prefix: str, images: Any, labels: Any,
                             n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The package's shared check, then float32 ``N x 28 x 28 x 1`` images and int64 labels."""
    x, y = np.asarray(images), np.asarray(labels)
    check_images_and_labels(x, y, prefix=prefix, n_classes=n_classes)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    x = x.astype(np.float32) / np.float32(255) if x.dtype == np.uint8 else x.astype(np.float32)
    return x, y.astype(np.int64)


def build_graph(x_train: Any, y_train: Any, x_test: Any, y_test: Any, batch_size: int = 128,
                learning_rate: float = 0.001, dropout_rate: float = 0.25,
                initializer: str = "he", n_classes: int = 10,
                shuffle_buffer: int = 10000, seed: int | None = None) -> CompatV1Graph:
    """Build the lecture's whole training graph in a new ``tf.Graph``.

    As in the course repository's ``07_convnet_mnist.py``: ``tf.data`` datasets
    with one-hot labels, shuffled training batches, one reinitializable
    iterator (``tf.compat.v1.data.Iterator.from_structure``) with a
    ``make_initializer`` op per dataset, the network built once with
    [`inference`][cnn_tutorial.compat_v1.inference] on that iterator's batches,
    softmax cross entropy, ``tf.compat.v1.train.AdamOptimizer`` and a
    ``global_step`` variable. Unlike the script, dropout is behind a
    ``training`` placeholder that defaults to ``False``.

    Args:
        x_train: Training images, ``N x 28 x 28`` (or ``N x 28 x 28 x 1``),
            uint8 or float in [0, 1].
        y_train: Training labels, ``N`` integers in ``0..n_classes - 1``.
        x_test: Test images, as ``x_train``.
        y_test: Test labels, as ``y_train``.
        batch_size: Images per step (>= 1).
        learning_rate: Adam's learning rate (> 0).
        dropout_rate: Fraction of the fc units dropped while training.
        initializer: ``"he"``, ``"glorot"`` or ``"lecture"``.
        n_classes: Number of classes.
        shuffle_buffer: Size of the shuffle buffer (>= 1).
        seed: Graph-level random seed (initial values, shuffling, dropout).

    Returns:
        A [`CompatV1Graph`][cnn_tutorial.compat_v1.CompatV1Graph].

    Examples:
        >>> x = np.zeros((4, 28, 28), np.uint8)
        >>> y = np.array([0, 1, 2, 3])
        >>> parts = build_graph(x, y, x, y, batch_size=2, seed=0)
        >>> parts.variable_names[:2], tf.executing_eagerly()
        (['conv1/kernel', 'conv1/biases'], True)
    """
    n_classes = check_int("n_classes", n_classes)
    x_train, y_train = _check_images_and_labels("x_train/y_train: ", x_train, y_train, n_classes)
    x_test, y_test = _check_images_and_labels("x_test/y_test: ", x_test, y_test, n_classes)
    batch_size = check_int("batch_size", batch_size)
    shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer)
    if (not isinstance(learning_rate, (int, float)) or isinstance(learning_rate, bool)
            or not learning_rate > 0):
        raise ValueError(f"learning_rate must be a number > 0, got {learning_rate!r}")
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    check_choice("initializer", initializer, INITIALIZERS)
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)

    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)
        with tf.name_scope("data"):
            train_data = (tf.data.Dataset.from_tensor_slices(
                (x_train, tf.one_hot(y_train, n_classes)))
                .shuffle(shuffle_buffer, seed=seed).batch(batch_size).repeat())
            test_data = tf.data.Dataset.from_tensor_slices(
                (x_test, tf.one_hot(y_test, n_classes))).batch(batch_size)
            iterator = v1.data.Iterator.from_structure(
                v1.data.get_output_types(train_data), v1.data.get_output_shapes(train_data))
            images, labels = iterator.get_next()
            with _quiet_tensorflow_log():
                train_init = iterator.make_initializer(train_data)
                test_init = iterator.make_initializer(test_data)
        training = v1.placeholder_with_default(False, shape=[], name="training")
        logits = inference(images, training, n_classes, dropout_rate, initializer)
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
                labels=labels, logits=logits), name="loss")
        global_step = v1.Variable(0, dtype=tf.int32, trainable=False, name="global_step")
        train_op = v1.train.AdamOptimizer(learning_rate).minimize(loss, global_step=global_step)
        with tf.name_scope("predict"):
            correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
            # A count for one batch (the lecture's "accuracy"); divide the sum
            # over all batches by the number of test images.
            correct_count = tf.reduce_sum(tf.cast(correct, tf.int32), name="correct_count")
        summary = v1.summary.scalar("loss", loss)
        init = v1.global_variables_initializer()
    return CompatV1Graph(graph, training, train_init, test_init, loss, train_op, global_step,
                         correct_count, logits, init, summary, len(x_test))


def train_compat_v1(x_train: Any, y_train: Any, x_test: Any, y_test: Any, steps: int = 100,
                    batch_size: int = 128, learning_rate: float = 0.001,
                    dropout_rate: float = 0.25, initializer: str = "he",
                    seed: int | None = None, log_dir: str | None = None) -> CompatV1Result:
    """Train the TF 1 graph for some steps in a session, then measure test accuracy.

    Training batches come from a repeating, shuffled dataset, so ``steps`` may
    exceed one epoch. The test set is then read once with dropout off, and the
    correct predictions of all its batches are summed and divided by the
    number of test images, as ``07_convnet_mnist.py``'s ``eval_once`` does (but
    with dropout off, which the script's evaluation was not).
    See the chapter "The lecture's TensorFlow 1 code" (tf1-code.md).

    Args:
        x_train: Training images, ``N x 28 x 28`` uint8 or float in [0, 1].
        y_train: Training labels (integers).
        x_test: Test images.
        y_test: Test labels.
        steps: Training steps (>= 1).
        batch_size: Images per step (>= 1).
        learning_rate: Adam's learning rate (> 0).
        dropout_rate: Fraction of the fc units dropped while training.
        initializer: ``"he"``, ``"glorot"`` or ``"lecture"``.
        seed: Graph-level random seed, or ``None``.
        log_dir: When given, a TensorBoard log of the graph and the loss
            (``tf.compat.v1.summary.FileWriter``) is written there.

    Returns:
        A [`CompatV1Result`][cnn_tutorial.compat_v1.CompatV1Result].

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(0, 256, (8, 28, 28), dtype=np.uint8)
        >>> y = np.arange(8) % 10
        >>> result = train_compat_v1(x, y, x, y, steps=2, batch_size=4, seed=1)
        >>> result.steps, len(result.losses), 0.0 <= result.test_accuracy <= 1.0
        (2, 2, True)
        >>> result.variable_names[-2:]
        ['logits/weights', 'logits/biases']
    """
    steps = check_int("steps", steps)
    if log_dir is not None and not isinstance(log_dir, str) and not hasattr(
            log_dir, "__fspath__"):
        raise TypeError(f"log_dir must be a path or None, got {log_dir!r}")
    parts = build_graph(x_train, y_train, x_test, y_test, batch_size=batch_size,
                        learning_rate=learning_rate, dropout_rate=dropout_rate,
                        initializer=initializer, seed=seed)
    losses = []
    with v1.Session(graph=parts.graph) as session:
        writer = (v1.summary.FileWriter(os.fspath(log_dir), parts.graph)
                  if log_dir is not None else None)
        session.run(parts.init)
        session.run(parts.train_init)
        start = time.perf_counter()
        for _ in range(steps):
            _, loss, summary, step = session.run(
                [parts.train_op, parts.loss, parts.summary, parts.global_step],
                feed_dict={parts.training: True})
            losses.append(float(loss))
            if writer is not None:
                writer.add_summary(summary, global_step=int(step))
        seconds = time.perf_counter() - start
        session.run(parts.test_init)
        correct = 0
        while True:
            try:
                correct += int(session.run(parts.correct_count))
            except tf.errors.OutOfRangeError:
                break
        final_step = int(session.run(parts.global_step))
        if writer is not None:
            writer.close()
    return CompatV1Result(final_step, losses, correct / parts.n_test, parts.variable_names,
                          seconds)
