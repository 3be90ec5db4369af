"""Helpers shared by test modules (fixtures live in ``conftest.py``; browser ones in ``browser.py``).

* IDX files: ``write_idx`` and ``write_idx_folder`` (a tiny random data set in
  the four MNIST files), for the data, CLI, checkpoint and benchmark tests.
* Training: ``tiny_data`` (64 random images; the ``tiny`` fixture of
  ``conftest.py``) and ``no_dropout`` (a model whose runs are comparable).
* Pages: ``TopLevelPythonParser`` (the code of a page that runs, by the site's
  fence rule), ``page_sybil`` and ``run_page`` (run a page as its kernel would).

``tests/`` is on ``sys.path`` (``tests/conftest.py`` is a rootdir conftest), so
any test module imports this one as ``helpers``.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from docs_hooks.notebooks.solutions import DOCTEST_FLAGS  # the build's doctest options

ROOT = Path(__file__).resolve().parent.parent

# --- IDX files -------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    """Write ``array`` (as uint8) to the IDX file ``path``, gzip-compressed if ``compress``.

    Examples:
        >>> import tempfile
        >>> from cnn_tutorial.data import read_idx
        >>> path = write_idx(Path(tempfile.mkdtemp()) / "x", np.arange(6).reshape(2, 3), True)
        >>> read_idx(path).tolist()
        [[0, 1, 2], [3, 4, 5]]
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload += array.tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def write_idx_folder(folder: Path, train: int = 6, test: int = 4,
                     compress: bool = True, seed: int = 0) -> Path:
    """Write a tiny random data set in the four IDX files of MNIST; returns ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    suffix = ".gz" if compress else ""
    for split, count in (("train", train), ("t10k", test)):
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}",
                  rng.integers(0, 256, (count, 28, 28), dtype=np.uint8), compress)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}",
                  rng.integers(0, 10, count, dtype=np.uint8), compress)
    return folder


# --- training --------------------------------------------------------------------


def tiny_data():
    """``((x, y), (x[:20], y[:20]))``: 64 random 28 x 28 uint8 images and int64 labels."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 64).astype(np.int64)
    return (x, y), (x[:20], y[:20])


def no_dropout():
    """A ``ConvNet`` without dropout, seed 0 (a model factory for ``train``)."""
    # Dropout draws from TF's global generator: without it two runs are comparable.
    from cnn_tutorial.model import ConvNet

    return ConvNet(dropout_rate=0.0, seed=0)


# --- pages -----------------------------------------------------------------------

@functools.cache
def chapter_key_parts() -> tuple[str, dict[str, str]]:
    """The parts of a chapter's cache key that the site build computes once per build."""
    from docs_hooks.notebooks import fingerprint, site

    return fingerprint.sources_digest(site.SOURCE_FOLDERS), fingerprint.environment_versions()


def executed_chapter(path: Path):
    """The chapter at ``path`` and its execution entry, from the build's cache.

    Runs the chapter (its cells, claims and solutions) only when no build or test
    has stored that entry yet; raises ``NotebookExecutionError`` on any problem.
    """
    from docs_hooks.notebooks import execute, site

    package_hash, versions = chapter_key_parts()
    chapter = execute.load_chapter(path, package_hash, versions=versions)
    entries = execute.ensure_executed([chapter], site.NotebookSite().cache, jobs=1)
    return chapter, entries[chapter.key]


class TopLevelPythonParser(PythonCodeBlockParser):
    """Python fences (and ``>>>`` examples) that the fence rule says run
    (``docs_hooks.notebooks.chapters.is_runnable_fence``, as the site build)."""

    def __init__(self, doctest_optionflags: int = DOCTEST_FLAGS, **kwargs):
        super().__init__(doctest_optionflags=doctest_optionflags, **kwargs)

    def runs(self, text: str, start: int) -> bool:
        """Whether the region starting at ``text[start]`` runs (subclasses add regions)."""
        from docs_hooks.notebooks import chapters

        return chapters.is_runnable_fence(text, start, chapters.RUNNABLE_LANGUAGE)

    def __call__(self, document):
        for region in super().__call__(document):  # python fences and >>> examples
            if self.runs(document.text, region.start):
                yield region


def page_setup(namespace):
    """Before a page: Agg plots, ``__name__`` as in a kernel's cell."""
    import matplotlib
    matplotlib.use("Agg", force=True)
    namespace["__name__"] = "__page__"


def page_teardown(namespace):
    """After a page: close its figures, drop its names."""
    import matplotlib.pyplot as plt
    plt.close("all")
    namespace.clear()


def page_sybil(parser: PythonCodeBlockParser | None = None) -> Sybil:
    """A Sybil for pages: ``parser`` (default ``TopLevelPythonParser()``) and
    ``<!-- skip: next -->``; each page gets a fresh namespace with Agg plots."""
    return Sybil(parsers=[parser or TopLevelPythonParser(), SkipParser()],
                 setup=page_setup, teardown=page_teardown)


def run_page(sybil: Sybil, path: Path, monkeypatch) -> None:
    """Run every example of the page at ``path`` in one namespace, as the site's kernel
    does (working directory at the repository root, Agg plots); raises on the first failure."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    document = sybil.parse(path)
    page_setup(document.namespace)
    try:
        for example in document:
            example.evaluate()
    finally:
        page_teardown(document.namespace)
