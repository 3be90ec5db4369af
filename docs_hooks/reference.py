"""MkDocs hook: the API reference pages (one per module) name every module of ``cnn_tutorial``.

mkdocstrings aborts the whole build when a ``::: module`` it is asked to render
cannot be found. While the package is still growing, a block for a module that
does not exist yet is dropped with a warning instead, so ``mkdocs build`` keeps
working and ``mkdocs build --strict`` (CI, the tests) still fails on it.

mkdocstrings also compiles its Jinja templates anew for every language of every
build (168 compilations per build of this site); they are kept compiled in
``.cache/jinja`` instead (Jinja checks each template's source before reuse).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.reference")

JINJA_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "jinja"

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src"
_BLOCK = re.compile(r"^::: (?P<name>[\w.]+)\n(?P<options>(?:[ \t]+.*\n)*)", re.MULTILINE)


def module_exists(name: str, src: Path = PACKAGE_DIR) -> bool:
    """True when ``name`` (dotted) is a module file or package folder under ``src``."""
    path = src.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def is_reference_page(src_uri: str) -> bool:
    """``reference.md`` (the overview) or a module's page under ``reference/``."""
    path = Path(src_uri)
    return path.name == "reference.md" or path.parent.name == "reference"


def on_page_markdown(markdown, page, config, files):
    if not is_reference_page(page.file.src_uri):
        return markdown

    def keep_or_drop(match: re.Match) -> str:
        if module_exists(match["name"]):
            return match.group(0)
        log.warning("%s: module %s does not exist yet; its reference is left out",
                    page.file.src_uri, match["name"])
        return ""

    return _BLOCK.sub(keep_or_drop, markdown + ("\n" if not markdown.endswith("\n") else ""))


def _cache_compiled_templates() -> None:
    """Give every mkdocstrings handler's Jinja environment a bytecode cache on disk."""
    from jinja2 import FileSystemBytecodeCache
    from mkdocstrings._internal.handlers.base import Handlers

    if getattr(Handlers.get_handler, "caches_templates", False):
        return
    original = Handlers.get_handler

    def get_handler(self, name, handler_config=None):
        handler = original(self, name, handler_config)
        if getattr(handler, "env", None) is not None and handler.env.bytecode_cache is None:
            JINJA_CACHE_DIR.mkdir(parents=True, exist_ok=True)
            handler.env.bytecode_cache = FileSystemBytecodeCache(str(JINJA_CACHE_DIR))
        return handler

    get_handler.caches_templates = True
    Handlers.get_handler = get_handler


def on_config(config):
    _cache_compiled_templates()
    return config
