#!/usr/bin/env python3
"""Set up the project and run it: ``python3 dev.py serve`` or ``python3 dev.py test``.

Needs nothing but Python 3.11.5+ (``LOCK_PYTHON``). Both commands create ``.venv`` (once), install
the locked dependencies into it and then run the site or the tests inside it.
``requirements.lock`` pins every package with its hashes; it is installed with
``pip install --require-hashes``, so a changed or substituted file fails.

* ``serve``: ``mkdocs serve`` on http://127.0.0.1:8000 (extra arguments go to mkdocs).
* ``test``: every test: the package, its docstring examples, every code block on
  every page in both languages, the strict site build and the headless-browser
  checks (extra arguments go to pytest). The tests run on every core
  (pytest-xdist, ``-n auto``: each worker takes the next tests as it gets free,
  so the 288 accessibility checks of one file are shared too); ``-n 0`` runs
  them in this process (for ``--pdb``).
* ``test --fast``: only the tests that need no browser, no site build and no
  chapter run or training (the markers ``browser``, ``site``, ``slow``): about a
  minute on two cores, for the edit-test loop.
* ``test-floor``: the package's tests (not the site, not the browser) in
  ``.venv-floor``, which holds the oldest versions ``pyproject.toml`` allows
  (``tensorflow>=2.20.0`` gives ``tensorflow==2.20.0``, and so on), so that the
  floors of the supported ranges are true. CI runs it after ``test``.
* ``confirm-translation PAGE[#SECTION] | --all``: record that the Korean and the
  English prose of a section say the same (``translations.json``; see
  ``docs_hooks/translations.py``), after updating one side to match the other.
* ``lock``: rewrite ``requirements.lock`` from ``pyproject.toml`` with
  ``pip-compile --generate-hashes`` (pip-tools, installed into ``.venv-tools``),
  keeping the versions already locked unless ``--upgrade`` is given.

A local copy of MNIST in the standard IDX files is used when
``CNN_TUTORIAL_DATA_DIR`` points at it; otherwise the package downloads MNIST
once into its cache.
"""

from __future__ import annotations

import hashlib
import os
import re
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
FLOOR_VENV = ROOT / ".venv-floor"
TOOLS_VENV = ROOT / ".venv-tools"
PIP_TOOLS = "pip-tools==7.6.2"
# The package's own tests: not the site's, the browser's or the CI workflows' (those
# need the docs extra, a build or Chromium, and do not depend on the package's floors).
#: ``dev.py test --fast``: the tests that need no browser, no built site and no training.
FAST_MARKERS = "not browser and not site and not slow"
#: Every core. Tests, not files, are shared out: one file (tests/docs/test_a11y.py)
#: held half of the browser time, and its worker finished last.
PARALLEL = ["-n", "auto"]
FLOOR_TESTS = ["tests", "src/cnn_tutorial", "--ignore=tests/docs",
               "--ignore=tests/playground", "--ignore=tests/explainer",
               "--ignore=tests/test_workflows.py", "--ignore=tests/trainer",
               "--ignore=tests/test_collection.py"]


def _run(*cmd: str | os.PathLike, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def _install_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.lock"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _python(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / (
        "python.exe" if os.name == "nt" else "python")


def _usable(env: Path) -> bool:
    """Whether ``env`` is a whole virtual environment: its Python runs and has pip.

    A creation stopped halfway (Ctrl+C, a full disk) leaves a Python without
    pip, which every later ``pip install`` would fail on.
    """
    python = _python(env)
    if not (python.exists() and (env / "pyvenv.cfg").is_file()):
        return False
    probe = subprocess.run([str(python), "-c", "import pip"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def _create(env: Path) -> Path:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    python = _python(env)
    if _usable(env):
        return python
    if env.is_symlink():  # someone else's environment: not ours to delete
        sys.exit(f"dev.py: {env} links to {os.readlink(env)}, which is not a usable virtual "
                 "environment (no Python with pip); fix it there or remove the link")
    if env.exists() or python.exists():
        print(f"{env} is incomplete (its creation was interrupted?): creating it again ...",
              flush=True)
        shutil.rmtree(env)
    else:
        print(f"Creating {env} ...", flush=True)
    venv.EnvBuilder(with_pip=True).create(env)
    return python


#: The oldest Python that every pin of requirements.lock installs on: pymdown-extensions
#: 13.1 (Material's Markdown extensions) needs 3.11.5. The package alone needs 3.11
#: (test-floor runs on any 3.11).
LOCK_PYTHON = (3, 11, 5)


def install() -> None:
    """Create .venv and install the project with its locked dependencies (idempotent).

    Every package comes from ``requirements.lock`` and must match a hash there
    (``--require-hashes``; the build tools setuptools and wheel are locked too);
    the project itself is then installed from this folder, without dependencies
    and without fetching anything else.
    """
    if sys.version_info < LOCK_PYTHON:
        wanted = ".".join(map(str, LOCK_PYTHON))
        sys.exit(f"dev.py: the site's locked tools need Python {wanted} or newer (pymdown-"
                 f"extensions 13.1); this is {sys.version.split()[0]}. Run dev.py with a "
                 f"newer python3.")
    _create(VENV)
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    # Until this install succeeds the environment is not trusted, whatever it held before.
    STAMP.unlink(missing_ok=True)
    lock_file = ROOT / "requirements.lock"
    if "--hash=" in lock_file.read_text(encoding="utf-8"):
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps",
             "-r", lock_file)
        _run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps",
             "--no-build-isolation", "-e", ROOT)
    else:  # a lock without hashes (written by hand): pins as constraints
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-c", lock_file,
             "-e", f"{ROOT}[docs,test]")
    _run(PYTHON, "-m", "pip", "check")
    STAMP.write_text(fingerprint)


