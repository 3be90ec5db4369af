"""The API reference: cross-references are links, never raw Sphinx markup.

The docstrings are rendered by mkdocstrings as Markdown, so a Sphinx role
(``:class:`X```) or a reST literal-block marker (a paragraph ending in ``::``)
shows as literal text on the reference pages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "cnn_tutorial"
ROLE = re.compile(r":(?:py:)?(?:class|func|mod|meth|attr|data|exc|obj|const|ref|doc):`")
# A reST literal-block marker: "text::" at the end of a line (not "std::vector").
LITERAL_MARKER = re.compile(r"\S::\s*$", re.MULTILINE)


def _docstrings(path: Path):
    """(line, text) of every docstring and ``#:`` comment of a module."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, child in enumerate(body):
            # a docstring opens a module/class/function; an attribute docstring follows an assignment
            opens = index == 0 and isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                                      ast.AsyncFunctionDef))
            follows = index > 0 and isinstance(body[index - 1], (ast.Assign, ast.AnnAssign))
            if ((opens or follows) and isinstance(child, ast.Expr)
                    and isinstance(child.value, ast.Constant) and isinstance(child.value.value, str)):
                yield child.lineno, child.value.value
    for number, line in enumerate(source.splitlines(), 1):
        if line.lstrip().startswith("#:"):
            yield number, line


def test_docstrings_use_markdown_cross_references_not_sphinx_roles():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _docstrings(path):
            if ROLE.search(text) or LITERAL_MARKER.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: "
                             f"{(ROLE.search(text) or LITERAL_MARKER.search(text)).group(0)!r}")
    assert not found, "Sphinx markup in docstrings (write [`name`][full.path]):\n" + "\n".join(found)
