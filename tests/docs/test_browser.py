"""The built site in headless Chromium (the fixtures of tests/browser.py).

For every page in both languages: ``<html lang>``, no request to another
origin, no console error, every image loaded, and the language switch leading
to the same page in the other language. Search finds a Korean and an English
term. Skipped (with the reason) when Chromium is missing, except on CI.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from browser import LANGS, SLUGS, page_path


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_page_in_the_browser(tab, site_url, slug, lang):
    visit = tab(site_url)
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path(slug, lang), wait_until="load")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == lang
    # Figures load lazily (loading="lazy"): ask for all of them, then check each.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")
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
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)


@pytest.mark.parametrize(("lang", "query"), [("ko", "합성곱"), ("ko", "패딩"), ("en", "convolution"),
                                             ("en", "pooling")])
def test_search_returns_results(tab, site_url, lang, query):
    visit = tab(site_url)
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path("index", lang), wait_until="networkidle")
    page.set_viewport_size({"width": 1400, "height": 900})  # search box in the header
    page.click("input.md-search__input")
    page.fill("input.md-search__input", query)
    # Material searches on key events; inserted Hangul text fires none, as
    # an IME's final keystroke would.
    page.press("input.md-search__input", "End")
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    count = page.locator(".md-search-result__item").count()
    assert count > 0, f"no search result for {query!r}"
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)
