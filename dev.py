#!/usr/bin/env python3
"""Set up the project and run it: ``python3 dev.py serve`` or ``python3 dev.py test``.

Needs nothing but Python 3.11+. Both commands create ``.venv`` (once), install
the locked dependencies into it and then run the site or the tests inside it.

* ``serve``: ``mkdocs serve`` on http://127.0.0.1:8000 (extra arguments go to mkdocs).
* ``test``: every test: the package, its docstring examples, every code block on
  every page in both languages, the strict site build and the headless-browser
  checks (extra arguments go to pytest).

A local copy of MNIST in the standard IDX files is used when
``CNN_TUTORIAL_DATA_DIR`` points at it; otherwise the package downloads MNIST
once into its cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
CHROMIUM = Path("/usr/bin/chromium")


def _run(*cmd: str | os.PathLike, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def _install_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.lock"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def install() -> None:
    """Create .venv and install the project with its locked dependencies (idempotent)."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-c", ROOT / "requirements.lock",
         "-e", f"{ROOT}[docs,test]")
    STAMP.write_text(fingerprint)


def _ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when we may (root + apt)."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _run(apt, "update", "-q", env=env, stdout=subprocess.DEVNULL)
        _run(apt, "install", "-y", "-q", "chromium", "chromium-driver", env=env,
             stdout=subprocess.DEVNULL)
    else:
        print("note: /usr/bin/chromium is missing, so the browser tests will be skipped "
              "(install Debian's 'chromium' package to run them).", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test", "install"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    install()
    if command == "install":
        return 0
    if command == "serve":
        return subprocess.call([str(BIN / "mkdocs"), "serve", *rest])
    _ensure_chromium()
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
