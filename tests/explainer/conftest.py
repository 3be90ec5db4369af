"""Fixtures for the "Draw a digit" widget: the built site, headless Chromium, MNIST.

The tests run on the built site (the ``built_site`` fixture of
``tests/conftest.py``; ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` tests an already
built one, for quick checks while working on the widget: build once, then copy
changed files of ``docs/assets/explainer/`` into it), served on 127.0.0.1, in Debian's ``/usr/bin/chromium`` driven by
Playwright. Without the browser the tests are skipped with a reason, except
under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def explainer_site(request) -> Path:
    """The built site's folder."""
    try:
        return Path(request.getfixturevalue("built_site"))
    except pytest.FixtureLookupError:
        pytest.skip("the built_site fixture (tests/conftest.py) is not available")


@pytest.fixture(scope="session")
def explainer_url(explainer_site) -> Iterator[str]:
    with serve(explainer_site) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (Playwright), one per test module."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing, and CI is set: the browser tests must run")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's 'chromium' package to run "
                    "the browser tests)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """A browser tab recording requests, script errors, failed and off-site requests."""

    def __init__(self, browser, base_url: str, **context_options):
        self.base = urlsplit(base_url)
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (
                self.base.hostname, self.base.port):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def model_requests(self) -> list[str]:
        return [url for url in self.requests if "/assets/model/" in url]

    def close(self):
        self.context.close()


@pytest.fixture
def tab(chromium):
    """Open tabs with ``tab(base_url)``; each checks it made no request off-site."""
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
