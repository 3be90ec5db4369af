"""Figures as image files beside the page, each with its size and alt text.

A figure a code cell draws (a PNG output) is written next to the page as a
file: diagrams as lossless PNG, photographs (figures marked as such, below)
as WebP at quality 90. The page's ``<img>`` gets ``src``, ``width``, ``height``,
``loading="lazy"`` and ``alt`` (see the template ``cnn_notebook.html.j2``).

Alt text comes from the chapter's prose, so it is in the page's language:
the Markdown right after a code cell holds one line per figure the cell
draws, in order::

    <!-- alt: A 5x5 input, a 3x3 kernel and the sum of their products. -->
    <!-- alt photo: The photo blurred by a 3x3 kernel: edges are softer. -->

``alt photo:`` marks a figure that is mostly photographs (stored lossy). A
figure without an alt line is built with an empty alt and a build warning.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .store import touch

log = logging.getLogger("mkdocs.hooks.notebooks")

ALT_COMMENT = re.compile(r"<!--\s*alt(\s+photo)?:\s*(.*?)\s*-->", re.DOTALL)
#: Metadata key of an output turned into a file (read by the template).
FIGURE_KEY = "cnn_figure"
#: WebP quality of photographs: a reader cannot tell it from the PNG.
WEBP_QUALITY = 90
_IMAGE_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class Figure:
    """One image file of a page."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Alt:
    """A figure's alt text, and whether the figure is a photograph."""

    text: str
    photo: bool = False


def alt_texts(notebook: nbformat.NotebookNode) -> dict[int, list[Alt]]:
    """``{code cell position: [Alt, ...]}`` from the ``<!-- alt: ... -->`` lines of
    the Markdown cell right after each code cell."""
    found: dict[int, list[Alt]] = {}
    code_index = -1
    for cell, following in zip(notebook.cells, notebook.cells[1:] + [None]):
        if cell.cell_type != "code":
            continue
        code_index += 1
        if following is not None and following.cell_type == "markdown":
            found[code_index] = [Alt(" ".join(text.split()), bool(photo))
                                 for photo, text in ALT_COMMENT.findall(following.source)]
    return found


def encode_image(data: bytes, photo: bool,
                 cache_dir: Path | None = None) -> tuple[str, bytes, int, int]:
    """``(extension, bytes, width, height)`` of a PNG/JPEG output as the site stores it.

    A photograph becomes WebP (quality :data:`WEBP_QUALITY`), anything else an
    optimised PNG. Results are kept in ``cache_dir`` by the input's hash.
    """
    from PIL import Image

    extension = "webp" if photo else "png"
    # The settings are in the name: changing them encodes every figure again.
    digest = hashlib.sha256(data + f"{extension}:{WEBP_QUALITY}".encode()).hexdigest()[:32]
    cached = cache_dir / f"{digest}.{extension}" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        touch(cached)  # in use: kept by the cache's retention rule
        with Image.open(cached) as image:
            return extension, cached.read_bytes(), image.width, image.height
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if photo:
            image.convert("RGB").save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        else:
            image.save(out, "PNG", optimize=True)
    encoded = out.getvalue()
    if cached is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(encoded)
        except OSError as error:
            log.debug("figure cache not written: %s", error)
    return extension, encoded, width, height


def externalize_figures(notebook: nbformat.NotebookNode, stem: str, page: str,
                        cache_dir: Path | None = None,
                        ) -> tuple[nbformat.NotebookNode, list[Figure]]:
    """A copy of ``notebook`` whose image outputs point at files, and those files.

    Args:
        notebook: The notebook with its outputs.
        stem: File name prefix (the chapter's slug).
        page: The page's name for warnings.
        cache_dir: Where encoded images are kept between builds.
    """
    shown = nbformat.from_dict(notebook)  # outputs are changed: a deep copy
    alts = alt_texts(shown)
    figures: list[Figure] = []
    code_index = -1
    for cell in shown.cells:
        if cell.cell_type != "code":
            continue
        code_index += 1
        cell_alts = alts.get(code_index, [])
        count = 0
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            mime = next((m for m in _IMAGE_TYPES if m in data), None)
            if mime is None or output.get("output_type") not in ("display_data", "execute_result"):
                continue
            alt = cell_alts[count] if count < len(cell_alts) else Alt("")
            extension, encoded, width, height = encode_image(
                base64.b64decode(data[mime]), alt.photo, cache_dir)
            shown_size: dict[str, Any] = output.get("metadata", {}).get(mime, {})
            width, height = shown_size.get("width", width), shown_size.get("height", height)
            name = f"{stem}-{code_index + 1}-{count + 1}.{extension}"
            if not alt.text:
                log.warning("%s: figure %d of code cell %d has no alt text; write "
                            "<!-- alt: ... --> in the Markdown after the cell",
                            page, count + 1, code_index + 1)
            output.setdefault("metadata", {})[FIGURE_KEY] = {
                "src": name, "alt": alt.text, "width": int(width), "height": int(height)}
            # The file holds the pixels; the page's cache key needs only its hash.
            data[mime] = hashlib.sha256(encoded).hexdigest()
            figures.append(Figure(name, encoded))
            count += 1
    return shown, figures
