"""MkDocs event functions of the notebook build (the file ``mkdocs.yml`` lists).

Each event hands over to the one :class:`~docs_hooks.notebooks.site.NotebookSite`
of this process; see :mod:`docs_hooks.notebooks` for the modules behind it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.structure.pages import Page

if __package__ in (None, ""):  # loaded by path, as MkDocs loads hooks
    _root = str(Path(__file__).resolve().parents[2])
    if _root not in sys.path:
        sys.path.insert(0, _root)

from docs_hooks.notebooks.site import NotebookSite  # noqa: E402

SITE = NotebookSite()


def _nested_build(config) -> bool:
    """Whether this is the i18n plugin's build of a further language."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


def on_config(config):
    SITE.configure(config)


def on_files(files, config):
    SITE.find_and_execute(files, nested=_nested_build(config))
    return files


def on_pre_page(page, config, files):
    if SITE.chapter_of(page) is not None:
        page.render = (lambda self, config, files: SITE.render_page(self, config, files)
                       ).__get__(page, Page)
    return page


def on_post_page(output, page, config):
    SITE.write_page_files(page)
    return output


def on_post_build(config):
    SITE.write_assets(config.site_dir)
