"""docs_hooks/explainer.py: the widget's script on its pages only, the export published."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
EXPORT_ID = "0123456789abcdef"


@pytest.fixture
def hook(tmp_path, monkeypatch):
    module = importlib.reload(importlib.import_module("docs_hooks.explainer"))
    monkeypatch.setenv("CNN_TUTORIAL_EXPLAINER_CACHE", str(tmp_path / "cache"))
    module.on_pre_build({})
    return module


def page(src_uri: str, url: str):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)


def chapter_html(export_id: str = EXPORT_ID) -> str:
    return (f'<html><body><pre>folder: .cache/explainer/{export_id}</pre>'
            '<div class="cnn-explainer"></div></body></html>')


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


def test_the_chapter_must_name_its_export(hook):
    with pytest.raises(PluginError, match="no '.cache/explainer/<id>'"):
        hook.on_post_page("<html><body></body></html>", page("en/draw-a-digit.md", "x/"), {})


def test_the_export_is_copied_beside_the_script(hook, tmp_path):
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
    hook.on_post_page(chapter_html(), page("en/draw-a-digit.md", "en/draw-a-digit/"), {})
    hook.on_post_page(chapter_html(), page("draw-a-digit.md", "draw-a-digit/"), {})
    hook.on_post_build({"site_dir": str(site)})
    assert sorted(p.name for p in (site / "assets" / "model").iterdir()) == \
        ["model.json", "weights.bin"]
    assert stale.is_dir()  # recent: kept


def test_a_missing_export_fails_with_the_way_out(hook, tmp_path):
    hook.on_post_page(chapter_html(), page("en/draw-a-digit.md", "en/draw-a-digit/"), {})
    with pytest.raises(PluginError, match=r"delete the chapter's execution cache"):
        hook.on_post_build({"site_dir": str(tmp_path / "site")})


def test_two_languages_naming_different_exports_fail(hook, tmp_path):
    hook.on_post_page(chapter_html(), page("en/draw-a-digit.md", "en/draw-a-digit/"), {})
    hook.on_post_page(chapter_html("ffffffffffffffff"), page("draw-a-digit.md", "d/"), {})
    with pytest.raises(PluginError, match="name different exports"):
        hook.on_post_build({"site_dir": str(tmp_path / "site")})
