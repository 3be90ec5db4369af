"""cnn_tutorial.web: the export for the browser, reading it back, MNIST-style preprocessing."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.model import ConvNet
from cnn_tutorial.web import (
    EXPORT_FORMAT,
    export_convnet,
    load_examples,
    load_exported,
    preprocess_drawing,
)


@pytest.fixture(scope="module")
def model():
    return ConvNet(seed=3)


@pytest.fixture(scope="module")
def images():
    return tf.random.stateless_uniform([4, 28, 28, 1], seed=(1, 2))


def variables(model):
    return {v.name: v.numpy() for v in model.trainable_variables}


def test_float32_round_trip_is_exact(model, images, tmp_path):
    paths = export_convnet(model, tmp_path, quantize="float32")
    assert [p.name for p in paths] == ["model.json", "weights.bin"]
    copy = load_exported(tmp_path)
    original, loaded = variables(model), variables(copy)
    assert original.keys() == loaded.keys()
    for name in original:
        np.testing.assert_array_equal(original[name], loaded[name], err_msg=name)
    np.testing.assert_array_equal(model(images).numpy(), copy(images).numpy())


def test_float16_round_trip_equals_the_float16_weights(model, tmp_path):
    export_convnet(model, tmp_path, quantize="float16")
    loaded = variables(load_exported(tmp_path))
    for name, value in variables(model).items():
        expected = value if "biases" in name else value.astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(loaded[name], expected, err_msg=name)


def test_int8_quantises_dense_kernels_per_output_unit(model, images, tmp_path):
    export_convnet(model, tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    dtypes = {name: entry["dtype"] for name, entry in manifest["tensors"].items()}
    assert dtypes == {"conv1/kernel": "float32", "conv1/biases": "float32",
                      "conv2/kernel": "float32", "conv2/biases": "float32",
                      "fc/kernel": "int8", "fc/biases": "float32",
                      "logits/kernel": "int8", "logits/biases": "float32"}
    loaded, original = variables(load_exported(tmp_path)), variables(model)
    for name in ("conv1/kernel:0", "conv2/kernel:0", "fc/biases:0"):
        np.testing.assert_array_equal(loaded[name], original[name])
    for name in ("fc/weights:0", "logits/weights:0"):
        step = np.abs(original[name]).max(axis=0) / 127  # one scale per output unit
        error = np.abs(loaded[name] - original[name])
        assert np.all(error <= step / 2 + 1e-7), name
        assert len(np.unique(loaded[name][:, 0])) <= 255
    # Size: fc dominates, one byte per weight.
    assert (tmp_path / "weights.bin").stat().st_size < 3.5e6


def test_examples_round_trip_and_manifest_fields(model, tmp_path):
    digits = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    paths = export_convnet(model, tmp_path, examples=(digits, np.array([4, 9])),
                           extra={"epochs": 1})
    assert [p.name for p in paths] == ["model.json", "weights.bin", "examples.bin"]
    images, labels = load_examples(tmp_path)
    np.testing.assert_array_equal(images, digits)
    assert labels.tolist() == [4, 9]
    manifest = json.loads(paths[0].read_text())
    assert manifest["format"] == EXPORT_FORMAT
    assert manifest["extra"] == {"epochs": 1}
    assert manifest["handmade_kernels"]["top_sobel"][0] == [1.0, 2.0, 1.0]
    assert [layer["name"] for layer in manifest["layers"]] == \
        ["conv1", "pool1", "conv2", "pool2", "fc", "logits"]
    # A later export without examples removes the stale file.
    export_convnet(model, tmp_path)
    assert not (tmp_path / "examples.bin").exists()
    with pytest.raises(FileNotFoundError, match="has no examples"):
        load_examples(tmp_path)


def test_by_id_writes_into_a_folder_named_by_the_digest(model, tmp_path):
    paths = export_convnet(model, tmp_path, by_id=True)
    manifest = json.loads(paths[0].read_text())
    assert paths[0].parent == tmp_path / manifest["id"]
    again = export_convnet(model, tmp_path, by_id=True)
    assert again[0].parent == paths[0].parent  # same weights, same id
    other = export_convnet(ConvNet(seed=4), tmp_path, by_id=True)
    assert other[0].parent != paths[0].parent


@pytest.mark.parametrize("kwargs, error, message", [
    ({"quantize": "int4"}, ValueError, "quantize must be one of"),
    ({"extra": [1]}, TypeError, "extra must be a dict"),
    ({"by_id": "yes"}, TypeError, "by_id must be True or False"),
    ({"examples": np.zeros((2, 28, 28), np.uint8)}, ValueError, "examples must be a pair"),
    ({"examples": (np.zeros((2, 28, 28)), np.zeros(2, int))}, ValueError,
     "examples images must be uint8"),
    ({"examples": (np.zeros((2, 28, 28), np.uint8), np.zeros(3, int))}, ValueError,
     "examples labels must be 2 integers"),
])
def test_export_rejects_bad_arguments(model, tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        export_convnet(model, tmp_path, **kwargs)


def test_export_needs_a_convnet(tmp_path):
    with pytest.raises(TypeError, match="model must be a cnn_tutorial.model.ConvNet"):
        export_convnet(object(), tmp_path)


def test_load_errors_name_the_problem(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_exported(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="has no model.json"):
        load_exported(tmp_path)
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_exported(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": "other/9"}))
    with pytest.raises(ValueError, match="must have format 'cnn-tutorial-convnet/1', got 'other/9'"):
        load_exported(tmp_path)

    export_convnet(model, tmp_path)
    weights = tmp_path / "weights.bin"
    raw = bytearray(weights.read_bytes())
    raw[100] ^= 1
    weights.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="does not match model.json"):
        load_exported(tmp_path)
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="lacks weights.bin"):
        load_exported(tmp_path)


def test_load_rejects_a_shape_that_does_not_fit(tmp_path):
    export_convnet(ConvNet(n_classes=3, seed=0), tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    manifest["tensors"]["conv1/kernel"]["shape"] = [3, 3, 1, 32]
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"tensor 'conv1/kernel' has shape \(3, 3, 1, 32\)"):
        load_exported(tmp_path)


def test_load_keeps_the_number_of_classes(tmp_path):
    export_convnet(ConvNet(n_classes=3, seed=0), tmp_path)
    assert load_exported(tmp_path).n_classes == 3


def test_preprocess_centres_and_scales_like_mnist():
    canvas = np.zeros((280, 280))
    canvas[200:260, 10:40] = 1.0  # a small block in a corner
    digit = preprocess_drawing(canvas)
    rows, cols = np.nonzero(digit)
    assert rows.max() - rows.min() + 1 == 20          # longer side 20
    assert cols.max() - cols.min() + 1 == 10          # aspect kept
    mass = digit.astype(float)
    cy = (mass.sum(axis=1) * np.arange(28)).sum() / mass.sum()
    cx = (mass.sum(axis=0) * np.arange(28)).sum() / mass.sum()
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert preprocess_drawing(np.zeros((10, 10))).sum() == 0


def test_preprocess_leaves_an_mnist_style_digit_as_it_is():
    # MNIST's digits were made this way: a digit 20 pixels high and centred by
    # its mass, drawn 10 times larger, comes back unchanged.
    digit = np.zeros((28, 28))
    digit[4:24, 8:20] = 1.0
    digit[7:21, 11:17] = 0.0  # a "0": a ring, centre of mass (13.5, 13.5)
    again = preprocess_drawing(np.kron(digit, np.ones((10, 10))))
    np.testing.assert_array_equal(again, (digit * 255).astype(np.uint8))


@pytest.mark.parametrize("gray", [np.zeros(5), np.full((3, 3), 2.0), np.full((3, 3), np.nan)])
def test_preprocess_rejects_bad_input(gray):
    with pytest.raises(ValueError, match="gray must be a 2-D array of values in"):
        preprocess_drawing(gray)