def floor_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """``name==floor`` for every runtime dependency of pyproject.toml (``name>=floor,...``)."""
    import tomllib

    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "dependencies"]
    floors = []
    for requirement in dependencies:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([^,;\s]+).*", requirement)
        if match is None:
            sys.exit(f"pyproject.toml: runtime dependency {requirement!r} has no floor "
                     "(write it as 'name>=floor,<ceiling')")
        floors.append(f"{match[1]}=={match[2]}")
    return floors


def install_floor() -> Path:
    """Create .venv-floor: the package and its tests at the floors of the ranges."""
    python = _create(FLOOR_VENV)
    floors = floor_requirements()
    stamp = FLOOR_VENV / ".installed"
    if not (stamp.exists() and stamp.read_text() == "\n".join(floors)):
        stamp.unlink(missing_ok=True)
        _run(python, "-m", "pip", "install", "--quiet", *floors, "-e", f"{ROOT}[test]")
        _run(python, "-m", "pip", "check")
        stamp.write_text("\n".join(floors))
    return python


def lock(upgrade: bool = False) -> int:
    """Rewrite requirements.lock with hashes (pip-compile; keeps locked versions)."""
    tools = _create(TOOLS_VENV)
    _run(tools, "-m", "pip", "install", "--quiet", PIP_TOOLS)
    return subprocess.call([
        str(tools), "-m", "piptools", "compile", "--quiet", "--generate-hashes",
        "--allow-unsafe", "--strip-extras", "--no-emit-index-url", "--no-emit-find-links",
        "--extra", "docs", "--extra", "test", *(["--upgrade"] if upgrade else []),
        "--output-file", "requirements.lock", "pyproject.toml"])


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
    """Run a command; a failing step is one line (the command and its status), not a traceback."""
    try:
        return _main(argv)
    except subprocess.CalledProcessError as error:
        command = " ".join(str(part) for part in error.cmd)
        print(f"dev.py: '{command}' failed with exit status {error.returncode} (its output is "
              "above); run the same dev.py command again once the cause is fixed",
              file=sys.stderr)
        return error.returncode or 1
    except KeyboardInterrupt:
        print("dev.py: interrupted; the next run repairs or redoes what was cut short",
              file=sys.stderr)
        return 130


def _main(argv: list[str]) -> int:
    commands = {"serve", "test", "install", "test-floor", "lock", "confirm-translation"}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "lock":
        return lock(upgrade="--upgrade" in rest)
    if command == "confirm-translation":  # the standard library is enough
        return subprocess.call([sys.executable, "-m", "docs_hooks.translations", *rest])
    if command == "test-floor":
        python = install_floor()
        return subprocess.call([str(python), "-m", "pytest", *PARALLEL, *FLOOR_TESTS, *rest])
    install()
    if command == "install":
        return 0
    if command == "serve":
        return subprocess.call([str(BIN / "mkdocs"), "serve", *rest])
    if "--fast" in rest:  # no browser, no site build, no chapter runs or training
        rest = [arg for arg in rest if arg != "--fast"]
        return subprocess.call([str(PYTHON), "-m", "pytest", *PARALLEL, "-m", FAST_MARKERS,
                                *rest])
    _ensure_chromium()
    return subprocess.call([str(PYTHON), "-m", "pytest", *PARALLEL, *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
