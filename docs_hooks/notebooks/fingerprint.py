"""The execution cache key: what decides a chapter's outputs, hashed.

The key covers the code cells in order, every file of the package (and of
the recorded results a chapter reads) and the whole Python environment: the
name and version of every installed distribution and Python's version. Prose
is not in it, so a chapter's Korean and English pages share one execution and
a prose edit executes nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
from pathlib import Path
from typing import Iterable, Sequence

#: Bump when what the kernel runs besides the chapter changes (the version probe).
KEY_VERSION = "2"


def files_digest(folder: str | os.PathLike) -> str:
    """SHA-256 of every file under ``folder`` (relative paths and bytes, sorted).

    Byte-code caches are skipped: they change without the source changing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder must be an existing folder, got {folder}")
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()



def sources_digest(folders: Iterable[str | os.PathLike]) -> str:
    """One digest of the existing folders among ``folders`` (missing ones are skipped)."""
    parts = [f"{Path(f).name}:{files_digest(f)}" for f in folders if Path(f).is_dir()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def environment_versions() -> dict[str, str]:
    """Python's version and the version of every installed distribution.

    Any upgrade (scipy under scikit-image, protobuf under TensorFlow, ...) changes
    this, so it re-executes the chapters. Names are normalised as pip does
    (``scikit-image``, ``ml-dtypes``).
    """
    versions = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-").replace(".", "-")
        if name:
            versions[name] = dist.version
    versions["python"] = platform.python_version()
    return dict(sorted(versions.items()))


def cache_key(sources: Sequence[str], package_hash: str, versions: dict[str, str]) -> str:
    """The execution cache key: code cells in order, package digest and versions."""
    payload = json.dumps(
        {"cells": list(sources), "package": package_hash, "versions": versions,
         "key_version": KEY_VERSION},
        sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
