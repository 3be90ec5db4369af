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

Quantisation (``quantize``) keeps the download small: ``"int8"`` (default)
stores each *dense* kernel as int8 with one float32 scale per output unit
(``fc`` holds 3.2 of the 3.27 million weights, so the export shrinks from
13.1 MB to 3.4 MB) and keeps the convolution kernels, the ones the page shows
number by number, in float32; ``"float16"`` stores every kernel as float16;
``"float32"`` stores everything exactly. Biases are always float32.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from cnn_tutorial._validation import check_choice, describe_array

__all__ = ["EXPORT_FORMAT", "QUANTIZE", "export_convnet", "load_examples", "load_exported",
           "preprocess_drawing"]

#: The ``format`` field of ``model.json``; [`load_exported`][cnn_tutorial.web.load_exported] refuses others.
EXPORT_FORMAT = "cnn-tutorial-convnet/1"
#: Accepted values of ``quantize`` in [`export_convnet`][cnn_tutorial.web.export_convnet].
QUANTIZE = ("int8", "float16", "float32")

_MANIFEST = "model.json"
_WEIGHTS = "weights.bin"
_EXAMPLES = "examples.bin"
# (name, kind) of the layers with weights, in the order of the forward pass.
_LAYERS = (("conv1", "conv"), ("conv2", "conv"), ("fc", "dense"), ("logits", "dense"))


def _layer_variables(model: Any, name: str, kind: str) -> tuple[Any, Any]:
    layer = getattr(model, name)
    return (layer.kernel if kind == "conv" else layer.weights), layer.biases


def _encode(values: np.ndarray, dtype: str) -> tuple[bytes, dict[str, Any]]:
    """Bytes and the manifest entry of one tensor (quantised as ``dtype``)."""
    values = np.asarray(values, dtype=np.float32)
    entry: dict[str, Any] = {"shape": list(values.shape), "dtype": dtype}
    if dtype == "int8":
        # Symmetric, one scale per output unit (the last axis): q = round(w / scale).
        columns = values.reshape(-1, values.shape[-1])
        scale = np.abs(columns).max(axis=0) / 127.0
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        quantised = np.clip(np.rint(columns / scale), -127, 127).astype(np.int8)
        return quantised.tobytes(), dict(entry, scales=scale.astype("<f4").tobytes())
    return values.astype("<f2" if dtype == "float16" else "<f4").tobytes(), entry


def _decode(raw: bytes, entry: dict[str, Any], scales: np.ndarray | None) -> np.ndarray:
    shape = tuple(entry["shape"])
    if entry["dtype"] == "int8":
        columns = np.frombuffer(raw, dtype=np.int8).reshape(-1, shape[-1]).astype(np.float32)
        return (columns * scales).reshape(shape)
    dtype = "<f2" if entry["dtype"] == "float16" else "<f4"
    return np.frombuffer(raw, dtype=dtype).astype(np.float32).reshape(shape)


def export_convnet(model: Any, folder: str | os.PathLike, *,
                   examples: tuple[Any, Any] | None = None, quantize: str = "int8",
                   extra: dict[str, Any] | None = None, by_id: bool = False) -> list[Path]:
    """Write ``model``'s weights for the browser into ``folder``.

    See the chapter "Draw a digit" (draw-a-digit.md) and the module's
    description for the files and the quantisation.

    Args:
        model: A [`ConvNet`][cnn_tutorial.model.ConvNet] with 10 or fewer classes.
        folder: Where to write (created if needed; files of an earlier
            export are overwritten).
        examples: Optional ``(images, labels)``: uint8 ``N x 28 x 28`` test
            digits and their ``N`` labels, shipped for the page's strip of
            examples.
        quantize: ``"int8"`` (default), ``"float16"`` or ``"float32"``.
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
        ValueError: bad ``quantize`` or ``examples``.

    Examples:
        >>> import tempfile
        >>> from cnn_tutorial.model import ConvNet
        >>> folder = Path(tempfile.mkdtemp())
        >>> paths = export_convnet(ConvNet(seed=0), folder)
        >>> [path.name for path in paths]
        ['model.json', 'weights.bin']
        >>> round(paths[1].stat().st_size / 1e6, 2)  # megabytes, the dense kernels in int8
        3.44
        >>> round(export_convnet(ConvNet(seed=0), folder, quantize="float32")[1].stat().st_size / 1e6, 2)
        13.1
        >>> export_convnet(ConvNet(seed=0), folder, quantize="int4")
        Traceback (most recent call last):
        ...
        ValueError: quantize must be one of 'int8', 'float16', 'float32', got 'int4'
    """
    from cnn_tutorial.model import ConvNet

    if not isinstance(model, ConvNet):
        raise TypeError(f"model must be a cnn_tutorial.model.ConvNet, got {type(model).__name__}")
    check_choice("quantize", quantize, QUANTIZE)
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict or None, got {type(extra).__name__}")
    images = labels = None
    if examples is not None:
        if not isinstance(examples, (tuple, list)) or len(examples) != 2:
            raise ValueError("examples must be a pair (images, labels), got "
                             f"{type(examples).__name__}")
        images, labels = (np.asarray(a) for a in examples)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) \
                or len(images) == 0:
            raise ValueError("examples images must be uint8 N x 28 x 28 with N >= 1, got "
                             f"{describe_array(images)}")
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

    for name, kind in _LAYERS:
        kernel, biases = _layer_variables(model, name, kind)
        dtype = quantize if (quantize != "int8" or kind == "dense") else "float32"
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
        "layers": [
            {"name": "conv1", "type": "conv", "kernel": [5, 5], "filters": 32,
             "strides": 1, "padding": "SAME", "activation": "relu", "output": [28, 28, 32]},
            {"name": "pool1", "type": "maxpool", "pool": 2, "strides": 2, "padding": "VALID",
             "output": [14, 14, 32]},
            {"name": "conv2", "type": "conv", "kernel": [5, 5], "filters": 64,
             "strides": 1, "padding": "SAME", "activation": "relu", "output": [14, 14, 64]},
            {"name": "pool2", "type": "maxpool", "pool": 2, "strides": 2, "padding": "VALID",
             "output": [7, 7, 64]},
            {"name": "fc", "type": "dense", "units": 1024, "activation": "relu",
             "output": [1024]},
            {"name": "logits", "type": "dense", "units": model.n_classes, "activation": None,
             "output": [model.n_classes]},
        ],
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


