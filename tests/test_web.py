"""cnn_tutorial.web: the export for the browser, reading it back, MNIST-style preprocessing."""

from __future__ import annotations

import hashlib
import json
import os
import re

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


@pytest.mark.parametrize("quantize, top, largest", [("int8", 127, 3.5e6), ("int4", 7, 1.9e6)])
def test_integer_quantisation_of_dense_kernels_per_output_unit(model, tmp_path, quantize, top,
                                                                largest):
    export_convnet(model, tmp_path, quantize=quantize)
    manifest = json.loads((tmp_path / "model.json").read_text())
    dtypes = {name: entry["dtype"] for name, entry in manifest["tensors"].items()}
    assert dtypes == {"conv1/kernel": "float32", "conv1/biases": "float32",
                      "conv2/kernel": "float32", "conv2/biases": "float32",
                      "fc/kernel": quantize, "fc/biases": "float32",
                      "logits/kernel": quantize, "logits/biases": "float32"}
    loaded, original = variables(load_exported(tmp_path)), variables(model)
    for name in ("conv1/kernel:0", "conv2/kernel:0", "fc/biases:0"):
        np.testing.assert_array_equal(loaded[name], original[name])
    for name in ("fc/weights:0", "logits/weights:0"):
        step = np.abs(original[name]).max(axis=0) / top  # one scale per output unit
        error = np.abs(loaded[name] - original[name])
        assert np.all(error <= step / 2 + 1e-7), name
        levels = np.rint(loaded[name] / step)
        assert np.abs(levels).max() == top and len(np.unique(levels[:, 0])) <= 2 * top + 1
    # Size: fc dominates, one byte (int8) or half a byte (int4) per weight.
    assert (tmp_path / "weights.bin").stat().st_size < largest


def test_int4_default_is_packed_two_to_a_byte(model, tmp_path):
    export_convnet(model, tmp_path)
    manifest = json.loads((tmp_path / "model.json").read_text())
    entry = manifest["tensors"]["fc/kernel"]
    assert manifest["quantize"] == "int4" and entry["bytes"] == 3136 * 1024 // 2
    raw = (tmp_path / "weights.bin").read_bytes()
    scales = np.frombuffer(raw, "<f4", 1024, entry["scales"]["offset"])
    first = raw[entry["offset"]]  # elements (0, 0) low nibble, (0, 1) high nibble
    nibble = lambda v: v - 16 if v >= 8 else v  # noqa: E731
    loaded = load_exported(tmp_path).fc.weights.numpy()
    assert loaded[0, 0] == np.float32(nibble(first & 15)) * scales[0]
    assert loaded[0, 1] == np.float32(nibble(first >> 4)) * scales[1]


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
    ({"quantize": "int2"}, ValueError, "quantize must be one of"),
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
    with pytest.raises(ValueError, match="must have format 'cnn-tutorial-convnet/2', got 'other/9'"):
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
    with pytest.raises(ValueError, match=r"tensors\['conv1/kernel'\]\['shape'\] must be "
                                         r"\[5, 5, 1, 32\] \(the lecture network's\), got "
                                         r"\[3, 3, 1, 32\]"):
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


# -- hostile exports: nothing outside the folder is read, nothing is trusted unchecked ------

@pytest.fixture(scope="module")
def export_dir(model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    digits = np.arange(3 * 784, dtype=np.uint8).reshape(3, 28, 28)
    export_convnet(model, folder, examples=(digits, np.array([1, 2, 3])))
    return folder


def tampered(export_dir, tmp_path, change):
    """A copy of the export whose manifest ``change(manifest)`` has edited (or replaced)."""
    folder = tmp_path / "tampered"
    folder.mkdir()
    for name in ("weights.bin", "examples.bin"):
        (folder / name).write_bytes((export_dir / name).read_bytes())
    manifest = json.loads((export_dir / "model.json").read_text())
    manifest = change(manifest) or manifest
    (folder / "model.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.parametrize("where", ["../outside.bin", "OUTSIDE", "/nonexistent/x.bin",
                                   "sub/examples.bin", "..", "a\\..\\b.bin", ""])
