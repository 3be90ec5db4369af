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
import shutil
import tempfile
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
from shared_build import SiteBuild, build_site, run_site_files_last, shared_site_build


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """Run ``mkdocs build --strict`` once; the build's folder, log and exit status.

    Under pytest-xdist the workers share one build: the first worker that needs
    the site builds it into the run's common temporary folder while holding a
    file lock, and the others wait for it and read its outcome.

    ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` skips the build and tests that
    folder instead (for iterating on the site tests after a manual build; build
    it with ``SITE_REPO_URL`` set, as this fixture does).
    """
    reuse = os.environ.get("CNN_TUTORIAL_SITE_DIR")
    if reuse:
        return SiteBuild(Path(reuse), "", 0)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_site(tmp_path_factory.mktemp("site") / "site")
    # The same folder for every worker of this run (their basetemps are inside it).
    return shared_site_build(tmp_path_factory.getbasetemp().parent, build_site)


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The folder of the site built with ``mkdocs build --strict`` (fails if the build did)."""
    if site_build.returncode != 0:
        tail = "\n".join(site_build.log.splitlines()[-60:])
        pytest.fail(f"mkdocs build --strict failed (exit {site_build.returncode}):\n{tail}",
                    pytrace=False)
    return site_build.site_dir




def pytest_sessionstart(session):
    """Send ``tempfile`` (the docstring examples' ``mkdtemp()``) to a folder of this run."""
    session.config.stash[_TEMP_ROOT] = Path(tempfile.mkdtemp(prefix="cnn-tutorial-tests-"))
    tempfile.tempdir = str(session.config.stash[_TEMP_ROOT])


def pytest_sessionfinish(session):
    """Remove that folder: a test run leaves nothing in the system's temporary folder."""
    root = session.config.stash.get(_TEMP_ROOT, None)
    if root is not None:
        tempfile.tempdir = None
        shutil.rmtree(root, ignore_errors=True)


_TEMP_ROOT = pytest.StashKey[Path]()


def pytest_collection_modifyitems(config, items):
    """``browser``/``site`` from the fixtures a test uses (``slow`` is on the tests).

    Files that need the built site run last (``run_site_files_last``).
    """
    mark_items(items)
    run_site_files_last(items)


@pytest.fixture(scope="module")
def tiny():
    """``((x, y), (x[:20], y[:20]))``: 64 random MNIST-shaped images (``helpers.tiny_data``)."""
    return tiny_data()
