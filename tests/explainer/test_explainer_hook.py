"""docs_hooks/explainer.py: the widget's script on its pages only, the export published.

The part reads the export's id from the chapter's execution (what the build
context's notebook part holds), not from the rendered page."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
EXPORT_ID = "0123456789abcdef"


class Notebooks:
    """The notebook part as the explainer sees it: each page's execution entry."""

    def __init__(self):
        self.entries = {}

    def entry_of(self, page):
        return self.entries.get(page.file.src_uri)


@pytest.fixture
def hook():
    return importlib.reload(importlib.import_module("docs_hooks.explainer"))


@pytest.fixture
def context(tmp_path):
    """A build context: the exports under tmp_path/.cache/explainer."""
    return SimpleNamespace(notebooks=Notebooks(), exports=set(),
                           explainer_exports=tmp_path / "cache")


def page(src_uri: str, url: str):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)


def executed(context, src_uri: str, export_id: str = EXPORT_ID):
    """The chapter page ``src_uri`` whose execution printed the folder of ``export_id``."""
    context.notebooks.entries[src_uri] = {"cells": [
        {"outputs": [{"output_type": "stream", "name": "stdout",
                      "text": f"model.json  3,940 bytes\nfolder: .cache/explainer/{export_id}\n"}]}]}
    return page(src_uri, src_uri.replace(".md", "/"))


def test_script_goes_only_to_the_chapter_pages(built_site):
    """overrides/main.html loads the widget's module on "Draw a digit" only (both languages)."""
    tag = '<script type="module" src="'
    with_widget = []
    for html_file in sorted(built_site.rglob("*.html")):
        html = html_file.read_text(encoding="utf-8")
        for src in [part.split('"', 1)[0] for part in html.split(tag)[1:]]:
            if src.endswith("assets/explainer/explainer.js"):
                assert (html_file.parent / src).resolve().is_file(), (html_file, src)
                with_widget.append(html_file.relative_to(built_site).as_posix())
    assert sorted(with_widget) == ["draw-a-digit/index.html", "en/draw-a-digit/index.html"]


def test_the_chapter_must_name_its_export(hook, context):
    context.notebooks.entries["en/draw-a-digit.md"] = {"cells": [{"outputs": []}]}
    with pytest.raises(PluginError, match="no '.cache/explainer/<id>'"):
        hook.note_page(context, page("en/draw-a-digit.md", "x/"))
    hook.note_page(context, page("en/conv2d.md", "conv2d/"))  # other pages: nothing asked
    assert context.exports == set()


def test_the_export_is_copied_beside_the_script(hook, context, tmp_path):
    source = tmp_path / "cache" / EXPORT_ID
    source.mkdir(parents=True)
    (source / "model.json").write_text(json.dumps({"id": EXPORT_ID}))
    (source / "weights.bin").write_bytes(b"\0" * 8)
    stale = tmp_path / "cache" / "fedcba9876543210"
    stale.mkdir()
    site = tmp_path / "site"
    (site / "assets" / "explainer").mkdir(parents=True)
    (site / "assets" / "explainer" / "explainer.js").write_text("")
    (site / "assets" / "model").mkdir()
    (site / "assets" / "model" / "old.bin").write_text("old")
    hook.note_page(context, executed(context, "en/draw-a-digit.md"))
    hook.note_page(context, executed(context, "draw-a-digit.md"))
    assert hook.publish(context, site) == {source}  # kept by the retention rule
    assert sorted(p.name for p in (site / "assets" / "model").iterdir()) == \
        ["model.json", "weights.bin"]
    assert stale.is_dir()  # recent: kept


def test_a_missing_export_fails_with_the_way_out(hook, context, tmp_path):
    hook.note_page(context, executed(context, "en/draw-a-digit.md"))
    with pytest.raises(PluginError, match=r"delete the chapter's execution cache"):
        hook.publish(context, tmp_path / "site")


def test_two_languages_naming_different_exports_fail(hook, context, tmp_path):
    hook.note_page(context, executed(context, "en/draw-a-digit.md"))
    hook.note_page(context, executed(context, "draw-a-digit.md", "ffffffffffffffff"))
    with pytest.raises(PluginError, match="name different exports"):
        hook.publish(context, tmp_path / "site")
