"""Plugin part: the two data files of the in-page convolution playground.

Nothing in ``docs/assets/playground/`` is pasted from the package; at build
time this part writes, beside every copy of ``playground.js`` in the built site
(mkdocs-static-i18n copies shared assets once per language):

* ``lecture-network.json``: the layer calculator's starting stack, converted
  from ``cnn_tutorial.arithmetic.LECTURE_NETWORK`` by :func:`network_layers`,
  so the package is the network's one source (``cnn-core.js`` holds no copy);
* ``sample-photo.png``: the photograph the kernel widget filters, the one the
  chapter "Convolution without training" uses, computed with
  ``cnn_tutorial.kernels.load_sample_image(gray=True, size=SAMPLE_SIZE)``.

The file is an 8-bit grayscale PNG (35 KB; the float32 JSON it replaces
was 350 KB): each pixel is the photo's value rounded to the nearest of 256
gray levels. The widget computes on exactly those quantised values
(``sample_pixels``), so its output matches ``apply_kernel`` on them to float
precision (tests/playground/ checks both).

The photo is cached on disk (``playground/`` under the plugin's cache root,
``.cache/`` beside ``mkdocs.yml``) under a key made of the code and library
versions that decide its pixels, so a rebuild does not import TensorFlow again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from importlib import metadata
from pathlib import Path

import numpy as np

from .notebooks.store import touch

log = logging.getLogger("mkdocs.plugins.cnn_tutorial.playground")

#: Side of the square gray photo the kernel widget filters (pixels): the size
#: the chapter convolution.md uses, so the widget shows the figure's photo.
SAMPLE_SIZE = 256
#: Which of cnn_tutorial.kernels.SAMPLE_IMAGES the widget shows.
SAMPLE_NAME = "astronaut"
#: File name the widget fetches, relative to playground.js.
SAMPLE_FILE = "sample-photo.png"
#: Gray levels of the shipped photo (8-bit PNG).
LEVELS = 255
#: File name of the layer calculator's starting stack, relative to playground.js.
NETWORK_FILE = "lecture-network.json"


def _cache_key(size: int, name: str) -> str:
    """Hash of what decides the photo's pixels: the package's code and library versions."""
    from cnn_tutorial import kernels

    digest = hashlib.sha256()
    digest.update(f"png8:{size}:{name}:".encode())
    digest.update(Path(kernels.__file__).read_bytes())
    for package in ("tensorflow", "scikit-image", "numpy"):
        try:
            digest.update(f"{package}={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none;".encode())
    return digest.hexdigest()[:20]


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow (the resize needs it) without its C++ start-up lines in the build log.

    ``import_tensorflow`` sets ``TF_CPP_MIN_LOG_LEVEL``; it is put back at once so
    that processes started later (the chapters' kernels) see the user's setting.
    """
    from cnn_tutorial._quiet import import_tensorflow

    previous = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    try:
        import_tensorflow()
    finally:
        if previous is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        else:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = previous


def quantise(pixels: np.ndarray) -> np.ndarray:
    """Gray values in [0, 1] as the 8-bit levels the PNG stores (nearest level).

    Examples:
        >>> quantise(np.array([[0.0, 0.5, 1.0]], dtype=np.float32)).tolist()
        [[0, 128, 255]]
    """
    return np.round(np.clip(pixels, 0.0, 1.0) * LEVELS).astype(np.uint8)


def levels_to_pixels(levels: np.ndarray) -> np.ndarray:
    """8-bit levels as float32 values in [0, 1], computed as the widget does.

    ``level / 255`` in float64, then rounded to float32: what ``sample.js``
    stores in its ``Float32Array``, bit for bit.

    Examples:
        >>> levels_to_pixels(np.array([0, 51, 255], dtype=np.uint8)).tolist()
        [0.0, 0.20000000298023224, 1.0]
    """
    return (levels.astype(np.float64) / LEVELS).astype(np.float32)


def sample_levels(size: int = SAMPLE_SIZE, name: str = SAMPLE_NAME) -> np.ndarray:
    """The sample photo as ``size x size`` 8-bit gray levels (what the PNG holds).

    Args:
        size: Side of the square photo in pixels.
        name: A key of ``cnn_tutorial.kernels.SAMPLE_IMAGES``.

    Examples:
        >>> levels = sample_levels(size=8)
        >>> levels.shape, levels.dtype.name
        ((8, 8), 'uint8')
    """
    from cnn_tutorial.kernels import load_sample_image

    _import_tensorflow_quietly()
    return quantise(load_sample_image(gray=True, size=size, name=name))


def sample_pixels(size: int = SAMPLE_SIZE, name: str = SAMPLE_NAME) -> np.ndarray:
    """The float32 pixels the widget computes on: the photo at 256 gray levels.

    Each is within half a level (``0.5 / 255``) of ``load_sample_image(gray=True,
    size=size)``.

    Examples:
        >>> pixels = sample_pixels(size=8)
        >>> pixels.dtype.name, bool(pixels.min() >= 0 and pixels.max() <= 1)
        ('float32', True)
    """
    return levels_to_pixels(sample_levels(size, name))


