"""Headless Chromium for the tests: one browser per test run, local servers, page helpers.

Used by ``tests/docs/`` (the built site) and ``tests/playground/`` (the widgets);
``tests/conftest.py`` imports the fixtures from here, so every test module can
ask for them by name:

* ``chromium``: Debian's ``/usr/bin/chromium`` driven by Playwright's Python
  package, launched once per test run (no browser is ever downloaded). Without
  it the browser tests are skipped with the reason, except under CI (``CI``
  set), where a missing browser is a failure.
* ``tab``: ``tab(base_url)`` opens a fresh browser context that records script
  errors, failed responses, every request, and requests that leave 127.0.0.1
  (refused); the fixture checks at the end that there were none of the latter.
* ``site_dir`` / ``site_url``: the built site (``built_site`` of
  ``tests/conftest.py``; ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` reuses a site
  built beforehand) and its URL on 127.0.0.1, served once per test run;
  ``site_requests`` lists the paths that server answered.
* ``serve(folder)``: serves any folder on 127.0.0.1 (the widgets' harness);
  ``serve(folder, prefix=SUBPATH)`` under a project sub-path (``/cnn-tutorial/``),
  as a project's Pages site is served.

Helpers for pages: ``page_path`` (a chapter's URL path in a language),
``set_palette`` (Material's light or dark scheme), ``axe_violations`` (axe-core,
WCAG 2 A and AA rules, from the ``axe-playwright-python`` test dependency; the
site never ships it).

Markers (registered in ``pyproject.toml``) are set from the fixtures a test
uses: ``browser`` for ``chromium`` and everything built on it, ``site`` for the
built site (see ``mark_items``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (containers), no GPU, and nothing that phones home.
# Playwright itself gives each launch a fresh, temporary --user-data-dir.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LANGS = ("ko", "en")
# Every page, as its path under docs/ko without ".md" ("index", "reference/kernels").
SLUGS = sorted(p.relative_to(DOCS / "ko").with_suffix("").as_posix()
               for p in (DOCS / "ko").rglob("*.md"))
SCHEMES = ("default", "slate")  # Material's light and dark palettes
WCAG_TAGS = ["wcag2a", "wcag2aa"]


def page_path(slug: str, lang: str) -> str:
    """The URL path of page ``slug`` in ``lang`` (Korean at /, English at /en/)."""
    prefix = "/" if lang == "ko" else "/en/"
    return prefix if slug == "index" else f"{prefix}{slug}/"


# --- servers -------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that logs nothing (subclass it to watch requests)."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class RecordingHandler(QuietHandler):
    """A :class:`QuietHandler` that appends the path of each GET to ``served``, a list
    that each subclass sets (see ``site_url``)."""

    served: ClassVar[list[str]]

    def do_GET(self):
        self.served.append(urlsplit(self.path).path)
        super().do_GET()


# JavaScript modules must be served as JavaScript (some systems map .js oddly).
QuietHandler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                                ".js": "text/javascript", ".mjs": "text/javascript",
                                ".json": "application/json"}


#: The project sub-path under which ``site_subpath_url`` serves the site, as a
#: project's GitHub Pages site is served (``https://owner.github.io/name/``).
SUBPATH = "/cnn-tutorial/"


class SubPathHandler(QuietHandler):
    """Serves its folder under ``prefix`` only, like a project's Pages site: anything
    outside it is a 404, and a missing file gets the nearest ``404.html`` above it
    (Cloudflare Pages; GitHub Pages serves the root one) with status 404."""

    prefix = SUBPATH

    def translate_path(self, path):
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / ".outside-the-prefix" / "none")  # no such file: 404
        return super().translate_path("/" + clean[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        page = self._not_found_page() if code == 404 else None
        if page is None:
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def _not_found_page(self):
        clean = self.path.split("?", 1)[0]
        if not clean.startswith(self.prefix):
            return None
        root = Path(self.directory).resolve()
        folder = Path(super().translate_path("/" + clean[len(self.prefix):])).resolve()
        for candidate in (folder, *folder.parents):
            if candidate != root and root not in candidate.parents:
                break
            if (candidate / "404.html").is_file():
                return candidate / "404.html"
        return None


class _Server(http.server.ThreadingHTTPServer):
    """Quiet when the browser drops a connection (it does when a test moves on)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path, handler_class: type = QuietHandler,
          prefix: str = "/") -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yields the base URL, ending in ``/``.

    ``prefix`` (``"/cnn-tutorial/"``): serve it under that sub-path instead, with
    :class:`SubPathHandler` (the base URL then ends in the prefix).
    Also used by the scripts in ``benchmarks/`` that drive the browser.
    """
    if prefix != "/":
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"prefix must start and end with '/', got {prefix!r}")
        handler_class = type("PrefixHandler", (SubPathHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def site_dir(built_site) -> Path:
    """The built site's folder (``built_site``, or ``CNN_TUTORIAL_SITE_DIR``)."""
    if not (Path(built_site) / "index.html").is_file():
        pytest.fail(f"{built_site} has no index.html (CNN_TUTORIAL_SITE_DIR?)", pytrace=False)
    return Path(built_site)


