"""MkDocs hook: publish the chapter's exported convnet under ``assets/model/``.

The chapter "Draw a digit" (``docs/*/draw-a-digit.md``) trains the convnet
and exports it with ``cnn_tutorial.web.export_convnet(..., by_id=True)`` into
``.cache/explainer/<id>/`` (cwd = repository root), and prints that folder.
The chapter's execution is cached by ``docs_hooks/notebooks/``, so a warm
build runs no code: the export written by the execution the page shows is
found again by the id printed in the page. (The chapter's template block
``scripts`` in ``overrides/main.html`` loads the widget's module,
``assets/explainer/explainer.js``; no other page loads it.) After the build this hook copies
that folder beside every built copy of ``assets/explainer/explainer.js``
(mkdocs-static-i18n builds the assets once per language) as ``../model/``,
where the widget looks by default.

A page that names an export missing from ``.cache/explainer`` fails the build
with the way out (re-execute the chapter). Exports unused for 30 days are
deleted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.explainer")

ROOT = Path(__file__).resolve().parent.parent
#: Where the chapter exports (relative to the repository root, the chapter's cwd).
EXPORT_ROOT = Path(".cache", "explainer")
#: The chapter's file name (same in every language).
CHAPTER = "draw-a-digit.md"
#: Folder of the export in the site, relative to the script's folder.
TARGET = Path("..", "model")

_EXPORT_ID = re.compile(r"\.cache/explainer/([0-9a-f]{16})\b")
_state: dict[str, Any] = {"ids": set()}


def export_root() -> Path:
    return Path(os.environ.get("CNN_TUTORIAL_EXPLAINER_CACHE", ROOT / EXPORT_ROOT))


def on_pre_build(config: Any, **kwargs: Any) -> None:
    _state["ids"] = set()


def on_post_page(output: str, page: Any, config: Any, **kwargs: Any) -> str:
    """Remember the export that the chapter's outputs name."""
    if Path(page.file.src_uri).name == CHAPTER:
        found = set(_EXPORT_ID.findall(output))
        if not found:
            raise PluginError(f"{page.file.src_uri}: no '.cache/explainer/<id>' in the page's "
                              "outputs; the chapter must print the folder of its export")
        _state["ids"] |= found
    return output


def _prune(root: Path, keep: set[str], max_age_days: float = 30.0) -> None:
    cutoff = time.time() - max_age_days * 86400
    for folder in root.glob("*"):
        if folder.is_dir() and folder.name not in keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def on_post_build(config: Any, **kwargs: Any) -> None:
    """Copy the export beside every built ``assets/explainer/explainer.js``."""
    ids = _state["ids"]
    if not ids:
        return
    if len(ids) > 1:
        raise PluginError(f"the pages of {CHAPTER} name different exports {sorted(ids)}; "
                          "both languages must share one execution (identical code cells)")
    (export_id,) = ids
    root = export_root()
    source = root / export_id
    if not (source / "model.json").is_file():
        raise PluginError(
            f"{CHAPTER}: its cached execution made the export {source}, which is missing; "
            f"delete the chapter's execution cache (.cache/notebooks) to train and export again")
    os.utime(source)  # recently used: kept by _prune
    site_dir = Path(config["site_dir"])
    scripts = sorted(site_dir.glob("**/assets/explainer/explainer.js"))
    for script in scripts:
        target = (script.parent / TARGET).resolve()
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    log.info("explainer: export %s published in %d place(s)", export_id, len(scripts))
    _prune(root, keep=ids)
