"""MkDocs hook: the sample photo for the in-page convolution playground.

The kernel widget (``docs/assets/playground/playground.js``) filters the same
photograph the chapter "Convolution without training" uses. Nothing is pasted:
at build time this hook computes the photo with
``cnn_tutorial.kernels.load_sample_image(gray=True, size=SAMPLE_SIZE)`` and
writes it as ``sample-photo.json`` beside every copy of ``playground.js`` in
the built site (mkdocs-static-i18n copies shared assets once per language).
The pixels are stored as little-endian float32 (base64), exactly the values
``apply_kernel`` sees, so the widget's output matches the package's to float
precision (tests/playground/ checks it).

The photo is cached on disk (``.cache/playground/`` beside ``mkdocs.yml``)
under a key made of the code and library versions that decide its pixels, so
a rebuild does not import TensorFlow again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("mkdocs.hooks.playground")

#: Side of the square gray photo the kernel widget filters (pixels): the size
#: the chapter convolution.md uses, so the widget shows the figure's photo.
SAMPLE_SIZE = 256
#: Which of cnn_tutorial.kernels.SAMPLE_IMAGES the widget shows.
SAMPLE_NAME = "astronaut"
#: File name the widget fetches, relative to playground.js.
SAMPLE_FILE = "sample-photo.json"

_memory: dict[str, str] = {}


def _cache_key(size: int, name: str) -> str:
    """Hash of what decides the photo's pixels: the package's code and library versions."""
    import cnn_tutorial.kernels as kernels

    digest = hashlib.sha256()
    digest.update(f"{size}:{name}:".encode())
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


def sample_payload(size: int = SAMPLE_SIZE, name: str = SAMPLE_NAME) -> dict[str, Any]:
    """The sample photo as the widget reads it (a JSON-ready dict).

    Args:
        size: Side of the square photo in pixels.
        name: A key of ``cnn_tutorial.kernels.SAMPLE_IMAGES``.

    Returns:
        ``{"name", "width", "height", "dtype", "pixels"}`` where ``pixels`` is
        the base64 of the row-major little-endian float32 values in [0, 1].

    Examples:
        >>> payload = sample_payload(size=8)
        >>> payload["width"], payload["height"], payload["dtype"]
        (8, 8, 'float32')
        >>> len(base64.b64decode(payload["pixels"]))
        256
    """
    from cnn_tutorial.kernels import load_sample_image

    _import_tensorflow_quietly()
    pixels = load_sample_image(gray=True, size=size, name=name)
    height, width = pixels.shape
    raw = np.ascontiguousarray(pixels, dtype="<f4").tobytes()
    return {
        "name": name,
        "width": int(width),
        "height": int(height),
        "dtype": "float32",
        "pixels": base64.b64encode(raw).decode("ascii"),
    }


def decode_pixels(payload: dict[str, Any]) -> np.ndarray:
    """The ``height x width`` float32 array stored in a :func:`sample_payload` dict.

    Examples:
        >>> payload = sample_payload(size=4)
        >>> decode_pixels(payload).shape
        (4, 4)
    """
    raw = base64.b64decode(payload["pixels"])
    return np.frombuffer(raw, dtype="<f4").reshape(payload["height"], payload["width"])


def sample_json(project_dir: Path, size: int = SAMPLE_SIZE, name: str = SAMPLE_NAME) -> str:
    """The JSON text of :func:`sample_payload`, cached in memory and under ``.cache/``."""
    key = _cache_key(size, name)
    if key in _memory:
        return _memory[key]
    cache_file = project_dir / ".cache" / "playground" / f"sample-{key}.json"
    try:
        text = cache_file.read_text(encoding="utf-8")
    except OSError:
        text = json.dumps(sample_payload(size, name), separators=(",", ":"))
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            cache_file.write_text(text, encoding="utf-8")
        except OSError as error:  # a read-only checkout still builds
            log.debug("playground: could not cache the sample photo: %s", error)
    _memory[key] = text
    return text


def on_post_build(config: Any, **kwargs: Any) -> None:
    """Write ``sample-photo.json`` beside every built copy of ``playground.js``."""
    site_dir = Path(config["site_dir"])
    scripts = sorted(site_dir.glob("**/assets/playground/playground.js"))
    if not scripts:
        log.info("playground: no assets/playground/playground.js in the site; "
                 "the kernel widget's photo was not written")
        return
    text = sample_json(Path(config["config_file_path"]).resolve().parent)
    for script in scripts:
        (script.parent / SAMPLE_FILE).write_text(text, encoding="utf-8")
