"""Every code block of every page runs, in both languages (Sybil).

What runs is what the site executes: top-level ```` ```python ```` fences, one
shared namespace per page, the working directory at the repository root and
matplotlib drawing off-screen. ``>>>`` examples have their printed output
checked. Code indented inside tabs or admonitions is shown, not run (the
lecture's TF1 code lives there), and ``<!-- skip: next -->`` skips a block.
An English page whose runnable code is identical to its Korean page's runs
once, as the Korean page (the site's build shares that execution too).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ALL_PAGES = sorted(p.relative_to(DOCS).as_posix() for lang in ("ko", "en")
                   for p in (DOCS / lang).rglob("*.md"))


def _runnable_text(page: str) -> list[str]:
    """What Sybil runs on a page: its top-level python fences, in order."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"^```python[ \t]*\n(.*?)^```", text, re.M | re.S)


def _distinct_pages() -> list[str]:
    """Every page, except an English page whose runnable code is byte-for-byte its
    Korean page's (the rule test_translations enforces): running it again would
    repeat the same code, and a chapter's training, for nothing."""
    pages = []
    for page in ALL_PAGES:
        lang, _, name = page.partition("/")
        twin = DOCS / "ko" / name
        if lang == "en" and twin.is_file() and _runnable_text(page) == _runnable_text(f"ko/{name}") \
                and "skip:" not in (DOCS / page).read_text(encoding="utf-8"):
            continue
        pages.append(page)
    return pages


PAGES = _distinct_pages()
FLAGS = __import__("doctest").NORMALIZE_WHITESPACE | __import__("doctest").ELLIPSIS


class TopLevelPythonParser(PythonCodeBlockParser):
    """Python fences (and ``>>>`` examples) in column 0, as Jupytext makes code cells of."""

    def __call__(self, document):
        for region in super().__call__(document):
            text, start = document.text, region.start
            at_line_start = start == 0 or text[start - 1] == "\n"
            quoted = text[start] == ">" and not text.startswith(">>>", start)
            if at_line_start and text[start] not in " \t" and not quoted:
                yield region


def _setup(namespace):
    import matplotlib
    matplotlib.use("Agg", force=True)
    namespace["__name__"] = "__page__"


def _teardown(namespace):
    import matplotlib.pyplot as plt
    plt.close("all")
    namespace.clear()


SYBIL = Sybil(parsers=[TopLevelPythonParser(doctest_optionflags=FLAGS), SkipParser()],
              setup=_setup, teardown=_teardown)


def test_pages_were_found():
    assert "ko/index.md" in PAGES and "en/index.md" in ALL_PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page, monkeypatch):
    monkeypatch.chdir(ROOT)  # as in the site's kernel
    monkeypatch.setenv("MPLBACKEND", "Agg")
    document = SYBIL.parse(DOCS / page)
    _setup(document.namespace)
    try:
        for example in document:
            example.evaluate()
    finally:
        _teardown(document.namespace)