def _read_manifest(folder: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder must be an export folder (from export_convnet), "
                                f"but {folder} is not a folder")
    path = folder / _MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"folder {folder} has no {_MANIFEST}: "
                                "is it a folder written by export_convnet?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"{path} must have format {EXPORT_FORMAT!r}, got {found!r}")
    return folder, manifest


def _read_file(folder: Path, manifest: dict[str, Any], name: str) -> bytes:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"folder {folder} lacks {name}, which {_MANIFEST} lists")
    raw = path.read_bytes()
    expected = manifest["files"].get(name, {})
    if len(raw) != expected.get("bytes") or hashlib.sha256(raw).hexdigest() != \
            expected.get("sha256"):
        raise ValueError(f"{path} does not match {_MANIFEST} (size or sha256 differs): "
                         "the export is incomplete or was changed")
    return raw


def load_exported(folder: str | os.PathLike) -> Any:
    """A [`ConvNet`][cnn_tutorial.model.ConvNet] with the weights of an export.

    The weights are the exported ones exactly (int8 and float16 values
    multiplied out to float32 the way the page's script does it), so this
    model and the page compute the same logits. See the chapter "Draw a
    digit" (draw-a-digit.md).

    Args:
        folder: A folder written by [`export_convnet`][cnn_tutorial.web.export_convnet].

    Returns:
        A new ``ConvNet``.

    Raises:
        FileNotFoundError: ``folder`` or one of its files is missing.
        ValueError: a file is not what ``model.json`` says it is.

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
    from cnn_tutorial.model import ConvNet

    folder, manifest = _read_manifest(folder)
    raw = _read_file(folder, manifest, _WEIGHTS)
    tensors = manifest.get("tensors", {})
    n_classes = manifest["layers"][-1]["units"]
    model = ConvNet(n_classes=n_classes, seed=0)

    def piece(where: dict[str, Any]) -> bytes:
        start, size = where["offset"], where["bytes"]
        if start < 0 or start + size > len(raw):
            raise ValueError(f"{folder / _MANIFEST} points outside {_WEIGHTS}")
        return raw[start:start + size]

    for name, kind in _LAYERS:
        for variable, key in zip(_layer_variables(model, name, kind),
                                 (f"{name}/kernel", f"{name}/biases")):
            entry = tensors.get(key)
            if entry is None:
                raise ValueError(f"{folder / _MANIFEST} has no tensor {key!r}")
            if tuple(entry["shape"]) != tuple(variable.shape):
                raise ValueError(f"tensor {key!r} has shape {tuple(entry['shape'])} in the "
                                 f"export but {tuple(variable.shape)} in ConvNet")
            scales = None
            if entry["dtype"] == "int8":
                scales = np.frombuffer(piece(entry["scales"]), dtype="<f4")
            variable.assign(_decode(piece(entry), entry, scales))
    return model


def load_examples(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The test digits shipped with an export: uint8 ``N x 28 x 28`` images and their labels.

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
    raw = _read_file(folder, manifest, info["file"])
    images = np.frombuffer(raw, dtype=np.uint8).reshape(info["count"], 28, 28).copy()
    return images, np.asarray(info["labels"], dtype=np.int64)


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