def test_examples_are_read_only_from_the_export_folder(export_dir, tmp_path, where):
    secret = bytes(range(256)) * 10  # 2,560 bytes: "3 digits" would need 2,352
    outside = tmp_path / "outside.bin"
    outside.write_bytes(secret[:3 * 784])
    where = str(outside) if where == "OUTSIDE" else where

    def point_outside(manifest):
        manifest["examples"]["file"] = where
        manifest["files"][where] = {"bytes": 3 * 784,
                                    "sha256": hashlib.sha256(secret[:3 * 784]).hexdigest()}

    folder = tampered(export_dir, tmp_path, point_outside)
    with pytest.raises(ValueError) as caught:
        load_examples(folder)
    # The same words whether or not the path exists: the name alone is refused. A value
    # longer than 80 characters is cut (a deep tmp_path, as under pytest-xdist, is).
    shown = repr(where) if len(repr(where)) <= 80 else repr(where)[:77] + "..."
    assert str(caught.value) == ("model.json: examples['file'] must be a plain file name "
                                 f"inside the export folder (such as 'examples.bin'), got {shown}")


def test_an_examples_link_out_of_the_folder_is_refused(export_dir, tmp_path):
    folder = tampered(export_dir, tmp_path, lambda m: None)
    outside = tmp_path / "outside.bin"
    outside.write_bytes((folder / "examples.bin").read_bytes())
    (folder / "examples.bin").unlink()
    (folder / "examples.bin").symlink_to(outside)
    with pytest.raises(ValueError, match="is a link to a file outside the export folder"):
        load_examples(folder)


def test_a_huge_sparse_weights_file_is_refused_before_it_is_read(export_dir, tmp_path):
    import resource

    folder = tampered(export_dir, tmp_path, lambda m: None)
    os.truncate(folder / "weights.bin", 3_000_000_000)  # sparse: no disk used
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with pytest.raises(ValueError, match=r"weights.bin does not match model.json \(it is "
                                         r"3,000,000,000 bytes, model.json says 1,8"):
        load_exported(folder)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


@pytest.mark.parametrize("units", [400_000, 10**12, 11, 0])
def test_a_huge_layer_is_refused_before_a_model_is_built(export_dir, tmp_path, monkeypatch,
                                                         units):
    import cnn_tutorial.model

    def never(*args, **kwargs):
        raise AssertionError("ConvNet built before the shapes were checked")

    monkeypatch.setattr(cnn_tutorial.model, "ConvNet", never)

    def grow(manifest):
        manifest["layers"][-1]["units"] = manifest["layers"][-1]["output"] = units
        manifest["tensors"]["logits/kernel"]["shape"] = [1024, units]
        manifest["tensors"]["logits/biases"]["shape"] = [units]

    folder = tampered(export_dir, tmp_path, grow)
    with pytest.raises(ValueError, match=r"model.json: layers\[5\]\['units'\] must be an "
                                         r"integer from 1 to 10, got "):
        load_exported(folder)


def test_an_unknown_dtype_is_refused(export_dir, tmp_path):
    def float64(manifest):
        manifest["tensors"]["conv2/kernel"]["dtype"] = "float64"

    with pytest.raises(ValueError, match=r"tensors\['conv2/kernel'\]\['dtype'\] must be one of "
                                         r"'float32', 'float16', 'int8', 'int4', got 'float64'"):
        load_exported(tampered(export_dir, tmp_path, float64))


def _set(path, value):
    def change(manifest):
        *parents, last = path
        node = manifest
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return change


