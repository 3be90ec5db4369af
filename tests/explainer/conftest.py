"""Fixtures for the "Draw a digit" widget: the built site, headless Chromium, MNIST.

The tests run on the built site (the ``built_site`` fixture of
``tests/conftest.py``; ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` tests an already
built one, for quick checks while working on the widget: build once, then copy
changed files of ``docs/assets/explainer/`` into it), served on 127.0.0.1, in
the one headless Chromium of the test run (``chromium`` of tests/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Page, serve


@pytest.fixture(scope="session")
def explainer_site(site_dir) -> Path:
    """The built site's folder (``site_dir`` of tests/browser.py)."""
    return site_dir


@pytest.fixture(scope="session")
def explainer_url(explainer_site) -> Iterator[str]:
    with serve(explainer_site) as base_url:
        yield base_url


class Tab(Page):
    """A browser tab (tests/browser.py's ``Page``) that also records every request."""

    def __init__(self, browser, base_url: str, **context_options):
        super().__init__(browser, base_url, **context_options)
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def model_requests(self) -> list[str]:
        return [url for url in self.requests if "/assets/model/" in url]


@pytest.fixture
def tab(chromium):
    """Open tabs with ``tab(base_url)`` on the one Chromium of the test run; each
    checks it made no request off-site."""
    opened: list[Tab] = []

    def open_tab(base_url: str, **context_options) -> Tab:
        opened.append(Tab(chromium, base_url, **context_options))
        return opened[-1]

    yield open_tab
    for page in opened:
        page.close()
    for page in opened:
        assert not page.foreign, f"requests left 127.0.0.1: {page.foreign}"


@pytest.fixture(scope="session")
def mnist_test():
    """MNIST's test images and labels (uint8), as the package loads them."""
    from cnn_tutorial.data import load_mnist

    return load_mnist()[1]


@pytest.fixture
def open_widget(tab, explainer_url):
    """``open_widget(path="en/draw-a-digit/")``: a new tab on the chapter, scrolled to the
    widget, once it is drawn; returns the :class:`Tab`."""

    def open_(path: str = "en/draw-a-digit/", **context_options) -> Tab:
        opened = tab(explainer_url, **context_options)
        opened.page.goto(explainer_url + path)
        opened.page.locator(".cnn-explainer").scroll_into_view_if_needed()
        opened.page.wait_for_selector(".cnn-explainer[data-ready=true]", timeout=120_000)
        return opened

    return open_
