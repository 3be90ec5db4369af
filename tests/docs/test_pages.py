"""Every code block of every page runs, in both languages, once per test run and site build.

What runs is what the site executes, by the same rule (``docs_hooks.notebooks.chapters``):
top-level ```` ```python ```` fences, one shared namespace per page, the
working directory at the repository root. Code indented inside tabs or
admonitions is shown, not run (the lecture's TF1 code lives there).

* **Chapters** (Jupytext notebooks) go through the site build's own execution
  and cache (``docs_hooks.notebooks.execute.ensure_executed`` with the same key
  and ``.cache/notebooks``): whichever comes first, ``mkdocs build`` or this
  test, executes a chapter; the other reuses that execution, and its outputs
  are checked for errors, tracebacks and warnings either way. A chapter's
  Korean and English pages share their code, hence one execution.
* **Other pages** with runnable fences run under Sybil (``>>>`` examples have
  their output checked; ``<!-- skip: next -->`` skips a block).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import executed_chapter, page_sybil, run_page

from docs_hooks.notebooks import chapters, claims

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ALL_PAGES = sorted(p.relative_to(DOCS).as_posix() for lang in ("ko", "en")
                   for p in (DOCS / lang).rglob("*.md"))
CHAPTERS = [page for page in ALL_PAGES if chapters.is_notebook_page(DOCS / page)]
OTHER_PAGES = [page for page in ALL_PAGES if page not in CHAPTERS
               and chapters.runnable_code(DOCS / page)]


def _distinct_chapters() -> list[str]:
    """Every chapter, except an English one whose code and claims are its Korean
    page's (the rule test_translations and test_claims enforce): both share one execution."""
    pages = []
    for page in CHAPTERS:
        lang, _, name = page.partition("/")
        twin = f"ko/{name}"
        if lang == "en" and twin in CHAPTERS and all(
                f(chapters.read_notebook(DOCS / page)) == f(chapters.read_notebook(DOCS / twin))
                for f in (chapters.code_cells, claims.notebook_claims)):
            continue  # the same code and claims: one execution (its claims name ko's sentences)
        pages.append(page)
    return pages


def test_pages_were_found():
    assert "ko/index.md" in CHAPTERS and "en/index.md" in ALL_PAGES
    assert set(_distinct_chapters()) >= {p for p in CHAPTERS if p.startswith("ko/")}


@pytest.mark.slow
@pytest.mark.parametrize("page", _distinct_chapters())
def test_chapter_runs_without_errors_or_warnings(page):
    chapter, entry = executed_chapter(DOCS / page)  # raises on any problem
    assert len(entry["cells"]) == len(chapter.sources)


SYBIL = page_sybil()  # the fence rule of the site build (helpers.TopLevelPythonParser)


@pytest.mark.slow
@pytest.mark.parametrize("page", OTHER_PAGES)
def test_page_code_runs(page, monkeypatch):
    run_page(SYBIL, DOCS / page, monkeypatch)