@pytest.fixture(scope="session")
def site_requests() -> list[str]:
    """The path of every GET the site server (``site_url``) answered, in order.

    It sees what Playwright cannot (a web worker's fetches); clear it before use.
    """
    return []


@pytest.fixture(scope="session")
def site_url(site_dir, site_requests) -> Iterator[str]:
    """Base URL of the built site served on 127.0.0.1, ending in ``/``."""
    handler = type("SiteHandler", (RecordingHandler,), {"served": site_requests})
    with serve(site_dir, handler) as base_url:
        yield base_url


# --- the browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Playwright), launched once per test run."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing, and CI is set: the browser tests must run",
                        pytrace=False)
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


class Page:
    """A browser tab that records script errors, failed responses and off-site requests.

    ``errors``: uncaught exceptions and console errors (other than the browser's
    own "Failed to load resource" lines, which ``failed`` records with their URL).
    ``foreign``: requests that would have left the served origin (refused).
    ``requests``: the URL of every request the page made, in order (a worker's
    requests are not seen here; the site server's ``site_requests`` has them).
    """

    def __init__(self, browser, base_url: str, **context_options):
        self.base = urlsplit(base_url)
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("request", lambda r: self.requests.append(r.url))
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

    def model_requests(self) -> list[str]:
        """Requests for the exported model (``assets/model/``: the explainer's weights)."""
        return [url for url in self.requests if "/assets/model/" in url]

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
    """``tab(base_url, **context_options)`` opens a tab; each checks it stayed on 127.0.0.1."""
    opened: list[Page] = []

    def open_tab(base_url: str, **context_options) -> Page:
        page = Page(chromium, base_url, **context_options)
        opened.append(page)
        return page

    yield open_tab
    for page in opened:
        page.close()
    for page in opened:
        assert not page.foreign, f"requests left 127.0.0.1: {page.foreign}"


# --- page helpers --------------------------------------------------------------


def set_palette(page, scheme: str) -> None:
    """Switch Material's palette to ``scheme`` ("default" light or "slate" dark) as the
    reader's toggle does, and remember it (localStorage ``__palette``) for later pages."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    page.evaluate("""(scheme) => {
        const inputs = [...document.querySelectorAll('input[name="__palette"]')];
        const input = inputs.find(i => i.getAttribute('data-md-color-scheme') === scheme);
        if (input && !input.checked) {
            input.click();               // Material's own handler stores the choice
        }
        document.body.setAttribute('data-md-color-scheme', scheme);
    }""", scheme)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme


def axe_violations(page, context=None) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on ``page`` (optionally only under ``context``,
    a CSS selector), as ``[{"id", "impact", "nodes": [target, ...]}]``."""
    from axe_playwright_python.base import AXE_SCRIPT  # pinned test dependency

    # Let scripts that react to layout (site.js, Material) finish: fonts, then two frames.
    page.evaluate("""() => document.fonts.ready.then(() => new Promise(done =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))))""")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate("""([context, tags]) => axe.run(context || document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
                           [context, WCAG_TAGS])
    return [{"id": v["id"], "impact": v["impact"],
             "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]]}
            for v in result["violations"]]


def describe_violations(violations: list[dict], limit: int = 5) -> str:
    """One line per rule: id, impact, count and the first few elements."""
    return "\n".join(f"{v['id']} ({v['impact']}): {len(v['nodes'])} element(s), e.g. "
                     f"{v['nodes'][:limit]}" for v in violations)


# --- markers -------------------------------------------------------------------

SITE_FIXTURES = {"built_site", "site_build", "site_dir", "site_url"}


def mark_items(items) -> None:
    """Mark each test by what it needs: ``browser`` (Chromium) and ``site`` (the built site)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "chromium" in names:
            item.add_marker(pytest.mark.browser)
        if names & SITE_FIXTURES:
            item.add_marker(pytest.mark.site)
