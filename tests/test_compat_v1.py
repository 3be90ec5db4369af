"""cnn_tutorial.compat_v1: the lecture's graph-mode model running on TF 2."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.compat_v1 import (
    build_graph,
    conv_relu,
    fully_connected,
    inference,
    maxpool,
    train_compat_v1,
)

v1 = tf.compat.v1

LECTURE_NAMES = ["conv1/kernel", "conv1/biases", "conv2/kernel", "conv2/biases",
                 "fc/weights", "fc/biases", "logits/weights", "logits/biases"]


@pytest.fixture(scope="module")
def tiny_set():
    """40 images of 4 easy classes: a bright square in one of the four quadrants."""
    rng = np.random.default_rng(0)
    labels = np.arange(40) % 4
    images = rng.integers(0, 40, (40, 28, 28), dtype=np.uint8)
    for index, label in enumerate(labels):
        row, col = divmod(int(label), 2)
        images[index, row * 14 + 3:row * 14 + 11, col * 14 + 3:col * 14 + 11] = 255
    return images, labels


def test_variables_have_the_lectures_names(tiny_set):
    images, labels = tiny_set
    parts = build_graph(images, labels, images, labels, batch_size=8, seed=0)
    assert parts.variable_names == LECTURE_NAMES
    with parts.graph.as_default():
        shapes = {v.name: tuple(v.shape) for v in v1.trainable_variables()}
    assert shapes == {"conv1/kernel:0": (5, 5, 1, 32), "conv1/biases:0": (32,),
                      "conv2/kernel:0": (5, 5, 32, 64), "conv2/biases:0": (64,),
                      "fc/weights:0": (3136, 1024), "fc/biases:0": (1024,),
                      "logits/weights:0": (1024, 10), "logits/biases:0": (10,)}
    assert tf.executing_eagerly()  # the process stays in TF 2 mode


def test_one_reinitializable_iterator_feeds_one_network(tiny_set):
    # As in 07_convnet_mnist.py: Iterator.from_structure + make_initializer for
    # each set, and inference() built once (two convolutions, not four).
    images, labels = tiny_set
    parts = build_graph(images, labels, images[:10], labels[:10] + 0, batch_size=4, seed=0)
    op_types = [op.type for op in parts.graph.get_operations()]
    assert op_types.count("Conv2D") == 2
    assert op_types.count("IteratorV2") == 1 and op_types.count("MakeIterator") == 2
    assert parts.test_logits is parts.logits
    with v1.Session(graph=parts.graph) as session:
        session.run([parts.init, parts.test_init])
        sizes = []
        while True:
            try:
                sizes.append(len(session.run(parts.logits)))
            except tf.errors.OutOfRangeError:
                break
    assert sizes == [4, 4, 2]  # after test_init the one iterator reads the test set


def test_building_the_graph_logs_nothing():
    # A fresh process: TensorFlow logs each deprecation once per process, and a
    # chapter's output must stay free of warnings.
    code = ("import numpy as np; from cnn_tutorial.compat_v1 import build_graph; "
            "x = np.zeros((4, 28, 28), np.uint8); y = np.arange(4); "
            "build_graph(x, y, x, y, batch_size=2, seed=0)")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "deprecat" not in done.stderr.lower(), done.stderr


def test_layer_shapes_in_a_graph():
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, [None, 28, 28, 1])
        conv1 = conv_relu(images, 32, 5, 1, "SAME", "conv1")
        pool1 = maxpool(conv1, 2, 2, "VALID", "pool1")
        conv2 = conv_relu(pool1, 64, 5, 1, "SAME", "conv2")
        pool2 = maxpool(conv2, 2, 2, "VALID", "pool2")
        fc = fully_connected(tf.reshape(pool2, [-1, 3136]), 1024, "fc")
        assert [tuple(t.shape) for t in (conv1, pool1, conv2, pool2, fc)] == [
            (None, 28, 28, 32), (None, 14, 14, 32), (None, 14, 14, 64), (None, 7, 7, 64),
            (None, 1024)]
        logits = inference(images, training=False)  # reuses conv1, conv2, fc
        assert tuple(logits.shape) == (None, 10)
        assert len(v1.trainable_variables()) == 8


def test_conv_relu_computes_relu_of_conv_plus_bias():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    with tf.Graph().as_default() as graph:
        inputs = v1.placeholder(tf.float32, [None, 6, 6, 3])
        out = conv_relu(inputs, 4, 3, 2, "VALID", "conv1", initializer="lecture")
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            kernel, biases = session.run(v1.trainable_variables())
            result = session.run(out, {inputs: x})
    assert biases.any()  # the lecture's random normal biases
    expected = np.zeros((2, 2, 2, 4))
    for i in range(2):
        for j in range(2):
            window = x[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :]
            expected[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    np.testing.assert_allclose(result, np.maximum(expected + biases, 0), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_a_few_steps_lower_the_loss_and_accuracy_is_a_fraction(tiny_set):
    images, labels = tiny_set
    result = train_compat_v1(images, labels, images, labels, steps=25, batch_size=8, seed=3)
    assert result.steps == 25 and len(result.losses) == 25
    assert np.mean(result.losses[-5:]) < 0.5 * np.mean(result.losses[:5])
    assert result.test_accuracy >= 0.9  # a fraction of the 40 images, not a batch count
    assert result.variable_names == LECTURE_NAMES
    assert result.seconds > 0
    assert tf.executing_eagerly()


@pytest.mark.slow
def test_accuracy_counts_every_test_batch_with_dropout_off(tiny_set):
    images, labels = tiny_set
    parts = build_graph(images, labels, images[:10], labels[:10], batch_size=4, seed=1)
    with v1.Session(graph=parts.graph) as session:
        session.run(parts.init)

        def one_pass(feed=None):
            session.run(parts.test_init)
            counts, logits = [], []
            while True:
                try:
                    count, batch = session.run([parts.correct_count, parts.test_logits], feed)
                except tf.errors.OutOfRangeError:
                    return counts, np.concatenate(logits)
                counts.append(count)
                logits.append(batch)

        counts, logits = one_pass()
        assert len(counts) == 3  # batches of 4, 4 and 2
        assert sum(counts) == int(np.sum(logits.argmax(axis=1) == labels[:10]))
        # Dropout stays off unless training is fed True: evaluation is repeatable.
        np.testing.assert_array_equal(one_pass()[1], logits)
        _, dropped = one_pass({parts.training: True})
        assert not np.allclose(dropped, logits)


@pytest.mark.slow
def test_the_lecture_initialiser_starts_with_a_huge_loss(tiny_set):
    images, labels = tiny_set
    first = {}
    for initializer in ("he", "lecture"):
        parts = build_graph(images, labels, images, labels, batch_size=8,
                            initializer=initializer, seed=0)
        with v1.Session(graph=parts.graph) as session:
            session.run([parts.init, parts.train_init])
            first[initializer] = session.run(parts.loss)
    assert first["he"] < 5 and first["lecture"] > 100


@pytest.mark.slow
def test_log_dir_gets_a_tensorboard_event_file(tiny_set, tmp_path):
    images, labels = tiny_set
    train_compat_v1(images[:8], labels[:8], images[:8], labels[:8], steps=1, batch_size=8,
                    log_dir=tmp_path)
    assert list(tmp_path.glob("events.out.tfevents.*"))


@pytest.mark.parametrize("call", [
    lambda: conv_relu(tf.zeros([1, 5, 5, 1]), 2, 3, 1, "SAME", "conv1"),
    lambda: maxpool(tf.zeros([1, 4, 4, 1]), 2, 2),
    lambda: fully_connected(tf.zeros([1, 4]), 2),
    lambda: inference(tf.zeros([1, 28, 28, 1]), False),
])
def test_layers_refuse_eager_mode(call):
    with pytest.raises(RuntimeError, match=r"inside `with tf.Graph\(\).as_default\(\):`"):
        call()


@pytest.mark.parametrize("build, error, message", [
    (lambda x: conv_relu(x, 0, 5, 1, "SAME", "conv1"), ValueError, "^filters must be"),
    (lambda x: conv_relu(x, 8, 0, 1, "SAME", "conv1"), ValueError, "^k_size must be"),
    (lambda x: conv_relu(x, 8, 5, 0, "SAME", "conv1"), ValueError, "^stride must be"),
    (lambda x: conv_relu(x, 8, 5, 1, "FULL", "conv1"), ValueError, "^padding must be"),
    (lambda x: conv_relu(x, 8, 5, 1, "SAME", "c", "xavier"), ValueError,
     "^initializer must be one of"),
    (lambda x: conv_relu(tf.reshape(x, [-1, 784]), 8, 5, 1, "SAME", "c"), ValueError,
     r"^inputs must have rank 4"),
    (lambda x: conv_relu(np.zeros((1, 28, 28, 1)), 8, 5, 1, "SAME", "c"), TypeError,
     "^inputs must be a graph tensor"),
    (lambda x: maxpool(x, 0, 2), ValueError, "^ksize must be"),
    (lambda x: fully_connected(x, 10), ValueError, r"^inputs must have rank 2 .*flatten"),
    (lambda x: fully_connected(tf.reshape(x, [-1, 784]), 0), ValueError, "^out_dim must be"),
    (lambda x: inference(tf.zeros([1, 32, 32, 1]), False), ValueError,
     r"^images must be N x 28 x 28 x 1"),
    (lambda x: inference(x, False, dropout_rate=1.0), ValueError, "^dropout_rate must be"),
])
def test_graph_builders_check_their_arguments(build, error, message):
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, [None, 28, 28, 1])
        with pytest.raises(error, match=message):
            build(images)


@pytest.mark.parametrize("change, error, message", [
    ({"x_train": np.zeros((4, 28, 27), np.uint8)}, ValueError,
     r"^x_train/y_train: images must be N x 28 x 28"),
    ({"x_train": np.zeros((4, 28, 28), np.int32)}, TypeError,
     r"^x_train/y_train: images must be float \(values in \[0, 1\]\) or uint8"),
    ({"y_train": np.zeros(3, np.int64)}, ValueError,
     r"^x_train/y_train: labels must be a 1-D array with one label per image \(4\), got an "
     r"array of shape \(3,\)"),
    ({"y_test": np.full(4, 10)}, ValueError, r"^x_test/y_test: labels must be in 0\.\.9"),
    ({"y_test": np.zeros(4, np.float32)}, ValueError,
     r"^x_test/y_test: labels must be integers \(class indices\)"),
    ({"steps": 0}, ValueError, "^steps must be an integer >= 1"),
    ({"batch_size": 0}, ValueError, "^batch_size must be an integer >= 1"),
    ({"learning_rate": 0.0}, ValueError, "^learning_rate must be a number > 0"),
    ({"dropout_rate": 0.75 + 0.25}, ValueError, "^dropout_rate must be"),
    ({"initializer": "normal"}, ValueError, "^initializer must be one of"),
    ({"seed": -1}, ValueError, "^seed must be an integer >= 0"),
    ({"log_dir": 3}, TypeError, "^log_dir must be a path or None"),
])
def test_train_compat_v1_checks_its_arguments(change, error, message):
    arguments = {"x_train": np.zeros((4, 28, 28), np.uint8), "y_train": np.zeros(4, np.int64),
                 "x_test": np.zeros((4, 28, 28), np.uint8), "y_test": np.zeros(4, np.int64),
                 "steps": 1, "batch_size": 2}
    arguments.update(change)
    with pytest.raises(error, match=message):
        train_compat_v1(**arguments)


def test_one_list_of_initializers_and_one_check_of_mnist_arrays():
    from cnn_tutorial import compat_v1, data, layers

    assert compat_v1.INITIALIZERS is layers.INITIALIZERS
    float_labels = np.zeros(4, np.float32)
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(ValueError) as from_compat:
        compat_v1._check_images_and_labels("", images, float_labels, 10)
    with pytest.raises(ValueError) as from_data:
        data.make_dataset(images, float_labels)
    assert str(from_compat.value) == str(from_data.value) == (
        "labels must be integers (class indices), got an array of shape (4,) and dtype float32")


def test_the_literal_numbers_of_inference_are_the_lecture_network_s():
    """inference writes 32, 64, 1024 as the lecture's script does; they must stay
    cnn_tutorial.arithmetic.LECTURE_NETWORK's (kernels, units, flat size, parameters)."""
    import inspect

    from cnn_tutorial.arithmetic import (
        LECTURE_NETWORK,
        Conv,
        Dense,
        Dropout,
        describe_stack,
    )

    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, [None, 28, 28, 1])
        inference(images, training=False, n_classes=LECTURE_NETWORK[-1].units)
        shapes = {v.name.split(":")[0]: tuple(v.shape) for v in v1.trainable_variables()}
    rows = {row.name: row for row in describe_stack(LECTURE_NETWORK, (28, 28, 1))}
    flat_size = rows["flatten"].output_shape[0]
    in_channels = 1
    for spec in LECTURE_NETWORK:
        if isinstance(spec, Conv):
            assert shapes[f"{spec.name}/kernel"] == (spec.kernel_size, spec.kernel_size,
                                                     in_channels, spec.filters)
            in_channels = spec.filters
        if isinstance(spec, Dense):
            assert shapes[f"{spec.name}/weights"][1] == spec.units
        if isinstance(spec, (Conv, Dense)):
            kernel = "kernel" if isinstance(spec, Conv) else "weights"
            params = sum(int(np.prod(shapes[f"{spec.name}/{part}"])) for part in (kernel, "biases"))
            assert params == rows[spec.name].params, spec.name
    assert shapes["fc/weights"][0] == flat_size
    (dropout,) = [spec for spec in LECTURE_NETWORK if isinstance(spec, Dropout)]
    assert inspect.signature(inference).parameters["dropout_rate"].default == dropout.rate
