"""Fixtures shared by the whole test suite.

``built_site`` builds the site once per test session (``mkdocs build --strict``
into a temporary folder) and returns the folder. The build reuses the notebook
execution cache in ``.cache/notebooks`` (see ``docs_hooks/notebooks/``), so it
only executes chapters whose code, package source or library versions changed.
``CNN_TUTORIAL_SITE_DIR=/path/to/site`` tests a site built beforehand instead.

The browser fixtures (``chromium``, ``tab``, ``site_dir``, ``site_url``,
``site_requests``) live in ``tests/browser.py``, helpers that are not fixtures
in ``tests/helpers.py`` (``tiny`` here wraps ``helpers.tiny_data``); the markers ``browser`` and ``site`` (registered in
``pyproject.toml``) are set here from the fixtures each test uses, and ``slow``
(executes chapters or trains) is written on the tests themselves, so that
``pytest -m "not browser and not site and not slow"`` runs the fast part.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import (  # noqa: F401 - fixtures
    chromium,
    mark_items,
    site_dir,
    site_requests,
    site_url,
    tab,
)
from helpers import tiny_data

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs"]


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of one ``mkdocs build --strict``."""

    site_dir: Path
    log: str
    returncode: int


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """Run ``mkdocs build --strict`` once; the build's folder, log and exit status.

    ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` skips the build and tests that
    folder instead (for iterating on the site tests after a manual build; build
    it with ``SITE_REPO_URL`` set, as this fixture does).
    """
    reuse = os.environ.get("CNN_TUTORIAL_SITE_DIR")
    if reuse:
        return SiteBuild(Path(reuse), "", 0)
    site_dir = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # With a repository the chapters get their edit/report/Colab links and install cell.
    env.setdefault("SITE_REPO_URL", "https://github.com/cnn-tutorial/cnn-tutorial")
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return SiteBuild(site_dir, result.stdout + result.stderr, result.returncode)


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The folder of the site built with ``mkdocs build --strict`` (fails if the build did)."""
    if site_build.returncode != 0:
        tail = "\n".join(site_build.log.splitlines()[-60:])
        pytest.fail(f"mkdocs build --strict failed (exit {site_build.returncode}):\n{tail}",
                    pytrace=False)
    return site_build.site_dir




def pytest_collection_modifyitems(config, items):
    """``browser``/``site`` from the fixtures a test uses (``slow`` is on the tests)."""
    mark_items(items)


@pytest.fixture(scope="module")
def tiny():
    """``((x, y), (x[:20], y[:20]))``: 64 random MNIST-shaped images (``helpers.tiny_data``)."""
    return tiny_data()
