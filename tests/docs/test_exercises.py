"""Chapters end with a summary and exercises, and the code of every worked solution runs.

A solution is a collapsible admonition under its exercise (``??? success "풀이"`` /
``??? success "Solution"``). Its code is indented, so neither the site's build nor
``test_pages.py`` runs it (both run top-level fences only). Here each page that has
solution code runs again: its top-level cells, then, in the page's namespace, the
solutions' code blocks (``>>>`` examples with their printed output checked), as a
reader would run them at the end of the chapter. The solutions' code must be the
same in both languages, like the code cells; the English twin then runs no second time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import TopLevelPythonParser, page_setup, page_sybil, run_page
from sybil.parsers.markdown import PythonCodeBlockParser

from docs_hooks.notebooks import chapters

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LANGUAGES = ("ko", "en")
SOLUTION_TITLE = {"ko": "풀이", "en": "Solution"}
EXERCISE_LABEL = {"ko": r"\*\*연습 (\d+)\.\*\*", "en": r"\*\*Exercise (\d+)\.\*\*"}
MIN_EXERCISES = 4

#: Chapters that must end with a summary and exercises (every chapter from convolution.md
#: to tf1-code.md).
CHAPTERS = ["convolution.md", "conv2d.md", "padding-stride.md", "pooling.md",
            "fully-connected.md", "convnet-mnist.md", "layers-api.md", "tf1-code.md"]

_SOLUTION_START = re.compile(r"^\?\?\?\+? success\b")


def _enclosing_line(text: str, start: int) -> str:
    """The nearest line before ``start`` that begins in column 0 (the block holding it)."""
    for line in reversed(text[:start].splitlines()):
        if line.strip() and line[0] not in " \t":
            return line
    return ""


def in_solution(text: str, start: int) -> bool:
    """Whether the code at ``start`` is indented inside a ``??? success`` admonition."""
    line_start = text.rfind("\n", 0, start) + 1
    indented = text[line_start:start].strip() == "" and start > line_start
    return indented and bool(_SOLUTION_START.match(_enclosing_line(text, line_start)))


_FENCE = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```", re.M | re.S)


def solution_spans(text: str) -> list[tuple[int, int]]:
    """Where the python fences inside solutions lie (whole fences, start to end).

    Sybil reports the start of a ``>>>`` example in an indented fence at its offset
    in the *dedented* block, so regions are matched to whole fences, not to lines.
    """
    return [(m.start(), m.end()) for m in _FENCE.finditer(text)
            if m.group(1) and in_solution(text, m.start() + len(m.group(1)))]


class PageAndSolutionsParser(TopLevelPythonParser):
    """What the site runs (the fence rule, as in test_pages.py) and the solutions' fences."""

    def __call__(self, document):
        spans = solution_spans(document.text)
        for region in PythonCodeBlockParser.__call__(self, document):
            if self.runs(document.text, region.start) or any(
                    start <= region.start < end for start, end in spans):
                yield region


SYBIL = page_sybil(PageAndSolutionsParser())


def solution_code(text: str) -> list[str]:
    """The code blocks of the solutions of a page, dedented, in order."""
    return [re.sub(rf"^{m.group(1)}", "", m.group(2), flags=re.M)
            for m in _FENCE.finditer(text)
            if m.group(1) and in_solution(text, m.start() + len(m.group(1)))]


def _top_level_code(text: str) -> list[str]:
    """What the site runs of a page's text (its code cells, by the fence rule)."""
    return chapters.code_cells(chapters.notebook_from_text(text))


