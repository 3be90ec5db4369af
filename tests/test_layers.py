"""cnn_tutorial.layers: the lecture's layers as tf.Modules."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.layers import (
    AvgPool,
    ConvReLU,
    FullyConnected,
    MaxPool,
    avgpool,
    conv_relu,
    fully_connected,
    initial_value,
    maxpool,
)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(7)


def _names(module):
    return sorted(v.name for v in module.variables)


# --- names, shapes, building ---------------------------------------------------

def test_variables_have_the_lectures_names():
    conv = conv_relu(32, 5, 1, "SAME", "conv1", in_channels=1)
    fc = fully_connected(1024, "fc", in_dim=3136)
    assert _names(conv) == ["conv1/biases:0", "conv1/kernel:0"]
    assert _names(fc) == ["fc/biases:0", "fc/weights:0"]
    assert conv.kernel.shape == (5, 5, 1, 32) and conv.biases.shape == (32,)
    assert fc.weights.shape == (3136, 1024) and fc.biases.shape == (1024,)
    assert all(v.dtype == tf.float32 and v.trainable for v in conv.variables + fc.variables)


def test_names_stay_plain_inside_another_module():
    class Outer(tf.Module):
        def __init__(self):
            super().__init__(name="outer")
            with self.name_scope:  # would otherwise prefix "outer/"
                self.conv = conv_relu(4, 3, scope_name="conv2", in_channels=2)

    assert _names(Outer()) == ["conv2/biases:0", "conv2/kernel:0"]


def test_lazy_build_infers_the_input_channels():
    conv = ConvReLU(6, 3, scope_name="conv1")
    fc = FullyConnected(2, scope_name="fc")
    assert not conv.built and conv.variables == () and not fc.built
    assert conv(tf.zeros([1, 8, 8, 3])).shape == (1, 8, 8, 6)
    assert fc(tf.zeros([4, 5])).shape == (4, 2)
    assert conv.kernel.shape == (3, 3, 3, 6) and fc.weights.shape == (5, 2)
    assert _names(conv) == ["conv1/biases:0", "conv1/kernel:0"]


def test_lazy_build_inside_tf_function_names_and_reuses_the_variables():
    conv = ConvReLU(2, 3, scope_name="conv1")
    fc = FullyConnected(3, scope_name="fc")

    @tf.function
    def forward(x):
        return fc(tf.reshape(conv(x), [-1, 4 * 4 * 2]))

    first = forward(tf.ones([1, 4, 4, 1]))
    second = forward(tf.ones([1, 4, 4, 1]))
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert _names(conv) == ["conv1/biases:0", "conv1/kernel:0"]
    assert _names(fc) == ["fc/biases:0", "fc/weights:0"]
    assert len(conv.trainable_variables + fc.trainable_variables) == 4


def test_building_twice_is_refused():
    conv = ConvReLU(2, 3, in_channels=1)
    with pytest.raises(ValueError, match="already built"):
        conv.build(1)
    fc = FullyConnected(2, in_dim=3)
    with pytest.raises(ValueError, match="already built"):
        fc.build(3)


# --- what the layers compute -----------------------------------------------------

@pytest.mark.parametrize("stride, padding", [(1, "SAME"), (2, "SAME"), (1, "VALID"),
                                             (3, "VALID")])
def test_conv_relu_matches_keras_conv2d(rng, stride, padding):
    conv = conv_relu(4, 3, stride, padding, "conv1", in_channels=2, initializer="glorot")
    conv.biases.assign(rng.standard_normal(4).astype(np.float32))  # so ReLU clips something
    reference = keras.layers.Conv2D(4, 3, strides=stride, padding=padding.lower(),
                                    activation="relu")
    reference.build((None, 9, 10, 2))
    reference.set_weights([conv.kernel.numpy(), conv.biases.numpy()])
    images = rng.standard_normal((2, 9, 10, 2)).astype(np.float32)
    result = conv(images).numpy()
    np.testing.assert_allclose(result, reference(images).numpy(), rtol=1e-5, atol=1e-5)
    assert (result == 0).any() and (result > 0).any()


def test_conv_without_activation_can_be_negative(rng):
    conv = ConvReLU(3, 3, in_channels=1, activation=False, seed=1)
    assert (conv(rng.standard_normal((1, 6, 6, 1)).astype(np.float32)).numpy() < 0).any()


def test_maxpool_and_avgpool_match_numpy(rng):
    images = rng.standard_normal((2, 6, 8, 3)).astype(np.float32)
    windows = images.reshape(2, 3, 2, 4, 2, 3)
    np.testing.assert_allclose(maxpool(2, 2, "VALID", "pool1")(images).numpy(),
                               windows.max(axis=(2, 4)))
    np.testing.assert_allclose(avgpool(2)(images).numpy(), windows.mean(axis=(2, 4)),
                               rtol=1e-6, atol=1e-6)
    assert maxpool(3, 2, "SAME")(images).shape == (2, 3, 4, 3)
    assert MaxPool(2).stride == 2 and AvgPool(3, 1).stride == 1


def test_fully_connected_matches_numpy(rng):
    fc = fully_connected(3, "fc", in_dim=5, seed=3)
    fc.biases.assign([0.5, -0.5, 1.0])
    x = rng.standard_normal((4, 5)).astype(np.float32)
    expected = x @ fc.weights.numpy() + fc.biases.numpy()
    np.testing.assert_allclose(fc(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    relu = fully_connected(3, "fc", in_dim=5, activation="relu")
    relu.weights.assign(fc.weights)
    relu.biases.assign(fc.biases)
    np.testing.assert_allclose(relu(x).numpy(), np.maximum(expected, 0), rtol=1e-5, atol=1e-5)


def test_float64_inputs_are_computed_in_float32(rng):
    fc = fully_connected(2, in_dim=3)
    assert fc(rng.standard_normal((1, 3))).dtype == tf.float32


@pytest.mark.parametrize("dtype", [tf.bfloat16, tf.float16])
def test_low_precision_inputs_cast_the_float32_variables(rng, dtype):
    conv = conv_relu(4, 3, in_channels=1, seed=0)
    fc = fully_connected(2, in_dim=4 * 4 * 4, seed=0)
    x = rng.random((2, 4, 4, 1)).astype(np.float32)
    full = fc(tf.reshape(conv(x), [2, -1]))
    low = fc(tf.reshape(conv(tf.cast(x, dtype)), [2, -1]))
    assert low.dtype == dtype and conv.kernel.dtype == tf.float32
    np.testing.assert_allclose(tf.cast(low, tf.float32).numpy(), full.numpy(),
                               rtol=0.05, atol=0.05)


# --- initialisers ------------------------------------------------------------

def test_he_glorot_and_lecture_spreads():
    fan_in, fan_out = 5 * 5 * 32, 5 * 5 * 64
    he = ConvReLU(64, 5, in_channels=32, initializer="he", seed=0)
    glorot = ConvReLU(64, 5, in_channels=32, initializer="glorot", seed=0)
    lecture = ConvReLU(64, 5, in_channels=32, initializer="lecture", seed=0)
    assert np.std(he.kernel.numpy()) == pytest.approx(math.sqrt(2 / fan_in), rel=0.03)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot.kernel.numpy()).max() <= limit
    assert np.std(glorot.kernel.numpy()) == pytest.approx(limit / math.sqrt(3), rel=0.03)
    # tf.truncated_normal_initializer(stddev=1): cut at ±2, spread 0.88.
    assert np.abs(lecture.kernel.numpy()).max() <= 2.0
    assert np.std(lecture.kernel.numpy()) == pytest.approx(0.88, rel=0.03)
    assert not he.biases.numpy().any() and not glorot.biases.numpy().any()
    assert np.std(lecture.biases.numpy()) > 0.5  # random normal biases, as the lecture


def test_lecture_dense_biases_are_zero_and_weights_have_spread_one():
    fc = FullyConnected(256, in_dim=512, initializer="lecture", seed=0)
    assert not fc.biases.numpy().any()
    assert np.std(fc.weights.numpy()) == pytest.approx(0.88, rel=0.03)


def test_lecture_initialiser_blows_up_the_activations(rng):
    """Why the lecture's accuracy started low: activations grow ~sqrt(fan_in) per layer."""
    x = rng.random((8, 28, 28, 1)).astype(np.float32)
    sizes = {}
    for initializer in ("he", "lecture"):
        conv1 = conv_relu(32, 5, in_channels=1, initializer=initializer, seed=1)
        conv2 = conv_relu(64, 5, in_channels=32, initializer=initializer, seed=2)
        sizes[initializer] = float(tf.math.reduce_std(conv2(conv1(x))))
    assert sizes["lecture"] > 20 * sizes["he"]


