"""Plugin part: mkdocstrings' compiled templates kept between builds, and links
both ways between the chapters and the API reference.

mkdocstrings compiles its Jinja templates anew for every language of every
build (168 compilations per build of this site). This part gives the
handler's Jinja environment a bytecode cache in ``jinja/`` under the plugin's
cache root (Jinja checks
each template's source before it reuses the compiled code), through public
interfaces only: the plugin's ``get_handler`` and the handler's ``env``.
"""

from __future__ import annotations

import ast
import re
import textwrap
from html import escape, unescape
from pathlib import Path, PurePosixPath

JINJA_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "jinja"
HANDLER = "python"


def cache_compiled_templates(config, cache_dir: Path = JINJA_CACHE_DIR) -> bool:
    """Give the mkdocstrings handler of this build a Jinja bytecode cache in ``cache_dir``.

    Returns whether a handler was found (no mkdocstrings plugin: nothing to do).
    """
    from jinja2 import FileSystemBytecodeCache

    plugin = config.plugins.get("mkdocstrings")
    if plugin is None:
        return False
    handler = plugin.get_handler(HANDLER)  # created once per build, reused for every page
    if handler.env.bytecode_cache is None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        # Read files keep their date: the retention rule deletes them after cache_days
        # and Jinja compiles and writes them again (once a month, milliseconds).
        handler.env.bytecode_cache = FileSystemBytecodeCache(str(cache_dir))
    return True


# --------------------------------------------------------------------------
# Links both ways between the chapters and the API reference.
#
# A docstring names the chapter that teaches it as its file ("(pooling.md)");
# on a reference page that text becomes a link to the chapter. A chapter's
# prose names package functions in inline code; the first mention of each
# name the chapter imports from the package becomes a link to its reference
# entry (an optional autorefs reference, resolved by autorefs at the end of
# the build like the docstrings' own cross-references).

_TAG = re.compile(r"(<[^>]+>)")
_SKIPPED = {"a", "code", "pre", "script", "style", "kbd", "textarea"}
_CHAPTER_FILE = re.compile(r"(?<![\w/.-])([a-z0-9][a-z0-9-]*)\.md\b")
_PYTHON_FENCE = re.compile(r"^(`{3,})python[^\n]*\n(.*?)^\1\s*$", re.MULTILINE | re.DOTALL)
_CODE_NAME = re.compile(r"([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?:\(.*\))?")
PACKAGE = "cnn_tutorial"


def _tag_name(tag: str) -> tuple[str, bool]:
    """(name, closing) of an HTML tag token."""
    match = re.match(r"<\s*(/?)\s*([a-zA-Z][\w-]*)", tag)
    return (match[2].lower(), bool(match[1])) if match else ("", False)


def _walk(html: str):
    """Tokens of ``html`` (tags and text) with how deep inside skipped elements each is."""
    depth = 0
    for token in _TAG.split(html):
        if token.startswith("<"):
            name, closing = _tag_name(token)
            if name in _SKIPPED and not token.endswith("/>"):
                depth += -1 if closing else 1
                depth = max(depth, 0)
            yield token, depth, name, closing
        elif token:
            yield token, depth, "", False


def link_chapter_files(html: str, chapter_url) -> str:
    """``pooling.md`` in prose (not in code or links) becomes a link to that chapter.

    ``chapter_url(name)`` gives the URL of chapter ``name`` relative to the page, or
    ``None`` when there is no such page (the text stays).
    """
    out = []
    for token, depth, name, _ in _walk(html):
        if name or depth:
            out.append(token)
            continue

        def link(match):
            url = chapter_url(match[1])
            return f'<a href="{escape(url)}">{match[0]}</a>' if url else match[0]
        out.append(_CHAPTER_FILE.sub(link, token))
    return "".join(out)


def package_bindings(markdown: str) -> dict[str, str]:
    """Names a chapter's code cells import from the package: name -> full path."""
    bindings: dict[str, str] = {}
    for match in _PYTHON_FENCE.finditer(markdown):
        try:
            tree = ast.parse(textwrap.dedent(match[2]))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE \
                    and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        bindings[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        bindings[alias.asname or alias.name.split(".")[0]] = (
                            alias.name if alias.asname else PACKAGE)
    return bindings


def reference_identifier(code: str, bindings: dict[str, str]) -> str | None:
    """The package object an inline-code text names (``apply_kernel(...)``,
    ``figures.draw_padding``, ``cnn_tutorial.kernels.KERNELS``), or ``None``."""
    match = _CODE_NAME.fullmatch(code.strip())
    if not match:
        return None
    head, _, rest = match[1].partition(".")
    if head == PACKAGE and head not in bindings:
        return match[1]
    if head not in bindings:
        return None
    return bindings[head] + (f".{rest}" if rest else "")


def link_first_mentions(html: str, bindings: dict[str, str]) -> str:
    """Wrap the first inline ``<code>`` naming each imported package object (outside
    links, code blocks and headings) in an optional autorefs reference."""
    if not bindings:
        return html
    tokens = list(_walk(html))
    seen: set[str] = set()
    heading = 0
    out = []
    index = 0
    while index < len(tokens):
        token, depth, name, closing = tokens[index]
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading += -1 if closing else 1
        # a <code> that opens at depth 1 is not inside another skipped element
        if (name == "code" and not closing and depth == 1 and not heading
                and index + 2 < len(tokens) and tokens[index + 2][2] == "code"
                and tokens[index + 2][3]):
            text = unescape(tokens[index + 1][0])
            identifier = reference_identifier(text, bindings)
            if identifier and identifier not in seen:
                seen.add(identifier)
                out.append(f'<autoref identifier="{escape(identifier)}" optional>'
                           f"{token}{tokens[index + 1][0]}{tokens[index + 2][0]}</autoref>")
                index += 3
                continue
        out.append(token)
        index += 1
    return "".join(out)


def _is_reference_page(page) -> bool:
    path = PurePosixPath(page.file.src_uri)
    return path.parent.name == "reference" or path.name == "reference.md"


def link_page(html, page, files):
    """A page's HTML with its links to chapters (reference pages) or to the reference."""
    if _is_reference_page(page):
        where = PurePosixPath(page.file.src_uri).parent
        folder = where.parent if where.name == "reference" else where  # the language's folder

        def chapter_url(name):
            target = files.get_file_from_path((folder / f"{name}.md").as_posix())
            return target.url_relative_to(page.file) if target and target.page else None
        return link_chapter_files(html, chapter_url)
    source = page.file.abs_src_path
    if source and source.endswith(".md"):
        return link_first_mentions(html, package_bindings(Path(source).read_text(encoding="utf-8")))
    return html
