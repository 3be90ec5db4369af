"""MkDocs event functions of the notebook build (the file ``mkdocs.yml`` lists).

Each event hands over to the one :class:`~docs_hooks.notebooks.site.NotebookSite`
of this process; see :mod:`docs_hooks.notebooks` for the modules behind it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# MkDocs loads a hook by its path, not as part of a package: make the package
# docs_hooks importable (the `mkdocs` command does not put the project on sys.path).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from docs_hooks.notebooks.site import NotebookSite  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

SITE = NotebookSite()


def _nested_build(config) -> bool:
    """Whether this is the i18n plugin's build of a further language."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


def on_config(config):
    SITE.configure(config)


def on_files(files, config):
    SITE.find_and_execute(files, nested=_nested_build(config))
    return files


def on_page_markdown(markdown, page, config, files):
    if SITE.chapter_of(page) is None:
        return markdown
    return SITE.page_markdown(page)


def on_page_content(html, page, config, files):
    if SITE.chapter_of(page) is None:
        return html
    return SITE.page_content(html, page)


def on_post_page(output, page, config):
    SITE.write_page_files(page)
    return output


@event_priority(-200)  # after the i18n plugin's (-100), which builds the other languages
def on_post_build(config):
    if not _nested_build(config):  # once, for the pages of every language
        SITE.write_assets(config.site_dir)
