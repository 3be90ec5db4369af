"""Fixtures for the in-page widgets: the harness page and the build hook.

The browser, the servers and the built site come from ``tests/browser.py``
(imported by ``tests/conftest.py``). Two kinds of pages are served on 127.0.0.1:

* a *harness*: a minimal HTML page written into a temporary folder that loads
  the playground's files from ``docs/assets/playground/`` and the sample photo
  and the lecture's network produced by ``docs_hooks/playground.py``. It needs
  no site build, so the arithmetic and widget tests are fast;
* the *built site* (``site_url``), for the widgets on the real chapter pages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import serve

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "docs" / "assets" / "playground"


def load_hook():
    """The ``docs_hooks/playground.py`` module (the package docs_hooks, as MkDocs runs it)."""
    import docs_hooks.playground

    return docs_hooks.playground


HARNESS = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>playground harness ({lang})</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/playground/playground.css">
</head>
<body>
<main>
<h1>harness</h1>
<p><a id="before" href="#before">before the widgets</a></p>
<div class="cnn-playground" data-widget="kernel"></div>
<div class="cnn-playground" data-widget="stepper"></div>
<div class="cnn-playground" data-widget="stack"></div>
<p><a id="after" href="#after">after the widgets</a></p>
</main>
<script src="assets/playground/cnn-core.js"></script>
<script type="module" src="assets/playground/playground.js"></script>
</body>
</html>
"""


@pytest.fixture(scope="session")
def hook():
    """The ``docs_hooks/playground.py`` module."""
    return load_hook()


@pytest.fixture(scope="session")
def sample_png(hook) -> bytes:
    """The sample photo exactly as the site ships it (PNG bytes)."""
    return hook.encode_png(hook.sample_levels())


@pytest.fixture(scope="session")
def sample_pixels(hook, sample_png):
    """The float32 pixels the kernel widget computes on (the PNG's levels / 255)."""
    return hook.levels_to_pixels(hook.decode_png(sample_png))


@pytest.fixture(scope="session")
def harness(tmp_path_factory, hook, sample_png) -> Iterator[str]:
    """Base URL of a served folder with ``harness-ko.html`` and ``harness-en.html``."""
    folder = tmp_path_factory.mktemp("playground-harness")
    target = folder / "assets" / "playground"
    shutil.copytree(ASSETS, target)
    (target / hook.SAMPLE_FILE).write_bytes(sample_png)
    (target / hook.NETWORK_FILE).write_bytes(hook.network_file())
    for lang in ("ko", "en"):
        (folder / f"harness-{lang}.html").write_text(HARNESS.format(lang=lang),
                                                    encoding="utf-8")
    with serve(folder) as base_url:
        yield base_url
