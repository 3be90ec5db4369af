"""Chapters end with a summary and exercises, and the code of every worked solution runs.

A solution is a collapsible admonition under its exercise (``??? success "풀이"`` /
``??? success "Solution"``). Its code is indented, so the fence rule never makes it a
code cell, but it runs with the chapter's execution: after the page's cells, in the
page's namespace, ``>>>`` examples with their printed output checked
(``docs_hooks/notebooks/solutions.py``). The site build fails on a failing solution;
here each page with solution code asks the shared execution cache for its results
(one run of the chapter serves the build, ``test_pages.py`` and this file). The
solutions' code must be the same in both languages, like the code cells; the English
twin then shares the Korean page's execution.
"""

from __future__ import annotations

import doctest
import re
import warnings
from pathlib import Path

import pytest
from helpers import executed_chapter

from docs_hooks.notebooks import chapters, solutions
from docs_hooks.notebooks.solutions import solution_code

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


def _run_probe(page_code: str, blocks: list[str]) -> list[dict]:
    """The solutions probe run in this process, in a fresh namespace after ``page_code``."""
    namespace: dict = {"__name__": "__page__"}
    exec(page_code, namespace)  # noqa: S102 - the test runs its own code
    printed = []
    namespace["print"] = lambda *args: printed.append(" ".join(map(str, args)))
    exec(solutions.probe_source(blocks), namespace)  # noqa: S102
    results = solutions.probe_results([{"output_type": "stream", "name": "stdout",
                                        "text": "\n".join(printed)}])
    assert results is not None, printed
    return results


def test_solution_code_is_found_and_run():
    """The collector sees indented solution code only, and a wrong solution fails."""
    text = ('```python\nvalue = 2\n```\n\n**Exercise 1.** Double it.\n\n'
            '??? success "Solution"\n    Text.\n\n    ```python\n    >>> value * 2\n    5\n'
            '    ```\n\n!!! note "Shown only"\n    ```python\n    raise SystemExit\n    ```\n')
    blocks = solution_code(text)
    assert blocks == [">>> value * 2\n5\n"]
    assert solutions.notebook_solutions(chapters.notebook_from_text(text)) == blocks
    (result,) = _run_probe("value = 2", blocks)
    assert result["examples"] == 1
    assert "Expected:\n    5\nGot:\n    4" in result["error"]
    message = solutions.failures(blocks, [result], "p.md")
    assert len(message) == 1 and message[0].startswith("p.md: solution 1 of 1 ('>>> value * 2')")


def test_solutions_share_the_namespace_and_stop_at_the_first_failure():
    blocks = ["doubled = value * 2\n", ">>> doubled + 1\n5\n>>> tripled = value * 3\n",
              ">>> tripled\n6\n", "raise ValueError('no')\n", ">>> 1\n1\n"]
    results = _run_probe("value = 2", blocks)
    assert [r["examples"] for r in results] == [0, 2, 1, 0]  # the fifth never ran
    assert [r["error"] is None for r in results] == [True, True, True, False]
    assert "ValueError: no" in results[3]["error"]
    assert solutions.failures(blocks, results, "p.md")[0].startswith("p.md: solution 4 of 5")
    assert solutions.failures(blocks[:3], results[:3], "p.md") == []
    assert "2 solution results for 3" in solutions.failures(blocks[:3], results[:2], "p.md")[0]


def test_a_warning_in_a_solution_fails_it():
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        (result,) = _run_probe("import warnings", ["warnings.warn('careful')\n"])
    assert result["error"] == "a warning: UserWarning: careful"


@pytest.mark.slow
@pytest.mark.parametrize("page", pages_with_solution_code())
def test_solutions_run(page):
    blocks = solution_code((DOCS / page).read_text(encoding="utf-8"))
    chapter, entry = executed_chapter(DOCS / page)  # raises on a failing solution
    assert chapter.solutions == blocks
    results = entry["solutions"]
    assert len(results) == len(blocks) and all(r["error"] is None for r in results), results
    examples = sum(len(doctest.DocTestParser().get_examples(block))
                   for block in blocks if block.startswith(">>>"))
    assert sum(r["examples"] for r in results) == examples
