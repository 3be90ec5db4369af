"""Reading chapters, and the fence rule: which code blocks of a page run.

The rule, used by the site build and by the page tests alike: a fence runs
when it starts in column 0 (not inside a tab, an admonition or a quote) and
its language is ``python``. Every other fence (```` ```console ````,
```` ```bash ````, indented code) is shown, never run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import jupytext
import nbformat

#: The one language whose top-level fences are code cells.
RUNNABLE_LANGUAGE = "python"

# Top-level fences of another language: Jupytext would turn ```bash into a
# running %%bash cell; written as ```{.bash} it stays Markdown.
_OTHER_FENCE = re.compile(
    rf"^(`{{3,}}|~{{3,}})(?!{RUNNABLE_LANGUAGE}\b)([A-Za-z][\w+-]*)[ \t]*$", re.MULTILINE)
#: ```{.bash} as :func:`read_notebook` leaves it; the .ipynb export restores ```bash.
SHOWN_FENCE = re.compile(r"^(`{3,}|~{3,})\{\.([A-Za-z][\w+-]*)\}[ \t]*$", re.MULTILINE)


def is_runnable_fence(text: str, start: int, language: str | None) -> bool:
    """Whether the fenced block of ``language`` starting at ``text[start]`` runs.

    Examples:
        >>> page = "```python\\nx = 1\\n```\\n\\n    ```python\\n    y = 2\\n    ```\\n"
        >>> is_runnable_fence(page, 0, "python"), is_runnable_fence(page, 23, "python")
        (True, False)
        >>> is_runnable_fence(page, 0, "bash")
        False
    """
    at_line_start = start == 0 or text[start - 1] == "\n"
    quoted = text.startswith(">", start) and not text.startswith(">>>", start)
    return (language == RUNNABLE_LANGUAGE and at_line_start and not quoted
            and text[start:start + 1] not in (" ", "\t"))


def is_notebook_text(text: str) -> bool:
    """Whether a page's text has Jupytext front matter (a kernelspec)."""
    head = text[:2000]
    return head.startswith("---") and "kernelspec:" in head


def read_if_notebook(path: str | os.PathLike | None) -> nbformat.NotebookNode | None:
    """:func:`read_notebook` of ``path`` when it is a chapter (a Python kernelspec), else ``None``."""
    if path is None or not str(path).endswith(".md"):
        return None
    text = Path(path).read_text(encoding="utf-8")
    if not is_notebook_text(text):
        return None
    notebook = notebook_from_text(text)
    return notebook if notebook.metadata.get("kernelspec", {}).get("language") == "python" \
        else None


def is_notebook_page(path: str | os.PathLike | None) -> bool:
    """True when ``path`` is a Jupytext Markdown notebook with a Python kernelspec."""
    return read_if_notebook(path) is not None


def read_notebook(path: str | os.PathLike) -> nbformat.NotebookNode:
    """Read a Jupytext Markdown notebook into an nbformat v4 notebook.

    Only top-level ```` ```python ```` fences become code cells (the fence rule).
    """
    return notebook_from_text(Path(path).read_text(encoding="utf-8"))


def notebook_from_text(text: str) -> nbformat.NotebookNode:
    """:func:`read_notebook` of a page's text."""
    # "md:markdown": never guess Pandoc for a page of ::: lines (mkdocstrings).
    notebook = jupytext.reads(_OTHER_FENCE.sub(r"\1{.\2}", text), fmt="md:markdown")
    # Jupytext gives cells random ids; fixed ones make the HTML and the .ipynb
    # the same on every build (and let the HTML cache hit).
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    """The sources of the notebook's code cells, in order."""
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def runnable_code(path: str | os.PathLike) -> list[str]:
    """What runs of the page at ``path``: its code cells, in order."""
    return code_cells(read_notebook(path))
