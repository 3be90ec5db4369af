"""Claims: sentences of a chapter's prose pinned to the results of its code.

A sentence that states a computed result ("the largest difference is below
1e-6", "accuracy falls from 0.96 to 0.70") is followed, on a line of its own,
by the check that makes it true::

    <!-- claim: max_difference < 1e-6 -->

The expression runs in the chapter's kernel after all its code cells, in the
page's namespace, and must be truthy. It is part of the execution (and of the
cache key), so the site build and the page tests check every claim without
running a chapter twice, and a false claim fails both, naming the page, the
line and the sentence. Korean and English pages hold the same expressions in
the same order (``tests/docs/test_claims.py``), so they share one execution.
The comment is invisible on the site and in the downloaded notebook.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # the standard library only at run time: solutions.py imports this module
    import nbformat

#: ``<!-- claim: EXPRESSION -->`` on a line of its own (indented inside an admonition too).
CLAIM_LINE = re.compile(r"^[ \t]*<!--[ \t]*claim:[ \t]*(?P<expression>.*?)[ \t]*-->[ \t]*$",
                        re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
_MARKER = "CNN_TUTORIAL_CLAIMS "
#: How much of a value a failure message shows.
_VALUE_CHARS = 120


@dataclass(frozen=True)
class Claim:
    """One pinned sentence: the check, where it stands and the prose it pins."""

    expression: str
    line: int
    sentence: str


def _sentence_before(lines: list[str], index: int) -> str:
    """The paragraph just above line ``index`` (other comment lines skipped), shortened."""
    i = index - 1
    while i >= 0 and (not lines[i].strip() or _COMMENT_LINE.match(lines[i])):
        i -= 1
    paragraph: list[str] = []
    indent = len(lines[i]) - len(lines[i].lstrip()) if i >= 0 else 0
    # The paragraph's lines share its indentation (an admonition's title line does not).
    while i >= 0 and lines[i].strip() and not _COMMENT_LINE.match(lines[i]) \
            and len(lines[i]) - len(lines[i].lstrip()) == indent:
        paragraph.insert(0, lines[i].strip())
        i -= 1
    text = " ".join(paragraph)
    return text if len(text) <= 240 else "..." + text[-237:]


def page_claims(text: str) -> list[Claim]:
    """The claims of a page's Markdown text, in order.

    Examples:
        >>> page = "Accuracy is high.\\n<!-- claim: acc > 0.9 -->\\n\\nNo claim here.\\n"
        >>> [(c.expression, c.line, c.sentence) for c in page_claims(page)]
        [('acc > 0.9', 2, 'Accuracy is high.')]
    """
    lines = text.splitlines()
    claims = []
    for match in CLAIM_LINE.finditer(text):
        index = text.count("\n", 0, match.start())
        claims.append(Claim(match["expression"], index + 1, _sentence_before(lines, index)))
    return claims


def notebook_claims(notebook: nbformat.NotebookNode) -> list[str]:
    """The claim expressions in the notebook's Markdown cells, in order."""
    return [m["expression"] for cell in notebook.cells if cell.cell_type == "markdown"
            for m in CLAIM_LINE.finditer(cell.source)]


def syntax_errors(expressions: Sequence[str]) -> list[str]:
    """A line for each expression that is not one valid Python expression."""
    problems = []
    for expression in expressions:
        try:
            ast.parse(expression, mode="eval")
        except SyntaxError as error:
            problems.append(f"claim {expression!r} is not a Python expression: {error.msg}")
    return problems


def probe_source(expressions: Sequence[str]) -> str:
    """The code the kernel runs after the chapter's cells: each claim, then one JSON line.

    A false claim reports the values of the names and attributes it reads, so the
    message shows what the result now is.
    """
    return f"""\
def _cnn_tutorial_claims(_expressions):
    import ast as _ast, json as _json
    _results = []
    for _expression in _expressions:
        _result = {{}}
        try:
            _result["ok"] = bool(eval(_expression, globals()))
        except Exception as _error:
            _result.update(ok=False, error=f"{{type(_error).__name__}}: {{_error}}")
        if not _result["ok"]:
            _values = {{}}
            for _node in _ast.walk(_ast.parse(_expression, mode="eval")):
                if isinstance(_node, (_ast.Name, _ast.Attribute, _ast.Subscript, _ast.Call)):
                    _text = _ast.unparse(_node)
                    try:
                        _values[_text] = repr(eval(_text, globals()))[:{_VALUE_CHARS}]
                    except Exception:
                        pass
            _result["values"] = _values
        _results.append(_result)
    print({_MARKER!r} + _json.dumps(_results))
_cnn_tutorial_claims({json.dumps(list(expressions), ensure_ascii=False)})
del _cnn_tutorial_claims
"""


def marked_json(outputs: Sequence[dict[str, Any]], marker: str) -> Any:
    """The JSON a probe cell printed on its last stdout line starting with ``marker``, or
    ``None`` when it printed none (the claims' and the solutions' probes).

    Examples:
        >>> marked_json([{"output_type": "stream", "name": "stdout",
        ...               "text": "noise\\nM [1]\\nM [true]\\n"}], "M ")
        [True]
    """
    printed = "".join(str(o.get("text", "")) for o in outputs
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln[len(marker):] for ln in printed.splitlines() if ln.startswith(marker)]
    return json.loads(lines[-1]) if lines else None


def probe_results(outputs: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """What :func:`probe_source` printed, or ``None`` when it printed nothing."""
    return marked_json(outputs, _MARKER)


def failures(claims: Sequence[Claim], results: Sequence[dict[str, Any]] | None,
             page: str) -> list[str]:
    """One message for each false claim of ``page`` (the line, the sentence, the values)."""
    if results is None or len(results) != len(claims):
        return [f"{page}: the execution holds {0 if results is None else len(results)} claim "
                f"results for {len(claims)} claims (re-run the chapter)"]
    messages = []
    for claim, result in zip(claims, results):
        if result.get("ok"):
            continue
        why = result.get("error") or "is false"
        values = ", ".join(f"{k} = {v}" for k, v in result.get("values", {}).items()
                           if k != claim.expression)
        messages.append(f"{page}:{claim.line}: claim `{claim.expression}` {why}"
                        + (f" ({values})" if values else "")
                        + f"\n    the sentence: {claim.sentence!r}")
    return messages


def main() -> None:
    """Print how many claims each page of ``docs/`` pins (``python3 -m docs_hooks.notebooks.claims``)."""
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    total = 0
    for path in sorted(docs.rglob("*.md")):
        count = len(page_claims(path.read_text(encoding="utf-8")))
        if count:
            total += count
            print(f"{path.relative_to(docs).as_posix():32} {count:4}")
    print(f"{'total':32} {total:4}")


if __name__ == "__main__":
    main()
