"""Every page exists in Korean and English; chapters share their code cells exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from docs_hooks.notebooks import chapters as notebooks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LANGUAGES = ("ko", "en")



class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose !ENV and !!python tags are irrelevant here."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def nav_pages() -> list[str]:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    pages = []

    def walk(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                walk(value)
            elif isinstance(value, str) and value.endswith(".md"):
                pages.append(value)

    walk(config["nav"])
    return pages


def all_pages() -> list[str]:
    found = {p.relative_to(DOCS / lang).as_posix()
             for lang in LANGUAGES for p in (DOCS / lang).rglob("*.md")}
    return sorted(found | set(nav_pages()))


def test_nav_lists_every_chapter_in_order():
    assert nav_pages()[0] == "index.md" and nav_pages()[-1] == "reference.md"
    assert len(nav_pages()) == len(set(nav_pages()))


@pytest.mark.parametrize("page", all_pages())
def test_page_exists_in_both_languages(page):
    missing = [lang for lang in LANGUAGES if not (DOCS / lang / page).is_file()]
    assert not missing, f"{page} has no translation in: {', '.join('docs/' + m for m in missing)}"


@pytest.mark.parametrize("page", all_pages())
def test_chapters_have_identical_code_cells(page):
    paths = [DOCS / lang / page for lang in LANGUAGES]
    if not all(p.is_file() for p in paths):
        pytest.skip("a translation is missing (reported by test_page_exists_in_both_languages)")
    kinds = [notebooks.is_notebook_page(p) for p in paths]
    assert kinds[0] == kinds[1], f"{page}: a notebook in one language, plain Markdown in the other"
    if not kinds[0]:
        return
    ko, en = (notebooks.code_cells(notebooks.read_notebook(p)) for p in paths)
    assert len(ko) == len(en), f"{page}: {len(ko)} code cells in ko, {len(en)} in en"
    for index, (a, b) in enumerate(zip(ko, en)):
        assert a == b, f"{page}: code cell {index + 1} differs between ko and en:\n--- ko\n{a}\n--- en\n{b}"


def test_headings_carry_the_same_anchors():
    import re
    anchor = re.compile(r"^#{1,6} .*\{#([-\w]+)\}\s*$", re.MULTILINE)
    for page in all_pages():
        paths = [DOCS / lang / page for lang in LANGUAGES]
        if all(p.is_file() for p in paths):
            ko, en = (anchor.findall(p.read_text(encoding="utf-8")) for p in paths)
            assert ko == en, f"{page}: heading anchors differ: ko {ko} en {en}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reference_page_renders_every_public_module(lang):
    """A new module of cnn_tutorial must reach the API reference in both languages."""
    import re

    package = ROOT / "src" / "cnn_tutorial"
    modules = {"cnn_tutorial"} | {
        f"cnn_tutorial.{p.stem}" for p in package.glob("*.py")
        if not p.stem.startswith("_")} | {
        f"cnn_tutorial.{p.name}" for p in package.iterdir() if (p / "__init__.py").is_file()}
    pages = [DOCS / lang / "reference.md", *sorted((DOCS / lang / "reference").glob("*.md"))]
    listed = {name for page in pages for name in
              re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), re.MULTILINE)}
    assert modules - listed == set(), f"modules missing from the {lang} API reference"
    # One page per module (the package itself is on the overview), each linked
    # from the overview (the sidebar lists the overview only: mkdocs.yml not_in_nav).
    overview = pages[0].read_text(encoding="utf-8")
    for page in pages[1:]:
        blocks = re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        assert blocks == [f"cnn_tutorial.{page.stem}"], f"{page}: {blocks}"
        assert f"](reference/{page.name})" in overview, f"{page.name} is not linked"
