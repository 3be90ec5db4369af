"""cnn_tutorial.model: ConvNet, keras_convnet and copy_weights."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.model import ConvNet, copy_weights, keras_convnet

LECTURE_NAMES = ["conv1/biases:0", "conv1/kernel:0", "conv2/biases:0", "conv2/kernel:0",
                 "fc/biases:0", "fc/weights:0", "logits/biases:0", "logits/weights:0"]


@pytest.fixture(scope="module")
def images():
    return tf.random.stateless_uniform([4, 28, 28, 1], seed=(1, 2))


@pytest.fixture(scope="module")
def model():
    return ConvNet(seed=0)


# --- structure -----------------------------------------------------------------

def test_variables_are_named_and_shaped_as_in_the_lecture(model):
    assert sorted(v.name for v in model.trainable_variables) == LECTURE_NAMES
    shapes = {v.name: tuple(v.shape) for v in model.trainable_variables}
    assert shapes["conv1/kernel:0"] == (5, 5, 1, 32)
    assert shapes["conv2/kernel:0"] == (5, 5, 32, 64)
    assert shapes["fc/weights:0"] == (3136, 1024)
    assert shapes["logits/weights:0"] == (1024, 10)
    assert sum(int(np.prod(s)) for s in shapes.values()) == 3274634


def test_intermediate_shapes_are_the_lectures(model, images):
    outputs = model.features(images)
    assert {k: tuple(v.shape[1:]) for k, v in outputs.items()} == {
        "conv1": (28, 28, 32), "pool1": (14, 14, 32), "conv2": (14, 14, 64),
        "pool2": (7, 7, 64), "flatten": (3136,), "fc": (1024,), "logits": (10,)}
    np.testing.assert_allclose(outputs["logits"].numpy(), model(images).numpy(), atol=1e-6)


def test_summary_and_describe(model):
    rows = model.describe()
    assert [r.name for r in rows] == ["conv1", "pool1", "conv2", "pool2", "flatten", "fc",
                                      "dropout", "logits"]
    assert sum(r.params for r in rows) == sum(
        int(tf.size(v)) for v in model.trainable_variables)
    assert model.summary().splitlines()[-1].split() == ["total", "3274634"]
    assert ConvNet(n_classes=3).describe()[-1].output_shape == (3,)


def test_variables_exist_before_the_first_call_so_checkpoints_restore(tmp_path, images):
    trained = ConvNet(seed=1)
    path = tf.train.Checkpoint(model=trained).save(str(tmp_path / "ckpt"))
    fresh = ConvNet(seed=2)
    tf.train.Checkpoint(model=fresh).restore(path).assert_consumed()
    np.testing.assert_array_equal(fresh(images).numpy(), trained(images).numpy())


@pytest.mark.slow
def test_the_same_seed_gives_the_same_model(images):
    np.testing.assert_array_equal(ConvNet(seed=3)(images).numpy(),
                                  ConvNet(seed=3)(images).numpy())
    assert not np.array_equal(ConvNet(seed=3)(images).numpy(), ConvNet(seed=4)(images).numpy())


# --- inputs ----------------------------------------------------------------------

def test_three_dimensional_batches_and_uint8_images_are_accepted(model, images):
    logits = model(images).numpy()
    np.testing.assert_allclose(model(images[..., 0]).numpy(), logits, atol=1e-6)
    pixels = tf.cast(tf.round(images * 255), tf.uint8)
    np.testing.assert_allclose(model(pixels).numpy(),
                               model(tf.cast(pixels, tf.float32) / 255).numpy(), atol=1e-5)
    np.testing.assert_allclose(model(images.numpy().astype(np.float64)).numpy(), logits,
                               atol=1e-5)


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((2, 32, 32, 1), np.float32), ValueError,
     r"images must be N x 28 x 28 x 1 \(or N x 28 x 28\), got an array of shape \(2, 32, 32, 1\)"),
    (np.zeros((2, 28, 28, 3), np.float32), ValueError, r"shape \(2, 28, 28, 3\)"),
    (np.zeros((28, 28), np.float32), ValueError, r"shape \(28, 28\)"),
    (np.zeros((1, 1, 28, 28, 1), np.float32), ValueError, "images must be N x 28 x 28 x 1"),
    (np.zeros((2, 28, 28, 1), np.int32), TypeError, "images must be float .* or uint8"),
    ("digits", TypeError, "images must be float"),
])
def test_bad_images_raise_before_tensorflow(model, bad, error, message):
    with pytest.raises(error, match=message):
        model(bad)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_classes": 0}, ValueError, "^n_classes must be an integer >= 1"),
    ({"dropout_rate": 1.0}, ValueError, r"^dropout_rate must be a number in \[0, 1\)"),
    ({"dropout_rate": -0.1}, ValueError, "^dropout_rate must be"),
    ({"dropout_rate": "0.25"}, TypeError, "^dropout_rate must be"),
    ({"initializer": "xavier"}, ValueError, "^initializer must be one of"),
    ({"compute_dtype": "float64"}, ValueError,
     "^compute_dtype must be one of 'float32', 'bfloat16', 'float16'"),
    ({"seed": -1}, ValueError, "^seed must be an integer >= 0"),
])
def test_bad_constructor_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        ConvNet(**kwargs)


# --- dropout ---------------------------------------------------------------------

def test_dropout_only_while_training(model, images):
    inference = model(images).numpy()
    np.testing.assert_array_equal(model(images, training=False).numpy(), inference)
    tf.random.set_seed(0)
    assert not np.allclose(model(images, training=True).numpy(), inference, atol=1e-4)
    np.testing.assert_array_equal(model(images, training=tf.constant(False)).numpy(), inference)
    assert not np.allclose(model(images, training=tf.constant(True)).numpy(), inference,
                           atol=1e-4)


@pytest.mark.parametrize("training", ["yes", 1, None, tf.constant([True, False]),
                                      tf.constant(1.0)])
def test_training_must_be_a_bool(model, images, training):
    with pytest.raises(TypeError, match="^training must be True, False or a scalar bool"):
        model(images, training=training)


def test_dropout_rate_zero_never_drops(images):
    net = ConvNet(dropout_rate=0.0, seed=0)
    np.testing.assert_array_equal(net(images, training=True).numpy(), net(images).numpy())


def test_dropout_drops_about_the_rate_and_rescales():
    """Dropout acts on the 1024 fc units: with identity-like logits we can count them."""
    net = ConvNet(n_classes=1024, dropout_rate=0.25, seed=0, initializer="glorot")
    net.logits.weights.assign(tf.eye(1024))
    net.logits.biases.assign(tf.zeros([1024]))
    images = tf.random.stateless_uniform([8, 28, 28, 1], seed=(3, 4))
    tf.random.set_seed(1)
    kept = net(images, training=True).numpy()
    full = net(images).numpy()
    active = full > 0
    dropped = (kept == 0) & active
    assert dropped.sum() / active.sum() == pytest.approx(0.25, abs=0.03)
    np.testing.assert_allclose(kept[active & ~dropped], full[active & ~dropped] / 0.75,
                               rtol=1e-4)


# --- graph mode, training and mixed precision ------------------------------------

def test_one_trace_serves_every_batch_size(model):
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)], autograph=False)
    def predict(x):
        return model(x)

    for batch in (1, 3, 7):
        assert predict(tf.zeros([batch, 28, 28, 1])).shape == (batch, 10)
    assert predict.experimental_get_tracing_count() == 1


@pytest.mark.slow
def test_a_few_adam_steps_lower_the_loss():
    net = ConvNet(seed=5)
    images = tf.random.stateless_uniform([16, 28, 28, 1], seed=(5, 6))
    labels = tf.range(16) % 10
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function(autograph=False)  # no Python control flow here; saves AutoGraph's start-up
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=net(x, training=True)))
        optimizer.apply_gradients(zip(tape.gradient(loss, net.trainable_variables),
                                      net.trainable_variables))
        return loss

    def loss_now():
        return float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=net(images))))

    before = loss_now()
    for _ in range(15):
        step(images, labels)
    assert loss_now() < 0.5 * before


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_mixed_precision_keeps_float32_variables_and_logits(images, dtype):
    full = ConvNet(seed=0)
    low = ConvNet(seed=0, compute_dtype=dtype)
    logits = low(images)
    assert logits.dtype == tf.float32
    assert all(v.dtype == tf.float32 for v in low.trainable_variables)
    assert low.features(images)["conv1"].dtype == tf.as_dtype(dtype)
    np.testing.assert_allclose(logits.numpy(), full(images).numpy(), atol=0.1)


def test_the_lecture_initialiser_gives_huge_logits(images):
    sizes = {name: float(tf.math.reduce_std(ConvNet(initializer=name, seed=0)(images)))
             for name in ("he", "lecture")}
    assert sizes["he"] < 5 and sizes["lecture"] > 100 * sizes["he"]


# --- Keras twin and weight copies ----------------------------------------------------

def test_keras_convnet_has_the_same_layers():
    net = keras_convnet()
    assert [layer.name for layer in net.layers] == [
        "images", "conv1", "pool1", "conv2", "pool2", "flatten", "fc", "dropout", "logits"]
    assert net.count_params() == 3274634
    assert tuple(net.output.shape) == (None, 10)
    assert net.get_layer("dropout").rate == 0.25
    assert not net.compiled and getattr(net, "optimizer", None) is None
    assert keras_convnet(n_classes=3, dropout_rate=0.5).get_layer("dropout").rate == 0.5


def test_keras_he_initializer_and_seed(images):
    a, b = keras_convnet(initializer="he", seed=3), keras_convnet(initializer="he", seed=3)
    np.testing.assert_array_equal(a(images).numpy(), b(images).numpy())
    std = np.std(a.get_layer("conv2").kernel.numpy())
    assert std == pytest.approx(np.sqrt(2 / (5 * 5 * 32)), rel=0.05)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_classes": 0}, "^n_classes must be"), ({"dropout_rate": 1}, "^dropout_rate must be"),
    ({"initializer": "lecture"}, "^initializer must be one of 'glorot', 'he'"),
    ({"seed": -3}, "^seed must be"),
])
def test_keras_convnet_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_convnet(**kwargs)


def test_copy_from_convnet_to_keras_gives_the_same_logits(images):
    low, high = ConvNet(seed=7), keras_convnet(seed=8)
    assert not np.allclose(low(images).numpy(), high(images).numpy(), atol=1e-3)
    assert copy_weights(low, high) is high
    np.testing.assert_allclose(high(images, training=False).numpy(), low(images).numpy(),
                               atol=1e-5)
    np.testing.assert_allclose(high.predict(images, verbose=0), low(images).numpy(), atol=1e-5)


def test_copy_from_keras_to_convnet_gives_the_same_logits(images):
    high, low = keras_convnet(initializer="he", seed=9), ConvNet(seed=10)
    # Non-zero biases, so a bias that is not copied would show.
    for layer in ("conv1", "conv2", "fc", "logits"):
        bias = high.get_layer(layer).bias
        bias.assign(tf.random.stateless_normal(bias.shape, seed=(1, 1)) * 0.1)
    copy_weights(high, low)
    np.testing.assert_allclose(low(images).numpy(), high(images, training=False).numpy(),
                               atol=1e-5)
    np.testing.assert_array_equal(low.fc.biases.numpy(), high.get_layer("fc").bias.numpy())


def test_copy_between_two_convnets(images):
    a, b = ConvNet(seed=1), ConvNet(seed=2)
    copy_weights(a, b)
    np.testing.assert_array_equal(a(images).numpy(), b(images).numpy())


@pytest.mark.slow
def test_copy_weights_errors():
    with pytest.raises(TypeError, match="source must be a ConvNet or a keras.Model"):
        copy_weights("model", ConvNet())
    other = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, name="dense")])
    with pytest.raises(ValueError, match="target has no layer named 'conv1'"):
        copy_weights(ConvNet(), other)
    target = ConvNet(seed=1)
    before = target.conv1.kernel.numpy()
    with pytest.raises(ValueError, match=r"layer 'logits': source has shape \(1024, 10\) "
                                         r"but target \(1024, 3\)"):
        copy_weights(ConvNet(seed=2), keras_convnet(n_classes=3))
    with pytest.raises(ValueError, match="same n_classes"):
        copy_weights(ConvNet(seed=2, n_classes=10), ConvNet(n_classes=3))
    np.testing.assert_array_equal(target.conv1.kernel.numpy(), before)  # nothing half-copied


# --- one source of truth -------------------------------------------------------------------

def test_the_call_is_the_features_pass(monkeypatch):
    model = ConvNet(seed=0)
    images = tf.random.stateless_uniform([2, 28, 28, 1], seed=(0, 1))
    calls = []
    features = ConvNet.features

    def counting(self, *args, **kwargs):
        calls.append(args)
        return features(self, *args, **kwargs)

    monkeypatch.setattr(ConvNet, "features", counting)
    logits = model(images)
    assert len(calls) == 1
    np.testing.assert_array_equal(logits.numpy(), model.features(images)["logits"].numpy())


def test_the_layers_follow_the_lecture_network(monkeypatch):
    import dataclasses

    from cnn_tutorial import arithmetic, model as model_module

    assert [(row.name, row.output_shape) for row in ConvNet(seed=0).describe()] == [
        (row.name, row.output_shape)
        for row in arithmetic.describe_stack(arithmetic.LECTURE_NETWORK, (28, 28, 1))]
    narrower = tuple(dataclasses.replace(spec, filters=16) if spec.name == "conv2" else spec
                     for spec in arithmetic.LECTURE_NETWORK)
    monkeypatch.setattr(model_module, "LECTURE_NETWORK", narrower)
    small = ConvNet(seed=0)
    assert small.conv2.kernel.shape.as_list() == [5, 5, 32, 16]
    assert small.fc.weights.shape.as_list() == [7 * 7 * 16, 1024]
    assert small(tf.zeros([1, 28, 28, 1])).shape.as_list() == [1, 10]
    assert model_module.keras_convnet().get_layer("conv2").filters == 16


def test_no_hard_coded_flatten_size_in_the_package():
    import re

    import cnn_tutorial

    package = Path(cnn_tutorial.__file__).parent
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if re.search(r"\b7\s*\*\s*7\s*\*\s*64\b", path.read_text())]
    assert offenders == []


@pytest.mark.parametrize("make, message", [
    (lambda x: x.__setitem__((0, 1, 2), np.nan) or x, "images hold 1 NaN pixel value"),
    (lambda x: x * 255, "0..255 pixels stored as floats"),
    (lambda x: -x - 1, "got values from -2 to -1"),
])
def test_an_eager_call_names_bad_pixels(make, message):
    images = make(np.random.default_rng(0).random((2, 28, 28)).astype(np.float32))
    model = ConvNet(seed=0)
    with pytest.raises(ValueError, match=message):
        model(images)
    with pytest.raises(ValueError, match=message):
        model(tf.constant(images))
    # Traced (graph mode) the check is skipped, not an error: it has no values.
    logits = tf.function(lambda x: model(x))(tf.constant(images))
    assert logits.shape == (2, 10)