def pages_with_solution_code() -> list[str]:
    pages = []
    for lang in LANGUAGES:
        for path in sorted((DOCS / lang).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            if not solution_code(text):
                continue
            twin = DOCS / "ko" / path.name
            if lang == "en" and twin.is_file():
                ko = twin.read_text(encoding="utf-8")
                if (solution_code(ko), _top_level_code(ko)) == (solution_code(text),
                                                                _top_level_code(text)):
                    continue  # the same code runs as the Korean page
            pages.append(f"{lang}/{path.name}")
    return pages


def _headings(text: str) -> list[tuple[int, str]]:
    return [(len(m.group(1)), m.group(2))
            for m in re.finditer(r"^(#{1,6}) .*\{#([-\w]+)\}\s*$", text, re.M)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_ends_with_summary_then_exercises(chapter, lang):
    text = (DOCS / lang / chapter).read_text(encoding="utf-8")
    sections = [anchor for level, anchor in _headings(text) if level == 2]
    assert sections[-2:] == ["summary", "exercises"], \
        f"{lang}/{chapter}: the last two sections must be {{#summary}} and {{#exercises}}, " \
        f"got {sections[-2:]}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_a_folded_solution(chapter, lang):
    text = (DOCS / lang / chapter).read_text(encoding="utf-8")
    exercises = text[text.index("{#exercises}"):]
    numbers = [int(n) for n in re.findall(rf"^{EXERCISE_LABEL[lang]}", exercises, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)), f"{lang}/{chapter}: numbering {numbers}"
    assert len(numbers) >= MIN_EXERCISES, f"{lang}/{chapter}: {len(numbers)} exercises"
    # Each exercise is followed by its solution before the next exercise starts.
    parts = re.split(rf"^{EXERCISE_LABEL[lang]}", exercises, flags=re.M)[2::2]
    for number, part in enumerate(parts, start=1):
        titles = re.findall(r'^\?\?\?\+? success "([^"]*)"', part, re.M)
        assert titles == [SOLUTION_TITLE[lang]], \
            f"{lang}/{chapter}: exercise {number} needs one '??? success \"" \
            f"{SOLUTION_TITLE[lang]}\"' (collapsed), found {titles}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_an_exercise_uses_the_chapters_widget(chapter):
    """Where a chapter has an in-page widget, an exercise holds one or links to its section."""
    for lang in LANGUAGES:
        text = (DOCS / lang / chapter).read_text(encoding="utf-8")
        head, _, exercises = text.partition("{#exercises}")
        widget_sections = set()
        for match in re.finditer(r'<div class="cnn-playground" data-widget="\w+"', head):
            anchors = re.findall(r"^#{1,6} .*\{#([-\w]+)\}\s*$", head[:match.start()], re.M)
            widget_sections.add(anchors[-1])
        if not widget_sections:
            continue
        linked = set(re.findall(r"\]\(#([-\w]+)\)", exercises))
        assert linked & widget_sections or 'data-widget="' in exercises, \
            f"{lang}/{chapter}: no exercise uses the widget(s) in {sorted(widget_sections)}"


@pytest.mark.parametrize("chapter", sorted({p.name for p in (DOCS / "ko").glob("*.md")}))
def test_solution_code_is_identical_in_both_languages(chapter):
    ko, en = (solution_code((DOCS / lang / chapter).read_text(encoding="utf-8"))
              if (DOCS / lang / chapter).is_file() else [] for lang in LANGUAGES)
    assert ko == en, f"{chapter}: the solutions' code differs between ko and en"


def test_solution_code_is_found_and_run():
    """The collector must see indented solution code, and a wrong solution must fail."""
    text = ('```python\nvalue = 2\n```\n\n**Exercise 1.** Double it.\n\n'
            '??? success "Solution"\n    Text.\n\n    ```python\n    >>> value * 2\n    5\n'
            '    ```\n\n!!! note "Shown only"\n    ```python\n    raise SystemExit\n    ```\n')
    assert solution_code(text) == [">>> value * 2\n5\n"]
    path = Path(__file__).with_name("_exercise_probe.md")
    try:
        path.write_text(text, encoding="utf-8")
        document = SYBIL.parse(path)
        examples = list(document)
        assert len(examples) == 2  # the page's cell and the solution, not the note's code
        page_setup(document.namespace)
        examples[0].evaluate()
        with pytest.raises(Exception, match="Expected:"):
            examples[1].evaluate()
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.parametrize("page", pages_with_solution_code())
def test_solutions_run(page, monkeypatch):
    run_page(SYBIL, DOCS / page, monkeypatch)
