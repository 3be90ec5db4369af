"""A chapter page's HTML: prose rendered by MkDocs, cells by mkdocs-jupyter's template.

nbconvert renders Markdown cells with mistune, which knows nothing of
admonitions, content tabs or ``{#id}`` anchors. Here all Markdown cells of a
page are rendered together by MkDocs itself (the site's
``markdown_extensions``, link checks, table of contents) and handed to
nbconvert as raw HTML cells. The cells go through mkdocs-jupyter's template,
extended by ``templates/cnn_notebook.html.j2`` (no ``<head>`` part, figures as
files); its stylesheet becomes one shared file, pruned to the classes used.
Rendered pages are cached (nbconvert takes about half a second a page).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

import nbformat

from .. import adapters
from .store import ExecutionCache

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_TEMPLATE = "cnn_notebook.html.j2"
CSS_TEMPLATE = "notebook_css.j2"
#: Site-relative path of the shared notebook stylesheet.
NOTEBOOK_CSS = "assets/notebook.css"

_CELL_MARK = "<!-- nbcell:{} -->"
_CELL_SPLIT = re.compile(r"(?:<p>)?\s*<!-- nbcell:(\d+) -->\s*(?:</p>)?")


def prose_markdown(notebook: nbformat.NotebookNode) -> str:
    """All Markdown cells of ``notebook`` as one Markdown text, each after a marker.

    MkDocs renders it as the page's Markdown (one render keeps heading ids
    unique over the page and gives the page its table of contents, title and
    link checks); :func:`split_prose` cuts the HTML back into cells.
    """
    return "\n\n".join(f"{_CELL_MARK.format(i)}\n\n{cell.source}" for i, cell in
                        enumerate(c for c in notebook.cells if c.cell_type == "markdown"))


def split_prose(content: str, count: int) -> list[str]:
    """The HTML of each of ``count`` Markdown cells, from the page rendered from
    :func:`prose_markdown`."""
    pieces = _CELL_SPLIT.split(content)
    rendered = [""] * count
    for index in range(1, len(pieces), 2):
        rendered[int(pieces[index])] = pieces[index + 1]
    return rendered


def raw_html_cell(html_text: str, cell_id: str) -> nbformat.NotebookNode:
    """A raw cell that nbconvert passes through as HTML."""
    raw = nbformat.v4.new_raw_cell(html_text)
    raw.id = cell_id  # not a new random one: the HTML stays the same
    raw.metadata["raw_mimetype"] = "text/html"
    return raw


# Names, punctuation and white space are drawn in the code block's own colour
# (site.css), so their spans only weigh: about a fifth of a chapter's HTML.
_PLAIN_TOKEN = re.compile(r'<span class="(?:n|p|w)">([^<]*)</span>')


class _CodeHighlighter:
    """mkdocs-jupyter's ``highlight_code`` filter (Pygments HTML with the classes its
    CSS expects, the block the copy button copies), numbered per page."""

    def __init__(self, extra_classes: str = ""):
        from pygments.formatters import HtmlFormatter

        self._formatter = HtmlFormatter(cssclass=f"highlight-ipynb hl-python {extra_classes}")
        self.count = 0

    def __call__(self, source, language=None, metadata=None):
        from pygments import highlight
        from pygments.lexers import get_lexer_by_name

        self.count += 1  # the template numbers its copy buttons the same way
        lexer = get_lexer_by_name(language or "python")
        highlighted = _PLAIN_TOKEN.sub(r"\1", highlight(source or " ", lexer, self._formatter))
        # The copy button copies the text of the element its ``for`` names: the
        # highlighted block itself, so the page needs no second, hidden copy.
        return highlighted.replace("<div ", f'<div id="cell-{self.count}" ', 1)


def _keep_html(element) -> str:
    # As mkdocs-jupyter does: outputs' HTML and SVG are shown as the chapter made them.
    return element.decode() if isinstance(element, bytes) else str(element)


@functools.lru_cache(maxsize=4)
def _exporter(template: str, theme: str, show_input: bool, no_input: bool, no_prompt: bool,
              remove_tags: str, highlight_extra_classes: str):
    """An HTML exporter set up as mkdocs-jupyter sets up its own, built once per
    configuration (building one compiles its Jinja templates: about 1.5 s)."""
    from nbconvert.exporters.html import HTMLExporter

    app = adapters.nbconvert_app(
        execute=False, allow_errors=False, show_input=show_input, no_input=no_input,
        no_prompt=no_prompt, remove_tag_config=json.loads(remove_tags))
    highlighter = _CodeHighlighter(highlight_extra_classes)
    exporter = HTMLExporter(
        config=app.config, template_file=template,
        extra_template_paths=[str(TEMPLATES), adapters.templates_dir()],
        filters={"highlight_code": highlighter, "clean_html": _keep_html},
        theme=theme, mathjax_url="")
    return exporter, highlighter


def exporter_settings(plugin_config) -> tuple:
    """The settings of mkdocs-jupyter that decide the HTML, with its defaults."""
    return (plugin_config.get("theme", "") or "light",
            bool(plugin_config.get("show_input", True)),
            bool(plugin_config.get("no_input", False)),
            bool(plugin_config.get("no_prompt", False)),
            json.dumps(plugin_config.get("remove_tag_config", {}), sort_keys=True),
            plugin_config.get("highlight_extra_classes", ""))


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _notebook_css(settings: tuple) -> str:
    exporter, _ = _exporter(CSS_TEMPLATE, *settings)
    text, _ = exporter.from_notebook_node(
        nbformat.v4.new_notebook(), resources={"mkdocs": {"include_requirejs": False}})
    # The CSS template (ours) writes only <style> blocks.
    return "\n".join(_STYLE.findall(text))


def notebook_html(notebook: nbformat.NotebookNode, plugin_config) -> tuple[str, str]:
    """HTML of the notebook's cells by the page template, and the notebook stylesheet."""
    settings = exporter_settings(plugin_config)
    exporter, highlighter = _exporter(PAGE_TEMPLATE, *settings)
    highlighter.count = 0  # copy buttons are numbered per page
    body, _ = exporter.from_notebook_node(
        notebook, resources={"mkdocs": {"include_requirejs": False}})
    return body, _notebook_css(settings)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=1)
