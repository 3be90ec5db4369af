"""Fixtures for the in-browser trainer (docs/assets/trainer/).

A *harness* page, served on 127.0.0.1 from a temporary folder, imports
``net.js`` (the network's arithmetic) as the worker does and exposes it as
``window.net``; the folder also holds ``mnist-subset.bin`` written by the
build hook's own function (docs_hooks/trainer.py). It needs no site build. The
widget itself is tested on the built site (``site_url`` of tests/browser.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import serve

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "docs" / "assets"

HARNESS = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>trainer harness</title><link rel="icon" href="data:,"></head>
<body>
<main><h1>trainer harness</h1></main>
<script type="module">
import * as net from "./assets/trainer/net.js";
window.net = net;
// Loss and gradients of one batch, weights and pixels as plain arrays.
window.grads = (weights, images, labels, scales) => {
  const w = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, Float32Array.from(v)]));
  const s = scales ? (b, j) => scales[b * net.FLAT + j] : null;
  const r = net.lossAndGradients(w, Float32Array.from(images), labels, s);
  return {loss: r.loss, grads: Object.fromEntries(
    Object.entries(r.gradients).map(([k, v]) => [k, Array.from(v)]))};
};
window.subset = fetch("./assets/trainer/mnist-subset.bin").then(r => r.arrayBuffer())
  .then(b => net.parseSubset(b));
window.ready = true;
</script>
</body>
</html>
"""


@pytest.fixture(scope="session")
def subset_folder(tmp_path_factory) -> Path:
    """A folder with the site's ``mnist-subset.bin`` (docs_hooks.trainer.write_subset)."""
    import docs_hooks.trainer

    folder = tmp_path_factory.mktemp("trainer-subset")
    docs_hooks.trainer.write_subset(folder)
    return folder


@pytest.fixture(scope="session")
def subset(subset_folder):
    """``(x_train, y_train, x_val, y_val)`` of the site's subset, uint8."""
    from cnn_tutorial.browser_training import SUBSET_FILE, read_subset

    return read_subset(subset_folder / SUBSET_FILE)


@pytest.fixture(scope="session")
def harness(tmp_path_factory, subset_folder) -> Iterator[str]:
    """Base URL of the served harness (``harness.html``)."""
    folder = tmp_path_factory.mktemp("trainer-harness")
    shutil.copytree(ASSETS / "trainer", folder / "assets" / "trainer")
    shutil.copytree(ASSETS / "explainer", folder / "assets" / "explainer")
    shutil.copy(subset_folder / "mnist-subset.bin", folder / "assets" / "trainer")
    (folder / "harness.html").write_text(HARNESS, encoding="utf-8")
    with serve(folder) as base_url:
        yield base_url


@pytest.fixture
def net_page(tab, harness):
    """A tab on the harness, once ``window.net`` is there."""
    opened = tab(harness)
    opened.page.goto(harness + "harness.html")
    opened.page.wait_for_function("window.ready === true")
    yield opened.page
    assert not opened.errors, opened.errors
