"""Figures as image files beside the page, each with its size and alt text.

A figure a code cell draws (a PNG output) is written next to the page as a
file: photographs as WebP at quality 90, diagrams as lossless PNG (an image
whose PNG is over three times its WebP is a photograph). The page's ``<img>`` gets ``src``, ``width``, ``height``,
``loading="lazy"`` and ``alt`` (see the template ``cnn_notebook.html.j2``).

Alt text comes from the chapter's prose, so it is in the page's language:
the Markdown right after a code cell holds one line per figure the cell
draws, in order::

    <!-- alt: The photo blurred by a 3x3 kernel: edges are softer. -->

A figure without one is built with an empty alt and a build warning.
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

log = logging.getLogger("mkdocs.hooks.notebooks")

ALT_COMMENT = re.compile(r"<!--\s*alt:\s*(.*?)\s*-->", re.DOTALL)
#: Metadata key of an output turned into a file (read by the template).
FIGURE_KEY = "cnn_figure"
#: An image is a photograph (stored as lossy WebP) when its lossless PNG is more
#: than this many times its WebP; diagrams (flat colours, lines) compress well.
PHOTO_RATIO = 3
WEBP_QUALITY = 90
_IMAGE_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class Figure:
    """One image file of a page."""

    name: str
    data: bytes


def alt_texts(notebook: nbformat.NotebookNode) -> dict[int, list[str]]:
    """``{code cell position: [alt, ...]}`` from the ``<!-- alt: ... -->`` lines of
    the Markdown cell right after each code cell."""
    found: dict[int, list[str]] = {}
    code_index = -1
    for cell, following in zip(notebook.cells, notebook.cells[1:] + [None]):
        if cell.cell_type != "code":
            continue
        code_index += 1
        if following is not None and following.cell_type == "markdown":
            found[code_index] = [" ".join(t.split()) for t in ALT_COMMENT.findall(following.source)]
    return found


def encode_image(data: bytes, cache_dir: Path | None = None) -> tuple[str, bytes, int, int]:
    """``(extension, bytes, width, height)`` of a PNG/JPEG output as the site stores it.

    Photographs become WebP (quality 90), everything else an optimised PNG.
    Results are kept in ``cache_dir`` by the input's hash.
    """
    from PIL import Image

    digest = hashlib.sha256(data).hexdigest()[:32]
    if cache_dir is not None:
        for extension in ("webp", "png"):
            cached = cache_dir / f"{digest}.{extension}"
            if cached.is_file():
                with Image.open(cached) as image:
                    return extension, cached.read_bytes(), image.width, image.height
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        width, height = image.size
        png, webp = io.BytesIO(), io.BytesIO()
        image.save(png, "PNG", optimize=True)
        image.convert("RGB").save(webp, "WEBP", quality=WEBP_QUALITY, method=4)
    # A photograph does not compress losslessly: PNG is several times the lossy size.
    photo = len(png.getvalue()) > PHOTO_RATIO * len(webp.getvalue())
    extension, out = ("webp", webp) if photo else ("png", png)
    encoded = out.getvalue()
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            (cache_dir / f"{digest}.{extension}").write_bytes(encoded)
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
            extension, encoded, width, height = encode_image(
                base64.b64decode(data[mime]), cache_dir)
            shown_size: dict[str, Any] = output.get("metadata", {}).get(mime, {})
            width, height = shown_size.get("width", width), shown_size.get("height", height)
            name = f"{stem}-{code_index + 1}-{count + 1}.{extension}"
            alt = cell_alts[count] if count < len(cell_alts) else ""
            if not alt:
                log.warning("%s: figure %d of code cell %d has no alt text; write "
                            "<!-- alt: ... --> in the Markdown after the cell",
                            page, count + 1, code_index + 1)
            output.setdefault("metadata", {})[FIGURE_KEY] = {
                "src": name, "alt": alt, "width": int(width), "height": int(height)}
            # The file holds the pixels; the page's cache key needs only its hash.
            data[mime] = hashlib.sha256(encoded).hexdigest()
            figures.append(Figure(name, encoded))
            count += 1
    return shown, figures