class _Delete:
    """The marker "remove this key"; its repr keeps test ids stable across processes."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()
FC = ("tensors", "fc/kernel")
MALFORMED = [
    (("tensors", "fc/kernel", "offset"), DELETE, r"tensors\['fc/kernel'\] has no key 'offset'"),
    (FC + ("scales",), DELETE, r"tensors\['fc/kernel'\] has no key 'scales'"),
    (("files",), DELETE, "the manifest has no key 'files'"),
    (("layers",), DELETE, "the manifest has no key 'layers'"),
    (("tensors",), DELETE, "the manifest has no key 'tensors'"),
    (("tensors", "conv1/biases"), DELETE, "tensors has no key 'conv1/biases'"),
    (("files", "weights.bin"), DELETE, "files has no key 'weights.bin'"),
    (("files", "weights.bin", "sha256"), 5, r"\['sha256'\] must be 64 lowercase hex digits"),
    (("files", "weights.bin", "bytes"), "big", r"\['bytes'\] must be an integer"),
    (("files", "weights.bin", "bytes"), 10**15, r"\['bytes'\] must be an integer"),
    (("files", "weights.bin", "bytes"), 4, r"\['bytes'\] must be 1,8"),
    (("files",), [], "model.json: files must be a JSON object, got"),
    (("layers",), {}, "layers must be a list of the lecture network's 6 layers"),
    (("layers",), [], "layers must be a list of the lecture network's 6 layers"),
    (("layers", 5), 7, r"layers\[5\] must be a JSON object, got 7"),
    (("layers", 5, "units"), "10", r"layers\[5\]\['units'\] must be an integer"),
    (("layers", 5, "units"), True, r"layers\[5\]\['units'\] must be an integer"),
    (("layers", 5, "units"), 3, r"layers\[5\] must be .* got"),
    (("layers", 0, "kernel"), [3, 3], r"layers\[0\] must be .*the lecture network's"),
    (("tensors",), [], "model.json: tensors must be a JSON object, got"),
    (FC, 5, r"tensors must be a JSON object, got 5|fc/kernel.* must be a JSON object"),
    (FC + ("shape",), "abc", r"\['shape'\] must be \[3136, 1024\]"),
    (FC + ("shape",), None, r"\['shape'\] must be \[3136, 1024\]"),
    (FC + ("shape",), [3136, 1024, 1], r"\['shape'\] must be \[3136, 1024\]"),
    (FC + ("dtype",), None, r"\['dtype'\] must be one of"),
    (FC + ("dtype",), ["int4"], r"\['dtype'\] must be one of"),
    (FC + ("dtype",), "int8", r"\['bytes'\] must be 3,211,264 \(3,211,264 values in int8\)"),
    (("tensors", "fc/biases", "dtype"), "int8", r"fc/biases'\]\['dtype'\] must be one of 'float32'"),
    (FC + ("offset",), -1, r"\['offset'\] must be an integer from 0"),
    (FC + ("offset",), 1.5, r"\['offset'\] must be an integer from 0"),
    (FC + ("offset",), "0", r"\['offset'\] must be an integer from 0"),
    (FC + ("offset",), 10**7, r"\['bytes'\] must be 11,"),
    (FC + ("bytes",), 12, r"\['bytes'\] must be 1,605,632"),
    (FC + ("scales",), [], r"\['scales'\] must be a JSON object"),
    (FC + ("scales", "bytes"), 8, r"\['scales'\]\['bytes'\] must be 4,096"),
    (FC + ("scales", "offset"), None, r"\['scales'\]\['offset'\] must be an integer"),
    (("examples",), 5, None),  # load_exported ignores examples
]


@pytest.mark.parametrize("path, value, message", MALFORMED,
                         ids=[f"{'.'.join(map(str, p))}={v!r}"[:60] for p, v, _ in MALFORMED])
def test_malformed_manifests_give_one_clear_error(export_dir, tmp_path, path, value, message):
    folder = tampered(export_dir, tmp_path, _set(path, value))
    if message is None:
        assert load_exported(folder).n_classes == 10
        return
    with pytest.raises(ValueError) as caught:
        load_exported(folder)
    assert type(caught.value) is ValueError
    assert re.search(message, str(caught.value)), str(caught.value)


MALFORMED_EXAMPLES = [
    (("examples", "file"), 5, r"examples\['file'\] must be a plain file name"),
    (("examples", "file"), "model.json", r"files\['model.json'\]|files has no key 'model.json'"),
    (("examples", "count"), 4, r"examples\['labels'\] must be a list of 4 integers"),
    (("files", "examples.bin", "bytes"), 3137, r"files\['examples.bin'\]\['bytes'\] must be 2,352"),
    (("examples", "count"), 10**9, r"examples\['count'\] must be an integer from 1 to 10,000"),
    (("examples", "count"), "3", r"examples\['count'\] must be an integer"),
    (("examples", "labels"), [1, 2], r"examples\['labels'\] must be a list of 3 integers"),
    (("examples", "labels"), [1, 2, "x"], r"examples\['labels'\] must be a list of 3 integers"),
    (("examples", "labels"), None, r"examples\['labels'\] must be a list of 3 integers"),
    (("examples", "shape"), [28, 29], r"examples\['shape'\] must be \[28, 28\]"),
    (("examples", "file"), DELETE, r"examples has no key 'file'"),
    (("examples",), [1], r"examples must be a JSON object"),
    (("files", "examples.bin"), DELETE, r"files has no key 'examples.bin'"),
]


@pytest.mark.parametrize("path, value, message", MALFORMED_EXAMPLES)
def test_malformed_examples_give_one_clear_error(export_dir, tmp_path, path, value, message):
    folder = tampered(export_dir, tmp_path, _set(path, value))
    with pytest.raises(ValueError) as caught:
        load_examples(folder)
    assert type(caught.value) is ValueError
    assert re.search(message, str(caught.value)), str(caught.value)


JUNK = [None, True, -1, 0, 2**64, 1.5, float("nan"), "", "x" * 300, [], [1, 2], {}, {"a": 1}]


def _mutate(node, rng):
    """Replace or delete one random node of the JSON tree ``node`` (in place)."""
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        key = keys[rng.integers(len(keys))]
        child = node[key]
        if isinstance(child, (dict, list)) and child and rng.random() < 0.7:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.3:
            del node[key]
        else:
            node[key] = JUNK[rng.integers(len(JUNK))]
        return


# 300 random manifests in three parts, so that pytest-xdist can share them out.
@pytest.mark.parametrize("part", range(3))
def test_randomly_broken_manifests_raise_only_the_documented_errors(export_dir, tmp_path, part):
    rng = np.random.default_rng([19, part])
    original = json.loads((export_dir / "model.json").read_text())
    folder = tampered(export_dir, tmp_path, lambda m: None)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(100):
        manifest = json.loads(json.dumps(original))
        for _ in range(rng.integers(1, 4)):
            _mutate(manifest, rng)
        (folder / "model.json").write_text(json.dumps(manifest))
        for load in (load_exported, load_examples):
            try:
                load(folder)
                outcomes["loaded"] += 1
            except (ValueError, FileNotFoundError) as error:
                assert type(error) in (ValueError, FileNotFoundError), repr(error)
                assert "\n" not in str(error)
                outcomes["refused"] += 1
    # About half of the 200 loads are refused (92 to 108 loaded over ten parts): the
    # mutations do break manifests; a bound well below that holds for any part.
    assert outcomes["refused"] >= 80, outcomes


def test_model_json_layers_follow_lecture_network(monkeypatch):
    """model.json's layers (which convnet.js builds its pass from) come from
    LECTURE_NETWORK: a change there shows in the manifest and in the shapes checked."""
    import dataclasses

    from cnn_tutorial import arithmetic, web

    layers = web._lecture_layers(10)
    rows = [row for row in arithmetic.describe_stack(arithmetic.LECTURE_NETWORK)
            if row.kind in ("conv", "pool", "dense")]
    assert [(layer["name"], tuple(layer["output"])) for layer in layers] == [
        (row.name, row.output_shape) for row in rows]
    narrower = tuple(dataclasses.replace(spec, filters=8) if spec.name == "conv1" else spec
                     for spec in arithmetic.LECTURE_NETWORK)
    monkeypatch.setattr(arithmetic, "LECTURE_NETWORK", narrower)
    assert web._lecture_layers(3)[0]["filters"] == 8
    shapes = web._lecture_shapes(3)
    assert shapes["conv1/kernel"] == (5, 5, 1, 8) and shapes["conv2/kernel"] == (5, 5, 8, 64)
    assert shapes["logits/kernel"] == (1024, 3)