def test_seeds_make_initial_values_reproducible():
    a = ConvReLU(4, 3, in_channels=2, seed=5, initializer="lecture")
    b = ConvReLU(4, 3, in_channels=2, seed=5, initializer="lecture")
    c = ConvReLU(4, 3, in_channels=2, seed=6, initializer="lecture")
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    np.testing.assert_array_equal(a.biases.numpy(), b.biases.numpy())
    assert not np.array_equal(a.kernel.numpy(), c.kernel.numpy())


def test_initial_value_without_seed_is_random():
    first = initial_value("glorot", (10, 10), 10, 10, "kernel")
    second = initial_value("glorot", (10, 10), 10, 10, "kernel")
    assert not np.array_equal(first.numpy(), second.numpy())


# --- bad arguments -----------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: conv_relu(0, 5), ValueError, "^filters must be an integer >= 1"),
    (lambda: conv_relu(2.5, 5), TypeError, "^filters must be an integer"),
    (lambda: conv_relu(8, 0), ValueError, "^k_size must be an integer >= 1"),
    (lambda: conv_relu(8, 5, 0), ValueError, "^stride must be an integer >= 1"),
    (lambda: conv_relu(8, 5, 1, "full"), ValueError, "^padding must be 'SAME' or 'VALID'"),
    (lambda: conv_relu(8, 5, scope_name=""), ValueError, "^scope_name must be"),
    (lambda: conv_relu(8, 5, scope_name="a/b"), ValueError, "^scope_name must be"),
    (lambda: conv_relu(8, 5, in_channels=0), ValueError, "^in_channels must be"),
    (lambda: conv_relu(8, 5, initializer="xavier"), ValueError,
     "^initializer must be one of 'he', 'glorot', 'lecture'"),
    (lambda: conv_relu(8, 5, seed=-1), ValueError, "^seed must be an integer >= 0"),
    (lambda: ConvReLU(8, 5, activation="relu"), TypeError, "^activation must be True"),
    (lambda: maxpool(0), ValueError, "^ksize must be an integer >= 1"),
    (lambda: maxpool(2, 0), ValueError, "^stride must be an integer >= 1"),
    (lambda: maxpool(2, 2, "same!"), ValueError, "^padding must be"),
    (lambda: maxpool(2, scope_name=None), ValueError, "^scope_name must be"),
    (lambda: fully_connected(0), ValueError, "^out_dim must be an integer >= 1"),
    (lambda: fully_connected(3, in_dim=0), ValueError, "^in_dim must be an integer >= 1"),
    (lambda: fully_connected(3, activation="tanh"), ValueError, "^activation must be None"),
    (lambda: fully_connected(3, initializer=None), ValueError, "^initializer must be one of"),
    (lambda: initial_value("he", (2,), 1, 1, "weights"), ValueError, "^role must be one of"),
])
def test_bad_constructor_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, inputs, error, message", [
    (ConvReLU(2, 3, in_channels=1), np.zeros((28, 28, 1), np.float32), ValueError,
     r"inputs must have rank 4 \(N x H x W x C images\), got an array of shape \(28, 28, 1\)"),
    (ConvReLU(2, 3, in_channels=1), np.zeros((1, 5, 5, 1), np.uint8), TypeError,
     "inputs must be a float tensor"),
    (ConvReLU(2, 3, in_channels=1), np.zeros((1, 5, 5, 3), np.float32), ValueError,
     "inputs must have 1 channels for layer 'conv'"),
    (ConvReLU(2, 7, padding="VALID", in_channels=1), np.zeros((1, 5, 9, 1), np.float32),
     ValueError, "with padding='VALID' the 7 x 7 kernel"),
    (MaxPool(2), np.zeros((5, 5, 1), np.float32), ValueError, "inputs must have rank 4"),
    (MaxPool(3), np.zeros((1, 2, 5, 1), np.float32), ValueError,
     "with padding='VALID' the 3 x 3 window"),
    (FullyConnected(2, in_dim=3), np.zeros((1, 2, 2, 1), np.float32), ValueError,
     "inputs must have rank 2 .*flatten images first"),
    (FullyConnected(2, in_dim=3), np.zeros((1, 4), np.float32), ValueError,
     "inputs must have 3 features for layer 'fc'"),
    (FullyConnected(2, in_dim=3), [[1, 2, 3]], TypeError, "inputs must be a float tensor"),
])
def test_bad_inputs(layer, inputs, error, message):
    with pytest.raises(error, match=message):
        layer(inputs)


def test_the_initialiser_rule_and_the_seed_formula_are_written_once():
    from cnn_tutorial import compat_v1, model
    from cnn_tutorial.layers import layer_initializer, layer_seed

    assert [layer_initializer(name, None) for name in ("he", "glorot", "lecture")] == [
        "glorot", "glorot", "lecture"]
    assert [layer_initializer(name, "relu") for name in ("he", "glorot", "lecture")] == [
        "he", "glorot", "lecture"]
    assert [layer_seed(2, p) for p in range(1, 6)] == [17, 18, 19, 20, 21]
    with pytest.raises(ValueError, match="activation must be 'relu' or None, got 'tanh'"):
        layer_initializer("he", "tanh")
    with pytest.raises(ValueError, match="position must be an integer >= 1 and <= 7, got 8"):
        layer_seed(0, 8)
    # The models ask these functions; none restates the rule or the formula.
    import inspect
    import re

    for module in (model, compat_v1):
        source = inspect.getsource(module)
        assert not re.search(r"seed \* 8", source), module.__name__
        assert not re.search(r'"glorot" if', source), module.__name__
