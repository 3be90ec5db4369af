"""cnn_tutorial.backprop: gradients written as forward convolutions and products."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.backprop import conv2d, matmul, same_pads
from cnn_tutorial.layers import ConvReLU, FullyConnected

# Kernel sizes (odd and even, square and not), paddings, channels, batch sizes and
# odd/even input sides: every case that changes the padding of the two gradients.
CONV_CASES = [
    case for case in itertools.product(
        [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (2, 3), (5, 4)], ["SAME", "VALID"],
        [(1, 2), (3, 4)], [1, 3], [(5, 6), (8, 7)])
    if case[1] == "SAME" or (case[0][0] <= case[4][0] and case[0][1] <= case[4][1])
]


def _gradients(function, *arguments):
    with tf.GradientTape() as tape:
        tape.watch(arguments)
        # sin() makes the output gradient uneven, so a transposed or shifted
        # gradient cannot pass by symmetry.
        loss = tf.reduce_sum(tf.sin(function(*arguments)))
    return tape.gradient(loss, list(arguments))


@pytest.mark.parametrize("kernel_size, padding, channels, batch, size", CONV_CASES)
def test_conv2d_values_and_gradients_equal_tensorflows(kernel_size, padding, channels,
                                                       batch, size):
    rng = np.random.default_rng(sum(kernel_size) + batch + size[0])
    x = tf.constant(rng.standard_normal((batch, *size, channels[0])), tf.float32)
    w = tf.constant(rng.standard_normal((*kernel_size, *channels)), tf.float32)
    ours = conv2d(x, w, padding)
    theirs = tf.nn.conv2d(x, w, 1, padding)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    for mine, reference in zip(_gradients(lambda a, b: conv2d(a, b, padding), x, w),
                               _gradients(lambda a, b: tf.nn.conv2d(a, b, 1, padding), x, w)):
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-4)


def test_conv2d_gradients_inside_a_function_with_unknown_batch():
    rng = np.random.default_rng(0)
    w = tf.Variable(rng.standard_normal((5, 5, 3, 4)), dtype=tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 9, 9, 3])])
    def kernel_gradient(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(conv2d(x, w)))
        return tape.gradient(loss, w)

    x = tf.constant(rng.standard_normal((6, 9, 9, 3)), tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(tf.nn.conv2d(x, w, 1, "SAME")))
    np.testing.assert_allclose(kernel_gradient(x), tape.gradient(loss, w), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16])
def test_conv2d_keeps_a_low_precision_dtype(dtype):
    x = tf.cast(tf.random.stateless_normal([2, 6, 6, 2], seed=[0, 1]), dtype)
    w = tf.cast(tf.random.stateless_normal([3, 3, 2, 3], seed=[2, 3]), dtype)
    dx, dw = _gradients(conv2d, x, w)
    assert conv2d(x, w).dtype == dx.dtype == dw.dtype == dtype


def test_second_order_gradient_matches():
    x = tf.random.stateless_normal([2, 5, 5, 1], seed=[4, 5])
    w = tf.random.stateless_normal([3, 3, 1, 2], seed=[6, 7])

    def hessian_vector(convolve):
        with tf.GradientTape() as outer:
            outer.watch(w)
            with tf.GradientTape() as inner:
                inner.watch(w)
                loss = tf.reduce_sum(tf.sin(convolve(x, w)))
            g = inner.gradient(loss, w)
            g_sum = tf.reduce_sum(g * g)
        return outer.gradient(g_sum, w)

    np.testing.assert_allclose(hessian_vector(conv2d),
                               hessian_vector(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME")),
                               rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 6, 3), (128, 3136, 16), (7, 10, 1024)])
def test_matmul_values_and_gradients_equal_tensorflows(shape):
    n, d_in, d_out = shape
    rng = np.random.default_rng(n)
    x = tf.constant(rng.standard_normal((n, d_in)), tf.float32)
    w = tf.constant(rng.standard_normal((d_in, d_out)), tf.float32)
    np.testing.assert_allclose(matmul(x, w), tf.matmul(x, w), rtol=1e-5, atol=1e-4)
    for mine, reference in zip(_gradients(matmul, x, w), _gradients(tf.matmul, x, w)):
        assert mine.shape == reference.shape
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-3)


def test_same_pads_agree_with_tensorflows_output_size():
    for k in range(1, 8):
        before, after = same_pads(k, "SAME")
        assert before + after == k - 1 and after - before in (0, 1)
        # Distinct pixel values: a pad on the wrong side changes the sums.
        x = tf.reshape(tf.range(1.0, 82.0) ** 2, [1, 9, 9, 1])
        padded = tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]])
        ones = tf.ones([k, k, 1, 1])
        np.testing.assert_array_equal(
            tf.nn.conv2d(padded, ones, 1, "VALID"), tf.nn.conv2d(x, ones, 1, "SAME"))
    assert same_pads(3, "valid") == (0, 0)


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(tf.zeros([1, 4, 4, 1]), tf.zeros([3, 3, 1, 1]), "FULL"), "padding"),
    (lambda: same_pads(3, 1), "padding"),
    (lambda: conv2d(tf.zeros([1, 4, 4, 1]), tf.zeros([3, 3, 1])), "kernel must have a known 4-D"),
])
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("stride", [1, 2])
def test_layers_train_with_the_same_gradients_as_tf_nn(stride):
    """ConvReLU (stride 1 through backprop.conv2d, stride 2 through tf.nn) and FullyConnected."""
    conv = ConvReLU(4, 3, stride=stride, in_channels=2, seed=0)
    fc = FullyConnected(5, in_dim=4, activation="relu", seed=1)
    x = tf.random.stateless_normal([3, 8, 8, 2], seed=[8, 9])

    def ours():
        return fc(tf.reduce_mean(conv(x), axis=[1, 2]))

    def reference():
        y = tf.nn.relu(tf.nn.conv2d(x, conv.kernel, stride, "SAME") + conv.biases)
        return tf.nn.relu(tf.matmul(tf.reduce_mean(y, axis=[1, 2]), fc.weights) + fc.biases)

    variables = [conv.kernel, conv.biases, fc.weights, fc.biases]
    grads = []
    for function in (ours, reference):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(function() * 3))
        grads.append(tape.gradient(loss, variables))
    for mine, expected in zip(*grads):
        np.testing.assert_allclose(mine, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["forward", "tensorflow"])
def test_layers_give_the_same_gradients_under_either_switch(mode):
    from cnn_tutorial import backprop

    with backprop.using_gradients(mode):
        test_layers_train_with_the_same_gradients_as_tf_nn(1)


def test_the_switch_decides_which_gradient_the_layers_trace():
    from cnn_tutorial import backprop

    conv = ConvReLU(2, 3, in_channels=1, seed=0)
    x = tf.ones([1, 5, 5, 1])
    ops = {}
    for mode in ("forward", "tensorflow"):
        with backprop.using_gradients(mode):
            @tf.function
            def step():
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(conv(x))
                return tape.gradient(loss, conv.kernel)

            graph = step.get_concrete_function().graph
        ops[mode] = {op.type for op in graph.get_operations()}
    assert "Conv2DBackpropFilter" in ops["tensorflow"]
    assert "Conv2DBackpropFilter" not in ops["forward"]


def test_autotune_keeps_one_answer_per_machine_and_survives_a_bad_file(tmp_path):
    from cnn_tutorial import backprop

    kept = tmp_path / "autotune.json"
    calls = []

    def measure(mode):
        calls.append(mode)
        return {"forward": 1.0, "tensorflow": 2.0}[mode]

    assert backprop.autotune(measure, cache_file=kept) == "forward"
    assert backprop.autotune(measure, cache_file=kept) == "forward"
    assert sorted(calls) == ["forward", "tensorflow"]  # timed once, then read back
    kept.write_text("[not json")
    assert backprop.autotune({"forward": 1.0, "tensorflow": 1.02}.get,
                             cache_file=kept) == "tensorflow"  # within the margin
    assert backprop.autotune(measure, cache_file=tmp_path / "missing" / "x" / "a.json") \
        == "forward"


def test_environment_variable_and_bad_values(monkeypatch):
    from cnn_tutorial import backprop

    monkeypatch.setenv(backprop.GRADIENTS_ENV, "tensorflow")
    assert backprop.gradients() == "tensorflow"
    monkeypatch.setenv(backprop.GRADIENTS_ENV, "fastest")
    with pytest.raises(ValueError, match="CNN_TUTORIAL_GRADIENTS must be one of"):
        backprop.gradients()
    with pytest.raises(ValueError, match="mode must be one of"):
        backprop.set_gradients("Forward")


def test_auto_is_resolved_once_even_when_first_asked_inside_a_trace(monkeypatch):
    from cnn_tutorial import backprop

    asked = []
    monkeypatch.setattr(backprop, "_requested", None)
    monkeypatch.setattr(backprop, "_autotuned", None)
    monkeypatch.delenv(backprop.GRADIENTS_ENV, raising=False)
    monkeypatch.setattr(backprop, "autotune", lambda: asked.append(1) or "tensorflow")
    conv = ConvReLU(2, 3, in_channels=1, seed=0)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(conv(x))
        return tape.gradient(loss, conv.kernel)

    graph = step.get_concrete_function(tf.TensorSpec([1, 5, 5, 1])).graph
    assert "Conv2DBackpropFilter" in {op.type for op in graph.get_operations()}
    assert backprop.gradients() == "tensorflow" and asked == [1]
