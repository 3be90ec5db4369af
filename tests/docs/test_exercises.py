"""Every chapter ends with a summary and exercises; every worked solution's code runs.

Solutions live in collapsible admonitions (``??? success "풀이"`` / ``??? success
"Solution"``) under each exercise. Their code is indented, so neither Jupytext
(which makes code cells of top-level fences only) nor the Sybil page tests
(``tests/docs/test_pages.py`` collects column-0 fences only) run it. This test
does: it runs a page's code cells and its solutions in document order, in one
namespace, as a reader who opens the notebook and pastes each solution would.
It also checks that the Korean and English solutions are the same code.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
#: Chapters that end with {#summary} and {#exercises} (at least MIN_EXERCISES each).
CHAPTERS = ("fully-connected.md", "convnet-mnist.md", "layers-api.md", "tf1-code.md")
MIN_EXERCISES = 4
SOLUTION = re.compile(r'^(?P<indent>[ \t]*)\?\?\?\+? success "(풀이|Solution)"\s*$')
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python\s*$")


def page_blocks(path: Path) -> list[tuple[str, str]]:
    """``("cell" | "solution", code)`` for every top-level python fence and every
    python fence inside a solution admonition, in document order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, index, solution_indent = [], 0, None
    while index < len(lines):
        line = lines[index]
        if solution_indent is not None and line.strip() and \
                len(line) - len(line.lstrip()) <= solution_indent:
            solution_indent = None
        match = SOLUTION.match(line)
        if match:
            solution_indent = len(match["indent"])
        fence = FENCE.match(line)
        if fence and (fence["indent"] == "" or solution_indent is not None):
            end = index + 1
            while lines[end].strip() != "```":
                end += 1
            code = textwrap.dedent("\n".join(lines[index + 1:end]))
            blocks.append(("cell" if fence["indent"] == "" else "solution", code))
            index = end
        index += 1
    return blocks


def solutions(path: Path) -> list[str]:
    return [code for kind, code in page_blocks(path) if kind == "solution"]


def test_page_blocks_finds_indented_solutions(tmp_path):
    page = tmp_path / "p.md"
    page.write_text('```python\na = 1\n```\n\n1. Question\n\n    ??? success "Solution"\n'
                    '        Text.\n\n        ```python\n        print(a)\n        ```\n\n'
                    '    ```python\n    shown_only = True\n    ```\n', encoding="utf-8")
    assert page_blocks(page) == [("cell", "a = 1"), ("solution", "print(a)")]


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("lang", ("ko", "en"))
def test_chapter_ends_with_summary_and_exercises(chapter, lang):
    text = (DOCS / lang / chapter).read_text(encoding="utf-8")
    assert re.search(r"^## .*\{#summary\}\s*$", text, re.M), f"{lang}/{chapter}: no {{#summary}}"
    exercises = re.search(r"^## .*\{#exercises\}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert exercises, f"{lang}/{chapter}: no {{#exercises}} section"
    numbered = re.findall(r"^\d+\. ", exercises[1], re.M)
    folded = re.findall(SOLUTION.pattern, exercises[1], re.M)
    assert len(numbered) >= MIN_EXERCISES, f"{lang}/{chapter}: {len(numbered)} exercises"
    assert len(folded) >= len(numbered), f"{lang}/{chapter}: an exercise has no folded solution"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_are_the_same_code_in_both_languages(chapter):
    ko, en = (solutions(DOCS / lang / chapter) for lang in ("ko", "en"))
    assert ko == en, f"{chapter}: the solutions' code differs between ko and en"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_run(chapter, monkeypatch):
    import matplotlib

    matplotlib.use("Agg", force=True)
    monkeypatch.chdir(ROOT)  # as in the site's kernel
    blocks = page_blocks(DOCS / "ko" / chapter)
    if not any(kind == "solution" for kind, _ in blocks):
        pytest.skip(f"{chapter} has no solution code")
    namespace = {"__name__": "__page__"}
    try:
        for number, (kind, code) in enumerate(blocks, 1):
            try:
                exec(compile(code, f"{chapter} block {number} ({kind})", "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"{chapter}: {kind} block {number} failed:\n{code}") from error
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
        namespace.clear()