def encode_png(levels: np.ndarray) -> bytes:
    """An ``H x W`` uint8 array as an 8-bit grayscale PNG (no colour profile, no gamma).

    Examples:
        >>> encode_png(np.zeros((2, 3), dtype=np.uint8))[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    from PIL import Image  # matplotlib's dependency

    if levels.dtype != np.uint8 or levels.ndim != 2:
        raise ValueError(f"levels must be a 2-D uint8 array, got {levels.dtype} {levels.shape}")
    buffer = io.BytesIO()
    Image.fromarray(levels, mode="L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    """The ``H x W`` uint8 gray levels of a PNG written by :func:`encode_png`.

    Examples:
        >>> levels = np.array([[0, 7], [128, 255]], dtype=np.uint8)
        >>> decode_png(encode_png(levels)).tolist()
        [[0, 7], [128, 255]]
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.mode != "L":
            raise ValueError(f"data must be an 8-bit grayscale PNG, got mode {image.mode!r}")
        return np.asarray(image, dtype=np.uint8).copy()


def sample_png(cache_dir: Path, size: int = SAMPLE_SIZE, name: str = SAMPLE_NAME) -> bytes:
    """The PNG of :func:`sample_levels`, cached in ``cache_dir``."""
    cache_file = Path(cache_dir) / f"sample-{_cache_key(size, name)}.png"
    try:
        data = cache_file.read_bytes()
        touch(cache_file)  # in use: kept by the cache's retention rule
    except OSError:
        data = encode_png(sample_levels(size, name))
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            cache_file.write_bytes(data)
        except OSError as error:  # a read-only checkout still builds
            log.debug("playground: could not cache the sample photo: %s", error)
    return data


def network_layers(layers=None) -> list[dict]:
    """A stack of ``cnn_tutorial.arithmetic`` layers as the objects ``cnn-core.js`` computes on.

    ``describeStack`` in ``cnn-core.js`` takes ``{"type": "conv", "filters",
    "kernel", "stride", "padding", "dilation"}``, ``{"type": "pool", "size",
    "stride", "padding"}``, ``{"type": "flatten"}``, ``{"type": "dense",
    "units"}`` and ``{"type": "dropout", "rate"}``; a pooling layer's stride
    ``None`` (the window's side) is written out.

    Args:
        layers: Layer objects in order; ``None`` means ``LECTURE_NETWORK``.

    Examples:
        >>> network_layers()[:2]  # doctest: +NORMALIZE_WHITESPACE
        [{'type': 'conv', 'filters': 32, 'kernel': 5, 'stride': 1, 'padding': 'SAME',
          'dilation': 1}, {'type': 'pool', 'size': 2, 'stride': 2, 'padding': 'VALID'}]
        >>> [layer["type"] for layer in network_layers()]
        ['conv', 'pool', 'conv', 'pool', 'flatten', 'dense', 'dropout', 'dense']
        >>> network_layers(["conv"])
        Traceback (most recent call last):
        ...
        TypeError: layers[0] must be a Conv, Pool, Flatten, Dense or Dropout, got 'conv'
    """
    from cnn_tutorial import arithmetic

    out = []
    for index, layer in enumerate(arithmetic.LECTURE_NETWORK if layers is None else layers):
        if isinstance(layer, arithmetic.Conv):
            out.append({"type": "conv", "filters": layer.filters, "kernel": layer.kernel_size,
                        "stride": layer.stride, "padding": layer.padding,
                        "dilation": layer.dilation})
        elif isinstance(layer, arithmetic.Pool):
            out.append({"type": "pool", "size": layer.pool_size,
                        "stride": layer.pool_size if layer.stride is None else layer.stride,
                        "padding": layer.padding})
        elif isinstance(layer, arithmetic.Flatten):
            out.append({"type": "flatten"})
        elif isinstance(layer, arithmetic.Dense):
            out.append({"type": "dense", "units": layer.units})
        elif isinstance(layer, arithmetic.Dropout):
            out.append({"type": "dropout", "rate": layer.rate})
        else:
            raise TypeError(f"layers[{index}] must be a Conv, Pool, Flatten, Dense or Dropout, "
                            f"got {layer!r}")
    return out


def network_file() -> bytes:
    """The bytes of ``lecture-network.json``: :func:`network_layers` of ``LECTURE_NETWORK``."""
    return json.dumps(network_layers(), indent=1).encode() + b"\n"


def write_assets(site_dir: Path, cache_dir: Path) -> None:
    """Write ``sample-photo.png`` and ``lecture-network.json`` beside every built ``playground.js``."""
    scripts = sorted(Path(site_dir).glob("**/assets/playground/playground.js"))
    if not scripts:
        log.info("playground: no assets/playground/playground.js in the site; "
                 "the widgets' photo and network were not written")
        return
    photo = sample_png(cache_dir)
    network = network_file()
    for script in scripts:
        (script.parent / SAMPLE_FILE).write_bytes(photo)
        (script.parent / NETWORK_FILE).write_bytes(network)