def _renderer_digest() -> str:
    """What decides the HTML besides the notebook: this code, the templates and the
    renderers' versions."""
    parts = [p.read_bytes().hex() for p in sorted(TEMPLATES.glob("*.j2"))]
    parts.append(Path(__file__).read_bytes().hex())
    parts += [f"{name}=={_version(name)}" for name in (
        "nbconvert", "mkdocs-jupyter", "pygments", "jinja2", "mistune", "nbformat")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forget_versions() -> None:
    """Compute :func:`_renderer_digest` again (a new ``mkdocs serve`` build: upgrades)."""
    _renderer_digest.cache_clear()


def html_cache_key(shown: nbformat.NotebookNode, plugin_config: dict[str, Any]) -> str:
    """Key of a page's nbconvert HTML: the notebook as shown (rendered prose and
    outputs included), the exporter's settings and :func:`_renderer_digest`."""
    digest = hashlib.sha256()
    digest.update(_renderer_digest().encode())
    digest.update(json.dumps(exporter_settings(plugin_config)).encode())
    digest.update(json.dumps(shown, sort_keys=True).encode())
    return digest.hexdigest()


def html_cache(cache: ExecutionCache) -> ExecutionCache:
    """The cache of rendered pages: the same kind of store, in ``html/`` beside the results."""
    return ExecutionCache(Path(cache.directory) / "html")


def cached_notebook_html(shown: nbformat.NotebookNode, plugin_config: dict[str, Any],
                         cache: ExecutionCache) -> tuple[str, str]:
    """:func:`notebook_html`, stored in ``html_cache(cache)``."""
    key = html_cache_key(shown, plugin_config)
    stored = html_cache(cache).get(key)
    if stored is not None and {"body", "css"} <= stored.keys():
        return stored["body"], stored["css"]
    body, css = notebook_html(shown, plugin_config)
    html_cache(cache).put(key, {"body": body, "css": css})
    return body, css


_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def used_classes(html_text: str) -> set[str]:
    """Every class name used in ``html_text``."""
    return {name for attr in _CLASS_ATTR.findall(html_text) for name in attr.split()}


def prune_css(css: str, classes: set[str]) -> str:
    """Drop the rules of ``css`` whose every selector names a class absent from ``classes``.

    nbconvert's stylesheet is all of JupyterLab's (about 600 KB); a chapter uses
    a few dozen of its classes. Rules without class selectors (``:root``
    variables, element rules) are kept, and so are at-rules other than
    ``@media``/``@supports`` (whose inner rules are pruned the same way).
    """
    css = _CSS_COMMENT.sub("", css)
    out: list[str] = []
    pos, length = 0, len(css)
    while pos < length:
        brace = css.find("{", pos)
        if brace < 0:
            break
        selector = css[pos:brace].strip()
        depth, end = 1, brace + 1
        while end < length and depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[brace + 1:end - 1]
        pos = end
        if selector.startswith("@"):
            if selector.startswith(("@media", "@supports")):
                inner = prune_css(body, classes)
                if inner.strip():
                    out.append(f"{selector}{{{inner}}}")
            else:
                out.append(f"{selector}{{{body}}}")
            continue
        selector = selector.lstrip(";").strip()
        if any(set(_CSS_CLASS.findall(part)) <= classes for part in selector.split(",")):
            out.append(f"{selector}{{{body.strip()}}}")
    return "\n".join(out)


_CSS_VAR_DECL = re.compile(r"(--[\w-]+)\s*:[^;{}]*(?:;|(?=}))")


def prune_css_variables(css: str) -> str:
    """Drop custom-property declarations that nothing references with ``var()``."""
    for _ in range(4):  # variables defined through other variables
        used = set(re.findall(r"var\(\s*(--[\w-]+)", css))
        pruned = _CSS_VAR_DECL.sub(lambda m: m.group(0) if m.group(1) in used else "", css)
        if pruned == css:
            break
        css = pruned
    return re.sub(r"(?m)^[^{}\n]*\{\s*\}\n?", "", css)  # rules left empty
