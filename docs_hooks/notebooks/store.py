"""The execution cache on disk: one JSON object per key.

A store never fails a build: an entry it cannot read (truncated, not UTF-8,
not JSON, not an object) is a cache miss, and a folder it cannot write (read
only, full) only costs the next build an execution. Both are logged as a
warning that says so.

Processes that share a cache (a build and the page tests, two pytest-xdist
workers) take a key's lock (:meth:`ExecutionCache.lock`) before executing it,
so a chapter runs once and the others read its entry.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: no lock, at worst a chapter runs twice
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("mkdocs.hooks.notebooks")


@dataclass
class ExecutionCache:
    """Execution results (or rendered pages) on disk, one JSON file per key."""

    directory: Path

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return Path(self.directory) / f"{key}.json"

    def get(self, key: str, *, warn: bool = True) -> dict[str, Any] | None:
        """The entry of ``key``, or ``None`` (a miss) when absent or unreadable (with a
        warning unless ``warn`` is false: a second look at an entry already reported)."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            if not warn:
                return None
            log.warning("notebook cache: unreadable entry %s (%s: %s); treated as a cache miss",
                        path, type(error).__name__, error)
            return None
        if not isinstance(entry, dict):
            if not warn:
                return None
            log.warning("notebook cache: entry %s holds a JSON %s, not an object; "
                        "treated as a cache miss", path, type(entry).__name__)
            return None
        touch(path)  # recently used: kept by prune()
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> bool:
        """Store ``entry`` under ``key`` atomically; ``False`` (and a warning) when the
        folder cannot be written."""
        path = self.path(key)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)  # atomic: a crash never leaves half an entry
        except OSError as error:
            log.warning("notebook cache: cannot write %s (%s); the result is not cached",
                        path, error)
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return False
        return True

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold ``key`` (the file ``<key>.lock``, ``flock``): another process that takes the
        same key waits until this one has stored its entry. Where the folder cannot be
        written, or on a system without ``fcntl``, nothing is locked.

        Examples:
            >>> import tempfile
            >>> cache = ExecutionCache(Path(tempfile.mkdtemp()))
            >>> with cache.lock("abc"):
            ...     cache.put("abc", {"cells": []})
            True
            >>> cache.get("abc")
            {'cells': []}
        """
        try:
            if fcntl is None:
                raise OSError("no fcntl")
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            file = open(Path(self.directory) / f"{key}.lock", "a")  # noqa: SIM115
        except OSError:
            yield
            return
        with file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def prune(self, max_age_days: float = 30.0) -> int:
        """Delete entries (and lock files) unused for ``max_age_days`` (edits leave old
        keys behind)."""
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in [*Path(self.directory).glob("*.json"), *Path(self.directory).glob("*.lock")]:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # gone meanwhile, or a read-only folder
        return removed


def touch(path: str | os.PathLike) -> None:
    """Mark a cache entry as used: every cache prunes by modification time."""
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache still serves its entries
