"""The trained convnet for the browser: export its weights, and read an export back.

The chapter "Draw a digit" (draw-a-digit.md) trains [`ConvNet`][cnn_tutorial.model.ConvNet]
and lets the reader draw a digit that the same network classifies in the
page, layer by layer. The page's script (``docs/assets/explainer/``) reads
what [`export_convnet`][cnn_tutorial.web.export_convnet] writes; [`load_exported`][cnn_tutorial.web.load_exported] reads the very same
files back into a ``ConvNet``, so Python and the browser compute with exactly
the same numbers.

An export is a folder holding:

* ``model.json``: the layers (names, shapes, strides, padding), where each
  tensor lies in the binary file and in which dtype, the test examples' labels,
  the lecture's hand-made kernels ([`cnn_tutorial.kernels.KERNELS`][cnn_tutorial.kernels.KERNELS]) and an
  ``id`` (a digest of everything in the folder);
* ``weights.bin``: the tensors, little-endian, one after the other (each
  starting at a multiple of 4 bytes);
* ``examples.bin`` (optional): test digits as uint8 ``N x 28 x 28``.

Quantisation (``quantize``) keeps the download small. ``"int4"`` (default)
stores each *dense* kernel as 4-bit integers from -7 to 7, two to a byte
(element ``2k`` in the low four bits of byte ``k``, two's complement), with
one float32 scale per output unit (the largest weight of a unit becomes
±7; ``fc`` holds 3.2 of the 3.27 million weights, so ``weights.bin`` shrinks
from 13.1 MB in float32 to 1.83 MB), and keeps the convolution kernels, the
ones the page shows number by number, in float32. ``"int8"`` does the same
with 8-bit integers (±127; 3.44 MB); ``"float16"`` stores every kernel as
float16; ``"float32"`` stores everything exactly. Biases are always float32. A value is ``q * scale``
rounded to float32, in Python and in the page alike.

A manifest entry of ``tensors`` reads ``{"shape": [...], "dtype": ...,
"offset": ..., "bytes": ...}`` plus, for int4 and int8, ``"scales":
{"offset": ..., "bytes": ...}`` (little-endian float32, one per unit).
[`load_exported`][cnn_tutorial.web.load_exported] and the page check every field before they read or
build anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from cnn_tutorial._validation import check_choice, describe_array

__all__ = ["EXPORT_FORMAT", "QUANTIZE", "export_convnet", "load_examples", "load_exported",
           "preprocess_drawing"]

#: The ``format`` field of ``model.json``; [`load_exported`][cnn_tutorial.web.load_exported] refuses others.
EXPORT_FORMAT = "cnn-tutorial-convnet/2"
#: Accepted values of ``quantize`` in [`export_convnet`][cnn_tutorial.web.export_convnet].
QUANTIZE = ("int4", "int8", "float16", "float32")

_MANIFEST = "model.json"
_WEIGHTS = "weights.bin"
_EXAMPLES = "examples.bin"
_KERNEL_DTYPES = ("float32", "float16", "int8", "int4")
_MAX_CLASSES = 10
_MAX_EXAMPLES = 10_000  # MNIST's test set
_MAX_MANIFEST_BYTES = 2_000_000  # an export's model.json with 10,000 labels is ~60 KB
_MAX_WEIGHTS_BYTES = 14_000_000  # the lecture network in float32: 13.1 MB


def _layer_variables(model: Any, name: str, kind: str) -> tuple[Any, Any]:
    layer = getattr(model, name)
    return (layer.kernel if kind == "conv" else layer.weights), layer.biases


def _lecture_layers(n_classes: int) -> list[dict[str, Any]]:
    """``model.json``'s ``layers``: the convolution, pooling and dense layers of
    [`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK] with ``n_classes`` logits.

    The page's script (``convnet.js``) builds its forward pass from this list.

    Examples:
        >>> [(layer["name"], layer["output"]) for layer in _lecture_layers(3)][-2:]
        [('fc', [1024]), ('logits', [3])]
    """
    from cnn_tutorial.arithmetic import LECTURE_NETWORK, Conv, Dense, Pool, describe_stack

    stack = list(LECTURE_NETWORK)
    last = max(i for i, spec in enumerate(stack) if isinstance(spec, Dense))
    stack[last] = dataclasses.replace(stack[last], units=n_classes)
    layers = []
    for index, (spec, row) in enumerate(zip(stack, describe_stack(stack, (28, 28, 1)))):
        if isinstance(spec, Conv):
            layer = {"type": "conv", "kernel": [spec.kernel_size] * 2, "filters": spec.filters,
                     "strides": spec.stride, "padding": spec.padding, "activation": "relu"}
        elif isinstance(spec, Pool):
            layer = {"type": "maxpool", "pool": spec.pool_size,
                     "strides": spec.stride or spec.pool_size, "padding": spec.padding}
        elif isinstance(spec, Dense):
            layer = {"type": "dense", "units": spec.units,
                     "activation": None if index == last else "relu"}
        else:  # Flatten and Dropout: nothing to compute at inference but a reshape
            continue
        layers.append({"name": spec.name, **layer, "output": list(row.output_shape)})
    return layers


def _lecture_shapes(n_classes: int) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor of the lecture network, by ``model.json`` key.

    Read from ``model.json``'s ``layers`` (as ``convnet.js`` reads them), as
    [`ConvNet`][cnn_tutorial.model.ConvNet] builds them, without building one.
    """
    shapes, previous = {}, (28, 28, 1)
    for layer in _lecture_layers(n_classes):
        name = layer["name"]
        if layer["type"] == "conv":
            shapes[f"{name}/kernel"] = (*layer["kernel"], previous[-1], layer["filters"])
        elif layer["type"] == "dense":
            shapes[f"{name}/kernel"] = (int(np.prod(previous)), layer["units"])
        if layer["type"] != "maxpool":
            shapes[f"{name}/biases"] = shapes[f"{name}/kernel"][-1:]
        previous = tuple(layer["output"])
    return shapes


def _tensor_bytes(dtype: str, count: int) -> int:
    """Bytes of ``count`` values stored as ``dtype`` (int4: two per byte)."""
    return {"float32": 4 * count, "float16": 2 * count, "int8": count,
            "int4": (count + 1) // 2}[dtype]


def _encode(values: np.ndarray, dtype: str) -> tuple[bytes, dict[str, Any]]:
    """Bytes and the manifest entry of one tensor (quantised as ``dtype``)."""
    values = np.asarray(values, dtype=np.float32)
    entry: dict[str, Any] = {"shape": list(values.shape), "dtype": dtype}
    if dtype in ("int8", "int4"):
        # Symmetric, one scale per output unit (the last axis): q = round(w / scale),
        # the unit's largest weight at +-127 (int8) or +-7 (int4).
        columns = values.reshape(-1, values.shape[-1])
        top = 127 if dtype == "int8" else 7
        scale = np.abs(columns).max(axis=0) / np.float32(top)
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        q = np.clip(np.rint(columns / scale), -top, top).astype(np.int8)
        if dtype == "int8":
            raw = q.tobytes()
        else:
            q = q.ravel()
            # Two's-complement nibbles, element 2k in the low half of byte k.
            nibbles = np.zeros(2 * ((q.size + 1) // 2), np.uint8)
            nibbles[:q.size] = q.astype(np.uint8) & 0x0F
            raw = (nibbles[0::2] | (nibbles[1::2] << 4)).astype(np.uint8).tobytes()
        return raw, dict(entry, scales=scale.astype("<f4").tobytes())
    return values.astype("<f2" if dtype == "float16" else "<f4").tobytes(), entry


def _decode(raw: bytes, entry: dict[str, Any], scales: np.ndarray | None) -> np.ndarray:
    shape = tuple(entry["shape"])
    count = int(np.prod(shape))
    if entry["dtype"] in ("int8", "int4"):
        if entry["dtype"] == "int8":
            q = np.frombuffer(raw, dtype=np.int8)
        else:
            packed = np.frombuffer(raw, dtype=np.uint8)
            nibbles = np.empty(2 * packed.size, np.int8)
            nibbles[0::2], nibbles[1::2] = packed & 0x0F, packed >> 4
            q = np.where(nibbles >= 8, nibbles - 16, nibbles)[:count]
        columns = q.reshape(-1, shape[-1]).astype(np.float32)
        return (columns * scales).reshape(shape)
    dtype = "<f2" if entry["dtype"] == "float16" else "<f4"
    return np.frombuffer(raw, dtype=dtype).astype(np.float32).reshape(shape)


def export_convnet(model: Any, folder: str | os.PathLike, *,
                   examples: tuple[Any, Any] | None = None, quantize: str = "int4",
                   extra: dict[str, Any] | None = None, by_id: bool = False) -> list[Path]:
    """Write ``model``'s weights for the browser into ``folder``.

    See the chapter "Draw a digit" (draw-a-digit.md) and the module's
    description for the files and the quantisation.

    Args:
        model: A [`ConvNet`][cnn_tutorial.model.ConvNet] with 10 or fewer classes.
        folder: Where to write (created if needed; files of an earlier
            export are overwritten).
        examples: Optional ``(images, labels)``: uint8 ``N x 28 x 28`` test
            digits and their ``N`` labels (``N`` at most 10,000), shipped for
            the page's strip of examples.
        quantize: ``"int4"`` (default), ``"int8"``, ``"float16"`` or ``"float32"``.
        extra: JSON-ready facts stored as ``model.json``'s ``"extra"`` (e.g.
            the training data and the test accuracy, for the page to show).
        by_id: Write into ``folder/<id>/`` instead, ``id`` being the export's
            digest (``model.json``'s ``"id"``): exports of different runs then
            sit side by side (the site's build keeps one per execution of the
            chapter, see ``docs_hooks/explainer.py``).

    Returns:
        The paths written: ``model.json``, ``weights.bin`` and, with
            ``examples``, ``examples.bin``.

    Raises:
        TypeError: ``model`` is not a ``ConvNet``, or ``extra`` is not a dict.
        ValueError: bad ``quantize`` or ``examples``, or more than 10 classes.

    Examples:
        >>> import tempfile
        >>> from cnn_tutorial.model import ConvNet
        >>> folder = Path(tempfile.mkdtemp())
        >>> paths = export_convnet(ConvNet(seed=0), folder)
        >>> [path.name for path in paths]
        ['model.json', 'weights.bin']
        >>> round(paths[1].stat().st_size / 1e6, 2)  # megabytes, the dense kernels in int4
        1.83
        >>> round(export_convnet(ConvNet(seed=0), folder, quantize="int8")[1].stat().st_size / 1e6, 2)
        3.44
        >>> round(export_convnet(ConvNet(seed=0), folder, quantize="float32")[1].stat().st_size / 1e6, 2)
        13.1
        >>> export_convnet(ConvNet(seed=0), folder, quantize="int2")
        Traceback (most recent call last):
        ...
        ValueError: quantize must be one of 'int4', 'int8', 'float16', 'float32', got 'int2'
    """
    from cnn_tutorial.model import _WEIGHTED_LAYERS, ConvNet

    if not isinstance(model, ConvNet):
        raise TypeError(f"model must be a cnn_tutorial.model.ConvNet, got {type(model).__name__}")
    check_choice("quantize", quantize, QUANTIZE)
    if model.n_classes > _MAX_CLASSES:
        raise ValueError(f"model must have at most {_MAX_CLASSES} classes for the browser, "
                         f"got n_classes={model.n_classes}")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict or None, got {type(extra).__name__}")
    images = labels = None
    if examples is not None:
        if not isinstance(examples, (tuple, list)) or len(examples) != 2:
            raise ValueError("examples must be a pair (images, labels), got "
                             f"{type(examples).__name__}")
        images, labels = (np.asarray(a) for a in examples)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) \
                or not 1 <= len(images) <= _MAX_EXAMPLES:
            raise ValueError(f"examples images must be uint8 N x 28 x 28 with 1 <= N <= "
                             f"{_MAX_EXAMPLES:,}, got {describe_array(images)}")
        if labels.ndim != 1 or len(labels) != len(images) or \
                not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"examples labels must be {len(images)} integers, got "
                             f"{describe_array(labels)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not isinstance(by_id, bool):
        raise TypeError(f"by_id must be True or False, got {by_id!r}")

    blob = bytearray()
    tensors: dict[str, dict[str, Any]] = {}

    def append(raw: bytes) -> tuple[int, int]:
        blob.extend(b"\0" * (-len(blob) % 4))
        offset = len(blob)
        blob.extend(raw)
        return offset, len(raw)

    for name, kind in _WEIGHTED_LAYERS:
        kernel, biases = _layer_variables(model, name, kind)
        dtype = "float32" if kind == "conv" and quantize in ("int8", "int4") else quantize
        raw, entry = _encode(kernel.numpy(), dtype)
        scales = entry.pop("scales", None)
        entry["offset"], entry["bytes"] = append(raw)
        if scales is not None:
            entry["scales"] = dict(zip(("offset", "bytes"), append(scales)))
        tensors[f"{name}/kernel"] = entry
        raw, entry = _encode(biases.numpy(), "float32")
        entry["offset"], entry["bytes"] = append(raw)
        tensors[f"{name}/biases"] = entry

    from cnn_tutorial.kernels import KERNELS

    files = {_WEIGHTS: bytes(blob)}
    if images is not None:
        files[_EXAMPLES] = np.ascontiguousarray(images).tobytes()
    digest = hashlib.sha256()
    for file_name, raw in files.items():
        digest.update(file_name.encode() + b"\0" + raw)
    manifest = {
        "format": EXPORT_FORMAT,
        "quantize": quantize,
        "input": {"shape": [28, 28, 1], "scale": "uint8 pixel / 255 (white digit on black)"},
        "layers": _lecture_layers(model.n_classes),
        "tensors": tensors,
        "files": {name: {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
                  for name, raw in files.items()},
        "examples": None if images is None else {
            "file": _EXAMPLES, "count": int(len(images)), "shape": [28, 28],
            "labels": [int(v) for v in labels]},
        "handmade_kernels": {name: np.asarray(k, np.float64).round(6).tolist()
                             for name, k in KERNELS.items()},
        "extra": extra or {},
    }
    digest.update(json.dumps(manifest, sort_keys=True).encode())
    manifest["id"] = digest.hexdigest()[:16]
    if by_id:
        folder = folder / manifest["id"]
        folder.mkdir(exist_ok=True)
    paths = [folder / _MANIFEST]
    paths[0].write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for file_name, raw in files.items():
        (folder / file_name).write_bytes(raw)
        paths.append(folder / file_name)
    stale = folder / _EXAMPLES
    if images is None and stale.exists():
        stale.unlink()
    return paths


# -- reading an export back: every field checked before anything is read or built ----------

def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad(where: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"{_MANIFEST}: {where} must be {expected}, got {_show(value)}")


def _field(mapping: Any, key: str, where: str) -> Any:
    """``mapping[key]``, or a ValueError naming ``where`` (the JSON path of ``mapping``)."""
    if not isinstance(mapping, dict):
        raise _bad(where, "a JSON object", mapping)
    if key not in mapping:
        raise ValueError(f"{_MANIFEST}: {where} has no key {key!r}")
    return mapping[key]


def _count(mapping: Any, key: str, where: str, minimum: int, maximum: int) -> int:
    value = _field(mapping, key, where)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise _bad(f"{where}[{key!r}]", f"an integer from {minimum:,} to {maximum:,}", value)
    return value


def _read_manifest(folder: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder must be an export folder (from export_convnet), "
                                f"but {folder} is not a folder")
    path = folder / _MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"folder {folder} has no {_MANIFEST}: "
                                "is it a folder written by export_convnet?")
    size = path.stat().st_size
    if size > _MAX_MANIFEST_BYTES:
        raise ValueError(f"{path} is {size:,} bytes; a {_MANIFEST} of export_convnet is "
                         f"far below {_MAX_MANIFEST_BYTES:,}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"{path} must have format {EXPORT_FORMAT!r}, got {_show(found)}")
    return folder, manifest


def _plain_name(name: Any, where: str) -> str:
    """``name`` if it is a plain file name (no folder part), else ValueError.

    Checked on the text alone, before any file is looked at, so the message
    says nothing about which paths exist.
    """
    if not isinstance(name, str) or name in ("", ".", "..") or len(name) > 255 or \
            any(c in name for c in "/\\:\0") or Path(name).name != name:
        raise _bad(where, "a plain file name inside the export folder (such as "
                          f"{_EXAMPLES!r})", name)
    return name


def _read_file(folder: Path, manifest: dict[str, Any], name: str, need: int) -> bytes:
    """The bytes of ``folder/name``, after its size is checked against ``need`` and the disk.

    ``need`` is what the manifest's other fields say the file holds, so a
    manifest cannot make this read more than the network needs.
    """
    entry = _field(_field(manifest, "files", "the manifest"), name, "files")
    size = _count(entry, "bytes", f"files[{name!r}]", 0, 2 * _MAX_WEIGHTS_BYTES)
    digest = _field(entry, "sha256", f"files[{name!r}]")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise _bad(f"files[{name!r}]['sha256']", "64 lowercase hex digits", digest)
    if size != need:
        raise _bad(f"files[{name!r}]['bytes']", f"{need:,} (what its tensors take)", size)
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"folder {folder} lacks {name}, which {_MANIFEST} lists")
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"{path} is a link to a file outside the export folder")
    with open(path, "rb") as file:
        actual = os.fstat(file.fileno()).st_size
        if actual != size:
            raise ValueError(f"{path} does not match {_MANIFEST} (it is {actual:,} bytes, "
                             f"{_MANIFEST} says {size:,}): the export is incomplete or was "
                             "changed")
        raw = file.read(size + 1)
    if len(raw) != size or hashlib.sha256(raw).hexdigest() != digest:
        raise ValueError(f"{path} does not match {_MANIFEST} (size or sha256 differs): "
                         "the export is incomplete or was changed")
    return raw


def _n_classes(manifest: dict[str, Any]) -> int:
    """The number of classes, after ``layers`` is checked to be the lecture network's."""
    layers, count = _field(manifest, "layers", "the manifest"), len(_lecture_layers(1))
    if not isinstance(layers, list) or len(layers) != count:
        raise _bad("layers", f"a list of the lecture network's {count} layers", layers)
    n_classes = _count(layers[-1], "units", f"layers[{count - 1}]", 1, _MAX_CLASSES)
    for index, (found, expected) in enumerate(zip(layers, _lecture_layers(n_classes))):
        if found != expected:
            raise _bad(f"layers[{index}]", f"{expected} (the lecture network's)", found)
    return n_classes


def _pieces(manifest: dict[str, Any], n_classes: int) -> dict[str, tuple[dict[str, Any], ...]]:
    """Each tensor's entry (and its scales' location), checked against the lecture's shapes."""
    tensors = _field(manifest, "tensors", "the manifest")
    checked = {}
    for key, shape in _lecture_shapes(n_classes).items():
        where = f"tensors[{key!r}]"
        entry = _field(tensors, key, "tensors")
        found = _field(entry, "shape", where)
        if found != list(shape):
            raise _bad(f"{where}['shape']", f"{list(shape)} (the lecture network's)", found)
        dtypes = _KERNEL_DTYPES if key.endswith("/kernel") else ("float32",)
        dtype = _field(entry, "dtype", where)
        if dtype not in dtypes:
            raise _bad(f"{where}['dtype']", "one of " + ", ".join(map(repr, dtypes)), dtype)
        count = int(np.prod(shape))
        size = _tensor_bytes(dtype, count)
        _count(entry, "offset", where, 0, _MAX_WEIGHTS_BYTES)
        if _count(entry, "bytes", where, 0, _MAX_WEIGHTS_BYTES) != size:
            raise _bad(f"{where}['bytes']", f"{size:,} ({count:,} values in {dtype})",
                       entry["bytes"])
        locations = [entry]
        if dtype in ("int8", "int4"):
            scales = _field(entry, "scales", where)
            _count(scales, "offset", f"{where}['scales']", 0, _MAX_WEIGHTS_BYTES)
            if _count(scales, "bytes", f"{where}['scales']", 0, _MAX_WEIGHTS_BYTES) != \
                    4 * shape[-1]:
                raise _bad(f"{where}['scales']['bytes']",
                           f"{4 * shape[-1]:,} (one float32 per unit)", scales["bytes"])
            locations.append(scales)
        checked[key] = tuple(locations)
    return checked


def load_exported(folder: str | os.PathLike) -> Any:
    """A [`ConvNet`][cnn_tutorial.model.ConvNet] with the weights of an export.

    The weights are the exported ones exactly (int4, int8 and float16 values
    multiplied out to float32 the way the page's script does it), so this
    model and the page compute the same logits. See the chapter "Draw a
    digit" (draw-a-digit.md).

    Nothing is trusted before it is checked: ``model.json`` must describe the
    lecture network (every layer and tensor shape), each tensor's dtype must be
    one the format knows and its byte count must be what its shape takes;
    ``weights.bin`` must have that size on disk before it is read, and its
    SHA-256 digest must match. So a tampered export is refused with a
    ``ValueError`` that names the field, having read at most what the network
    needs.

    Args:
        folder: A folder written by [`export_convnet`][cnn_tutorial.web.export_convnet].

    Returns:
        A new ``ConvNet``.

    Raises:
        FileNotFoundError: ``folder`` or one of its files is missing.
        ValueError: ``model.json`` is malformed or not the lecture network's,
            or a file is not what ``model.json`` says it is.

    Examples:
        >>> import tempfile
        >>> from cnn_tutorial.model import ConvNet
        >>> original, folder = ConvNet(seed=0), tempfile.mkdtemp()
        >>> _ = export_convnet(original, folder, quantize="float32")
        >>> copy = load_exported(folder)
        >>> all(np.array_equal(a.numpy(), b.numpy())
        ...     for a, b in zip(original.trainable_variables, copy.trainable_variables))
        True
        >>> load_exported(Path(folder) / "missing")
        Traceback (most recent call last):
        ...
        FileNotFoundError: folder must be an export folder (from export_convnet), but ... is not a folder
    """
    folder, manifest = _read_manifest(folder)
    n_classes = _n_classes(manifest)
    pieces = _pieces(manifest, n_classes)
    end = max(where["offset"] + where["bytes"] for group in pieces.values() for where in group)
    raw = _read_file(folder, manifest, _WEIGHTS, end)

    values = {}
    for key, (entry, *scales_at) in pieces.items():
        scales = None
        if scales_at:
            start = scales_at[0]["offset"]
            scales = np.frombuffer(raw[start:start + scales_at[0]["bytes"]], dtype="<f4")
        start = entry["offset"]
        values[key] = _decode(raw[start:start + entry["bytes"]], entry, scales)
        if not np.isfinite(values[key]).all():
            raise ValueError(f"{folder / _WEIGHTS}: tensor {key!r} holds NaN or infinite values")

    from cnn_tutorial.model import _WEIGHTED_LAYERS, ConvNet

    model = ConvNet(n_classes=n_classes, seed=0)
    for name, kind in _WEIGHTED_LAYERS:
        for variable, key in zip(_layer_variables(model, name, kind),
                                 (f"{name}/kernel", f"{name}/biases")):
            variable.assign(values[key])
    return model


def load_examples(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The test digits shipped with an export: uint8 ``N x 28 x 28`` images and their labels.

    ``model.json``'s ``examples.file`` must be a plain file name: the file is
    read from the export folder only (never a path outside it), and only once
    its size is ``N x 784`` bytes on disk.

    Raises:
        FileNotFoundError: the folder, ``model.json`` or the examples are missing.
        ValueError: ``model.json``'s ``examples`` or ``files`` are malformed, or
            the file is not what they say.

    Examples:
        >>> import tempfile
        >>> from cnn_tutorial.model import ConvNet
        >>> folder = tempfile.mkdtemp()
        >>> digits = np.zeros((3, 28, 28), np.uint8)
        >>> _ = export_convnet(ConvNet(seed=0), folder, examples=(digits, np.array([1, 2, 3])))
        >>> images, labels = load_examples(folder)
        >>> images.shape, labels.tolist()
        ((3, 28, 28), [1, 2, 3])
    """
    folder, manifest = _read_manifest(folder)
    info = manifest.get("examples")
    if not info:
        raise FileNotFoundError(f"the export in {folder} has no examples")
    name = _plain_name(_field(info, "file", "examples"), "examples['file']")
    count = _count(info, "count", "examples", 1, _MAX_EXAMPLES)
    if _field(info, "shape", "examples") != [28, 28]:
        raise _bad("examples['shape']", "[28, 28]", info["shape"])
    labels = _field(info, "labels", "examples")
    if not isinstance(labels, list) or len(labels) != count or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < _MAX_CLASSES
            for v in labels):
        raise _bad("examples['labels']", f"a list of {count} integers from 0 to "
                                         f"{_MAX_CLASSES - 1}", labels)
    raw = _read_file(folder, manifest, name, count * 784)
    images = np.frombuffer(raw, dtype=np.uint8).reshape(count, 28, 28).copy()
    return images, np.asarray(labels, dtype=np.int64)


def _area_weights(source: int, target: int) -> np.ndarray:
    """``target x source`` box-filter weights: each row averages the source cells it covers."""
    ratio = source / target
    weights = np.zeros((target, source))
    for i in range(target):
        start, end = i * ratio, (i + 1) * ratio
        for k in range(int(np.floor(start)), min(source, int(np.ceil(end)))):
            overlap = min(end, k + 1) - max(start, k)
            if overlap > 0:
                weights[i, k] = overlap / ratio
    return weights


def preprocess_drawing(gray: Any) -> np.ndarray:
    """A drawing made into an MNIST digit, as the page's widget does it.

    MNIST's digits were made this way: the bounding box of the ink is scaled
    (aspect ratio kept, box filter) so that its longer side is 20 pixels, put
    in a 28 x 28 field and shifted by whole pixels so that its centre of mass
    lies at the field's centre. The widget (``docs/assets/explainer/convnet.js``,
    ``preprocessDigit``) does exactly this to the reader's drawing; the tests
    compare the two. See the chapter "Draw a digit" (draw-a-digit.md).

    Args:
        gray: ``H x W`` values in [0, 1], white ink on black.

    Returns:
        uint8 ``28 x 28`` (all zeros when there is no ink).

    Raises:
        ValueError: ``gray`` is not a 2-D array of values in [0, 1].

    Examples:
        >>> canvas = np.zeros((100, 60))
        >>> canvas[10:90, 20:30] = 1.0          # a tall bar: "1"
        >>> digit = preprocess_drawing(canvas)
        >>> digit.shape, digit.dtype.name
        ((28, 28), 'uint8')
        >>> rows, cols = np.nonzero(digit)
        >>> int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        (20, 3)
    """
    gray = np.asarray(gray, dtype=np.float64)
    if gray.ndim != 2 or gray.size == 0 or not np.all(np.isfinite(gray)) or \
            gray.min() < 0 or gray.max() > 1:
        raise ValueError(f"gray must be a 2-D array of values in [0, 1], got {describe_array(gray)}")
    out = np.zeros((28, 28), np.uint8)
    rows, cols = np.nonzero(gray > 0)
    if len(rows) == 0:
        return out
    y0, y1, x0, x1 = rows.min(), rows.max(), cols.min(), cols.max()
    crop = gray[y0:y1 + 1, x0:x1 + 1]
    bh, bw = crop.shape
    scale = 20 / max(bh, bw)
    th = min(20, max(1, int(np.floor(bh * scale + 0.5))))
    tw = min(20, max(1, int(np.floor(bw * scale + 0.5))))
    small = _area_weights(bh, th) @ crop @ _area_weights(bw, tw).T
    top, left = (28 - th) // 2, (28 - tw) // 2
    mass = small.sum()
    cy = (small.sum(axis=1) * (top + np.arange(th))).sum() / mass
    cx = (small.sum(axis=0) * (left + np.arange(tw))).sum() / mass
    dy, dx = int(np.floor(13.5 - cy + 0.5)), int(np.floor(13.5 - cx + 0.5))
    values = np.floor(np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)
    for i in range(th):
        for j in range(tw):
            y, x = top + i + dy, left + j + dx
            if 0 <= y < 28 and 0 <= x < 28:
                out[y, x] = values[i, j]
    return out
