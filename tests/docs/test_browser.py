"""The built site in headless Chromium (Playwright driving Debian's /usr/bin/chromium).

For every page in both languages: ``<html lang>``, no request to another
origin, no console error, every image loaded, and the language switch leading
to the same page in the other language. Search finds a Korean and an English
term. Skipped (with the reason) when Chromium is missing, except on CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SLUGS = sorted(p.stem for p in (DOCS / "ko").glob("*.md"))

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium package",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package to run the "
                "browser tests)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def page_path(slug: str, lang: str) -> str:
    prefix = "/" if lang == "ko" else "/en/"
    return prefix if slug == "index" else f"{prefix}{slug}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        yield browser
        browser.close()


class Visit:
    """A browser page that records foreign requests and console errors."""

    def __init__(self, browser, base: str):
        self.base = base
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"HTTP {r.status}: {r.url}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("slug", SLUGS)
def test_page_in_the_browser(browser, server, slug, lang):
    visit = Visit(browser, server)
    try:
        page = visit.page
        page.goto(server + page_path(slug, lang), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == lang
        broken = page.evaluate("""() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0))
            .map(img => img.currentSrc || img.src).map(s => s.slice(0, 80))""")
        assert broken == [], f"images that did not load: {broken}"
        other = "en" if lang == "ko" else "ko"
        links = page.eval_on_selector_all(
            f'a.md-select__link[hreflang="{other}"]', "els => els.map(e => e.href)")
        assert links, "no language switch to the other language"
        assert urlparse(links[0]).path == page_path(slug, other)
        page.goto(links[0], wait_until="load")
        assert page.evaluate("document.documentElement.lang") == other
        assert urlparse(page.url).path == page_path(slug, other)
        assert visit.foreign == [], f"requests outside the site: {visit.foreign}"
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()


@pytest.mark.parametrize(("lang", "query"), [("ko", "합성곱"), ("ko", "패딩"), ("en", "convolution"),
                                             ("en", "pooling")])
def test_search_returns_results(browser, server, lang, query):
    visit = Visit(browser, server)
    try:
        page = visit.page
        page.goto(server + page_path("index", lang), wait_until="networkidle")
        page.set_viewport_size({"width": 1400, "height": 900})  # search box in the header
        page.click("input.md-search__input")
        page.fill("input.md-search__input", query)
        # Material searches on key events; inserted Hangul text fires none, as
        # an IME's final keystroke would.
        page.press("input.md-search__input", "End")
        page.wait_for_selector(".md-search-result__item", timeout=30_000)
        count = page.locator(".md-search-result__item").count()
        assert count > 0, f"no search result for {query!r}"
        assert visit.foreign == [] and visit.errors == []
    finally:
        visit.close()
