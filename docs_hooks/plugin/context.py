"""The build context: one object per ``mkdocs build``, handed to every part.

mkdocs-static-i18n builds the other languages *inside* the first build: from
its ``on_post_build`` it calls ``build()`` again, which runs every event of
every plugin once more. :class:`BuildContext` is created by the plugin's first
``on_config`` and kept through those inner builds; it is the only place that
asks the i18n plugin whether a build is an inner one and which language it is.

It also owns the cache root (``cache_dir``) and its one retention rule:
anything under it unused for ``cache_days`` days is deleted, once per outer build.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import adapters
from ..notebooks.site import NotebookSite

log = logging.getLogger("mkdocs.plugins.cnn_tutorial")

#: Folders under the cache root whose entries :meth:`BuildContext.prune` deletes when unused.
#: (The notebook part prunes its executions and pages by the same rule, once per build.)
CACHE_FOLDERS = ("jinja", "search", "playground")


@dataclass
class BuildContext:
    """What the parts share during one build (both languages)."""

    #: The folder of mkdocs.yml (the repository root).
    project_dir: Path
    #: The cache root (the ``cache_dir`` option, resolved).
    cache_root: Path
    #: Days an unused cache entry is kept.
    cache_days: int
    #: The notebook cache folder (``notebook_cache``, or ``<cache_root>/notebooks``).
    notebook_cache: Path
    #: The default language (built at the site's root) and every language built.
    default_language: str = "ko"
    languages: tuple[str, ...] = ("ko",)
    #: The language being built now, and whether this is an inner (i18n) build.
    language: str = "ko"
    inner: bool = False
    #: The notebook part (executions, rendered chapters).
    notebooks: NotebookSite = field(default_factory=NotebookSite)
    #: Export folders "Draw a digit" names (:mod:`docs_hooks.explainer`), both languages.
    exports: set[str] = field(default_factory=set)
    #: The default language's 404 page (the other languages' builds keep it at the root).
    default_404: str | None = None

    @property
    def explainer_exports(self) -> Path:
        """Where "Draw a digit" writes its exports (``.cache/explainer`` in its cwd, the root)."""
        return self.project_dir / ".cache" / "explainer"

    def folder(self, name: str) -> Path:
        """A part's cache folder under the cache root (``jinja``, ``search``, ``playground``)."""
        return self.cache_root / name

    @property
    def folder_languages(self) -> tuple[str, ...]:
        """The languages built under a folder of their own (``en/``)."""
        return tuple(lang for lang in self.languages if lang != self.default_language)

    # -- the i18n plugin's builds ---------------------------------------------
    def begin(self, config) -> None:
        """At each ``on_config``: note which language this build is (the one place that asks)."""
        inner, current, default, languages = adapters.i18n_state(config)
        if default:
            self.default_language, self.languages = default, languages
        self.inner = inner
        self.language = (current if inner and current else self.default_language)

    def end_inner(self) -> None:
        """At an inner build's end: the outer build (the default language) resumes."""
        self.inner, self.language = False, self.default_language

    # -- the cache's retention rule --------------------------------------------
    def prune(self, keep: set[Path] = frozenset()) -> int:
        """Delete the cache's entries unused for ``cache_days`` (files and folders); count them."""
        cutoff = time.time() - self.cache_days * 86400
        removed = 0
        roots = {self.cache_root / name for name in CACHE_FOLDERS}
        roots |= {self.notebook_cache / "figures", self.notebook_cache / "wheels",
                  self.explainer_exports}
        for root in roots:
            if not root.is_dir():
                continue
            for entry in root.iterdir():
                if entry in keep or entry in roots or entry.name.endswith(".tmp"):
                    continue
                try:
                    if entry.stat().st_mtime >= cutoff:
                        continue
                    if entry.is_dir():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
                    removed += 1
                except OSError:
                    continue  # gone meanwhile, or a read-only cache
        if removed:
            log.info("cache: %d entries unused for %d days deleted", removed, self.cache_days)
        return removed

