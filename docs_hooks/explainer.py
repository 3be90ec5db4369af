"""Plugin part: publish the chapter's exported convnet under ``assets/model/``.

The chapter "Draw a digit" (``docs/*/draw-a-digit.md``) trains the convnet
and exports it with ``cnn_tutorial.web.export_convnet(..., by_id=True)`` into
``.cache/explainer/<id>/`` (cwd = repository root), and prints that folder.
The chapter's execution is cached by ``docs_hooks/notebooks/``, so a warm
build runs no code: the export written by the execution the page shows is
found again by the id that execution printed (its recorded outputs, which the
build context holds: not the rendered page). (The chapter's template block
``scripts`` in ``overrides/main.html`` loads the widget's module,
``assets/explainer/explainer.js``; no other page loads it.) After the build this part copies
that folder beside every built copy of ``assets/explainer/explainer.js``
(mkdocs-static-i18n builds the assets once per language) as ``../model/``,
where the widget looks by default.

A page that names an export missing from ``.cache/explainer`` fails the build
with the way out (re-execute the chapter). Unused exports go by the cache's
retention rule (:meth:`~docs_hooks.plugin.context.BuildContext.prune`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.cnn_tutorial.explainer")

#: The chapter's file name (same in every language).
CHAPTER = "draw-a-digit.md"
#: Folder of the export in the site, relative to the script's folder.
TARGET = Path("..", "model")

_EXPORT_ID = re.compile(r"\.cache/explainer/([0-9a-f]{16})\b")


def export_ids(entry: dict[str, Any]) -> set[str]:
    """The export folders an execution entry's printed output names.

    Examples:
        >>> entry = {"cells": [{"outputs": [{"output_type": "stream", "name": "stdout",
        ...          "text": "folder: .cache/explainer/0123456789abcdef\\n"}]}]}
        >>> export_ids(entry)
        {'0123456789abcdef'}
    """
    return {found for cell in entry.get("cells", []) for output in cell.get("outputs", [])
            if output.get("output_type") == "stream"
            for found in _EXPORT_ID.findall(str(output.get("text", "")))}


def note_page(context: Any, page: Any) -> None:
    """Remember the export that the chapter's execution names (``context.exports``)."""
    if Path(page.file.src_uri).name != CHAPTER:
        return
    found = export_ids(context.notebooks.entry_of(page) or {})
    if not found:
        raise PluginError(f"{page.file.src_uri}: no '.cache/explainer/<id>' in the chapter's "
                          "outputs; the chapter must print the folder of its export")
    context.exports |= found


def publish(context: Any, site_dir: Path) -> set[Path]:
    """Copy the export beside every built ``assets/explainer/explainer.js``; the folder kept."""
    ids = context.exports
    if not ids:
        return set()
    if len(ids) > 1:
        raise PluginError(f"the pages of {CHAPTER} name different exports {sorted(ids)}; "
                          "both languages must share one execution (identical code cells)")
    (export_id,) = ids
    source = context.explainer_exports / export_id
    if not (source / "model.json").is_file():
        raise PluginError(
            f"{CHAPTER}: its cached execution made the export {source}, which is missing; "
            f"delete the chapter's execution cache (.cache/notebooks) to train and export again")
    os.utime(source)  # recently used: kept by the retention rule
    scripts = sorted(Path(site_dir).glob("**/assets/explainer/explainer.js"))
    for script in scripts:
        target = (script.parent / TARGET).resolve()
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    log.info("explainer: export %s published in %d place(s)", export_id, len(scripts))
    return {source}
