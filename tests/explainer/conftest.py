"""Fixtures for the "Draw a digit" widget: the built site, headless Chromium, MNIST.

The tests run on the built site (the ``built_site`` fixture of
``tests/conftest.py``; ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` tests an already
built one, for quick checks while working on the widget: build once, then copy
changed files of ``docs/assets/explainer/`` into it), served on 127.0.0.1
(``site_dir`` and ``site_url`` of tests/browser.py), in tabs (``tab``, which
record every request) of the one headless Chromium of the test run.
"""

from __future__ import annotations

import pytest
from browser import Page


@pytest.fixture(scope="session")
def mnist_test():
    """MNIST's test images and labels (uint8), as the package loads them."""
    from cnn_tutorial.data import load_mnist

    return load_mnist()[1]


@pytest.fixture
def open_widget(tab, site_url):
    """``open_widget(path="en/draw-a-digit/")``: a new tab on the chapter, scrolled to the
    widget, once it is drawn; returns the ``Page`` of tests/browser.py."""

    def open_(path: str = "en/draw-a-digit/", **context_options) -> Page:
        opened = tab(site_url, **context_options)
        opened.page.goto(site_url + path)
        opened.page.locator(".cnn-explainer").scroll_into_view_if_needed()
        opened.page.wait_for_selector(".cnn-explainer[data-ready=true]", timeout=120_000)
        return opened

    return open_
