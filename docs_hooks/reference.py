"""MkDocs hook: mkdocstrings' compiled templates kept between builds.

mkdocstrings compiles its Jinja templates anew for every language of every
build (168 compilations per build of this site). This hook gives the
handler's Jinja environment a bytecode cache in ``.cache/jinja`` (Jinja checks
each template's source before it reuses the compiled code), through public
interfaces only: the plugin's ``get_handler`` and the handler's ``env``.
"""

from __future__ import annotations

from pathlib import Path

JINJA_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "jinja"
HANDLER = "python"


def cache_compiled_templates(config) -> bool:
    """Give the mkdocstrings handler of this build a Jinja bytecode cache on disk.

    Returns whether a handler was found (no mkdocstrings plugin: nothing to do).
    """
    from jinja2 import FileSystemBytecodeCache

    plugin = config.plugins.get("mkdocstrings")
    if plugin is None:
        return False
    handler = plugin.get_handler(HANDLER)  # created once per build, reused for every page
    if handler.env.bytecode_cache is None:
        JINJA_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        handler.env.bytecode_cache = FileSystemBytecodeCache(str(JINJA_CACHE_DIR))
    return True


def on_config(config):
    cache_compiled_templates(config)
    return config
