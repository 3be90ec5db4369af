"""Fixtures for the in-page widgets: headless Chromium and small local servers.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright's Python
package (no browser is ever downloaded). Without it the tests are skipped with
a reason, except under CI (``CI`` set), where a missing browser is a failure.

Two kinds of pages are served on 127.0.0.1:

* a *harness*: a minimal HTML page written into a temporary folder that loads
  the playground's files from ``docs/assets/playground/`` and the sample photo
  produced by ``docs_hooks/playground.py``. It needs no site build, so the
  arithmetic tests are fast;
* the *built site* (the ``built_site`` fixture of ``tests/conftest.py``), for
  the widgets on the real chapter pages.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "docs" / "assets" / "playground"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def load_hook():
    """The ``docs_hooks/playground.py`` module (the package docs_hooks, as MkDocs runs it)."""
    import docs_hooks.playground

    return docs_hooks.playground


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


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser (Playwright), one per test module.

    Module scope on purpose: Playwright's sync API cannot run two instances at
    once, and other test modules (tests/docs/) start their own.
    """
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing, and CI is set: the browser tests must run")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's 'chromium' package to run "
                    "the browser tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Page:
    """A browser tab that records script errors, failed responses and off-site requests.

    ``errors``: uncaught exceptions and console errors (other than the browser's
    own "Failed to load resource" lines, which ``failed`` records with their URL).
    """

    def __init__(self, browser, base_url: str):
        self.base = urlsplit(base_url)
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))
        self.context.route("**/*", self._route)

    def _console(self, message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def playground_failures(self) -> list[str]:
        """Failed responses for the playground's own files."""
        return [entry for entry in self.failed if "/assets/playground/" in entry]

    def _route(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (
                self.base.hostname, self.base.port):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def tab(chromium):
    """Open tabs with ``tab(base_url)``; each checks it made no request off-site."""
    opened: list[Page] = []

    def open_tab(base_url: str) -> Page:
        page = Page(chromium, base_url)
        opened.append(page)
        return page

    yield open_tab
    for page in opened:
        page.close()
    for page in opened:
        assert not page.foreign, f"requests left 127.0.0.1: {page.foreign}"


HARNESS = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>playground harness ({lang})</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/playground/playground.css">
</head>
<body>
<h1>harness</h1>
<div class="cnn-playground" data-widget="kernel"></div>
<div class="cnn-playground" data-widget="stepper"></div>
<div class="cnn-playground" data-widget="stack"></div>
<script src="assets/playground/cnn-core.js"></script>
<script src="assets/playground/playground.js"></script>
</body>
</html>
"""


@pytest.fixture(scope="session")
def hook():
    """The ``docs_hooks/playground.py`` module."""
    return load_hook()


@pytest.fixture(scope="session")
def sample_json(hook) -> str:
    """The sample photo exactly as the site ships it (JSON text)."""
    return json.dumps(hook.sample_payload(), separators=(",", ":"))


@pytest.fixture(scope="session")
def harness(tmp_path_factory, sample_json) -> Iterator[str]:
    """Base URL of a served folder with ``harness-ko.html`` and ``harness-en.html``."""
    folder = tmp_path_factory.mktemp("playground-harness")
    target = folder / "assets" / "playground"
    shutil.copytree(ASSETS, target)
    (target / "sample-photo.json").write_text(sample_json, encoding="utf-8")
    for lang in ("ko", "en"):
        (folder / f"harness-{lang}.html").write_text(HARNESS.format(lang=lang),
                                                    encoding="utf-8")
    with serve(folder) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def site_dir(request) -> Path:
    """The built site's folder (the ``built_site`` fixture of ``tests/conftest.py``).

    ``CNN_TUTORIAL_PLAYGROUND_SITE=/path/to/site`` tests an already built site
    instead (quick checks while working on the widgets).
    """
    prebuilt = os.environ.get("CNN_TUTORIAL_PLAYGROUND_SITE")
    if prebuilt:
        if not (Path(prebuilt) / "index.html").is_file():
            pytest.fail(f"CNN_TUTORIAL_PLAYGROUND_SITE={prebuilt} has no index.html")
        return Path(prebuilt)
    try:
        return Path(request.getfixturevalue("built_site"))
    except pytest.FixtureLookupError:
        pytest.skip("the built_site fixture (tests/conftest.py) is not available")


@pytest.fixture(scope="session")
def site_url(site_dir) -> Iterator[str]:
    """Base URL of the built site, served on 127.0.0.1."""
    with serve(site_dir) as base_url:
        yield base_url
