"""Worked solutions: the code under each exercise, run with the chapter's execution.

A solution is a collapsible admonition under its exercise (``??? success "풀이"`` /
``??? success "Solution"``). Its code is indented, so the fence rule
(:mod:`.chapters`) shows it and never makes it a code cell. It still runs: after
the chapter's cells (and its claims, :mod:`.claims`), in the same kernel and
namespace, as a reader would run it at the end of the chapter. A block that
starts with ``>>>`` is a doctest whose printed output is checked
(:data:`DOCTEST_FLAGS`); any other block must run without an exception. A
warning in either fails it too, as a warning in a code cell does.

The solutions are part of the execution and of its cache key, so the site
build, ``tests/docs/test_exercises.py`` and ``tests/docs/test_pages.py`` share
one run of each chapter; a failing solution fails the build, naming the page,
the solution and doctest's report. The code is the same in both languages
(``test_exercises.py``), so a chapter's two pages still share one execution.
"""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .claims import marked_json

if TYPE_CHECKING:
    import nbformat

#: doctest's options for the ``>>>`` examples of pages (the page tests' Sybil uses them too;
#: this module and claims.py import only the standard library, so the package's tests can).
DOCTEST_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

_SOLUTION_START = re.compile(r"^\?\?\?\+? success\b")
_FENCE = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
_MARKER = "CNN_TUTORIAL_SOLUTIONS "
#: How much of a failing solution's report a message keeps.
_REPORT_CHARS = 2000


def _enclosing_line(text: str, start: int) -> str:
    """The nearest line before ``start`` that begins in column 0 (the block holding it)."""
    for line in reversed(text[:start].splitlines()):
        if line.strip() and line[0] not in " \t":
            return line
    return ""


def in_solution(text: str, start: int) -> bool:
    """Whether the code at ``start`` is indented inside a ``??? success`` admonition.

    Examples:
        >>> page = '??? success "Solution"\\n    ```python\\n    x = 1\\n    ```\\n'
        >>> in_solution(page, page.index("```")), in_solution(page, 0)
        (True, False)
    """
    line_start = text.rfind("\n", 0, start) + 1
    indented = text[line_start:start].strip() == "" and start > line_start
    return indented and bool(_SOLUTION_START.match(_enclosing_line(text, line_start)))


def solution_code(text: str) -> list[str]:
    """The code blocks of the solutions in a page's Markdown text, dedented, in order.

    Examples:
        >>> page = ('```python\\nx = 1\\n```\\n\\n??? success "Solution"\\n    ```python\\n'
        ...         '    >>> x + 1\\n    2\\n    ```\\n\\n!!! note\\n    ```python\\n    y\\n    ```\\n')
        >>> solution_code(page)
        ['>>> x + 1\\n2\\n']
    """
    return [re.sub(rf"^{m.group(1)}", "", m.group(2), flags=re.MULTILINE)
            for m in _FENCE.finditer(text)
            if m.group(1) and in_solution(text, m.start() + len(m.group(1)))]


def notebook_solutions(notebook: nbformat.NotebookNode) -> list[str]:
    """:func:`solution_code` of the notebook's Markdown cells (the page without its code cells)."""
    return solution_code("\n\n".join(cell.source for cell in notebook.cells
                                     if cell.cell_type == "markdown"))


def probe_source(blocks: Sequence[str], flags: int = DOCTEST_FLAGS) -> str:
    """The code the kernel runs after the chapter's cells: each solution, then one JSON line.

    Each result is ``{"examples": n, "error": text}`` (``error`` only when the
    block failed). The first failing block ends the run: later solutions may
    build on it.
    """
    return f"""\
def _cnn_tutorial_solutions(_blocks, _flags):
    import doctest as _doctest, json as _json, traceback as _traceback, warnings as _warnings
    _results = []
    for _number, _block in enumerate(_blocks, start=1):
        _result, _report = {{"examples": 0}}, []
        with _warnings.catch_warnings(record=True) as _caught:
            try:
                if _block.startswith(">>>"):
                    _test = _doctest.DocTestParser().get_doctest(
                        _block, {{}}, f"solution {{_number}}", None, 0)
                    _test.globs = globals()  # the chapter's namespace, not a copy
                    _result["examples"] = len(_test.examples)
                    _runner = _doctest.DocTestRunner(optionflags=_flags)
                    _runner.run(_test, out=_report.append, clear_globs=False)
                    if _runner.failures:
                        _result["error"] = "".join(_report)
                else:
                    exec(compile(_block, f"<solution {{_number}}>", "exec"), globals())
            except Exception:
                _result["error"] = _traceback.format_exc()
        _seen = [f"{{w.category.__name__}}: {{w.message}}" for w in _caught]
        if _seen and "error" not in _result:
            _result["error"] = "a warning: " + "; ".join(_seen)
        _result["error"] = _result.get("error", "")[-{_REPORT_CHARS}:] or None
        _results.append(_result)
        if _result["error"]:
            break
    print({_MARKER!r} + _json.dumps(_results))
_cnn_tutorial_solutions({json.dumps(list(blocks), ensure_ascii=False)}, {int(flags)})
del _cnn_tutorial_solutions
"""


def probe_results(outputs: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """What :func:`probe_source` printed, or ``None`` when it printed nothing."""
    return marked_json(outputs, _MARKER)


def failures(blocks: Sequence[str], results: Sequence[dict[str, Any]] | None,
             page: str) -> list[str]:
    """One message for a failing solution of ``page`` (or for results that do not fit).

    Examples:
        >>> failures([">>> 1\\n1\\n"], [{"examples": 1, "error": None}], "p.md")
        []
        >>> failures(["x = 1\\n", "y\\n"], [{"examples": 0, "error": None},
        ...          {"examples": 0, "error": "NameError: name 'y' is not defined"}], "p.md")
        ["p.md: solution 2 of 2 ('y') failed:\\n    NameError: name 'y' is not defined"]
    """
    results = list(results or [])
    for number, (block, result) in enumerate(zip(blocks, results), start=1):
        if result.get("error"):
            first = block.strip().splitlines()[0][:60] if block.strip() else ""
            report = "\n".join("    " + line for line in str(result["error"]).splitlines())
            return [f"{page}: solution {number} of {len(blocks)} ({first!r}) failed:\n{report}"]
    if len(results) != len(blocks):
        return [(f"{page}: the execution holds {len(results)} solution results for "
                 f"{len(blocks)} solutions (re-run the chapter)")]
    return []
