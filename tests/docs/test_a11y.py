"""Accessibility of the built site: WCAG 2.1 AA as axe-core checks it, and phones.

* axe-core (pinned through the ``axe-playwright-python`` test dependency, never
  shipped on the site), rules tagged ``wcag2a`` and ``wcag2aa``, finds nothing
  on any page in either language, in the light and the dark palette (each page
  is loaded once and checked in both, switched as the reader's toggle does);
* at 360 and 390 CSS pixels wide no page scrolls sideways, and every box that
  does scroll sideways can be reached from the keyboard and has a name;
* the Tab key reaches a sideways-scrolling code cell, and it shows a focus ring.

Uses the fixtures of tests/browser.py (``CNN_TUTORIAL_SITE_DIR`` reuses a site
built beforehand).
"""

from __future__ import annotations

import pytest
from browser import LANGS, SCHEMES, SLUGS, axe_violations, describe_violations, page_path, \
    set_palette

PHONES = (360, 390)


def open_page(tab, site_url, slug, lang, **context_options):
    visit = tab(site_url, **context_options)
    visit.page.goto(site_url.rstrip("/") + page_path(slug, lang), wait_until="networkidle")
    return visit, visit.page


def palette_violations(page) -> dict[str, list[dict]]:
    """axe's violations on the loaded ``page`` in each palette, switched as the reader's
    toggle does (one page load serves both checks)."""
    found = {}
    for scheme in SCHEMES:
        set_palette(page, scheme)
        found[scheme] = axe_violations(page)
    return found


def describe_palettes(found: dict[str, list[dict]]) -> str:
    return "; ".join(f"{scheme}: {describe_violations(violations)}"
                     for scheme, violations in found.items() if violations)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_no_wcag_violation(tab, site_url, slug, lang):
    visit, page = open_page(tab, site_url, slug, lang)
    found = palette_violations(page)
    assert found == {scheme: [] for scheme in SCHEMES}, describe_palettes(found)
    assert visit.errors == [], visit.errors


def test_each_palette_is_checked_on_its_own(tab, site_url):
    """A contrast fault in one palette only is reported for that palette: the switch
    between the two checks on one page really restyles it."""
    visit, page = open_page(tab, site_url, "index", "en")
    page.add_style_tag(content='[data-md-color-scheme="slate"] .md-content p '
                               '{ color: #2b2b2b !important; }')
    found = palette_violations(page)
    assert found["default"] == []
    assert [v["id"] for v in found["slate"]] == ["color-contrast"], describe_palettes(found)
    assert visit.errors == [], visit.errors


def test_palette_choice_is_remembered(tab, site_url):
    """set_palette really switches Material's palette (so the test above sees both)."""
    visit, page = open_page(tab, site_url, "index", "en")
    set_palette(page, "slate")
    page.goto(site_url.rstrip("/") + page_path("pooling", "en"), wait_until="networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"


SCROLL_BOXES = """() => {
    const boxes = [];
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (!['auto', 'scroll'].includes(style.overflowX)) continue;
        if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
        const focusable = el.tabIndex >= 0 || el.querySelector(
            'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])');
        const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
            || el.matches('pre > code, .md-typeset__scrollwrap, .md-sidebar__scrollwrap, ' +
                          '.md-search__scrollwrap');
        boxes.push({cls: el.className.toString().slice(0, 60), focusable: !!focusable,
                    named: !!named});
    }
    return boxes;
}"""


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_phone_width_never_scrolls_the_page(tab, site_url, slug, lang, width):
    visit, page = open_page(tab, site_url, slug, lang,
                            viewport={"width": width, "height": 780}, has_touch=True,
                            is_mobile=True)
    # site.js rechecks boxes after load: fonts, then two frames.
    page.evaluate("""() => document.fonts.ready.then(() => new Promise(done =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))))""")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width == width, f"the page is {scroll_width} px wide at {width} px"
    for box in page.evaluate(SCROLL_BOXES):
        assert box["focusable"], f"a box scrolls sideways but the keyboard cannot reach it: {box}"
    widgets = page.evaluate("""() => [...document.querySelectorAll('.cnn-playground')]
        .map(w => [w.dataset.widget, Math.round(w.getBoundingClientRect().right)])""")
    for widget, right in widgets:
        assert right <= width, f"the {widget} widget ends at {right} px on a {width}-px screen"


def test_tab_reaches_a_scrolling_code_cell_with_a_focus_ring(tab, site_url):
    visit, page = open_page(tab, site_url, "convnet-mnist", "en",
                            viewport={"width": 390, "height": 780})
    boxes = page.locator(".jupyter-wrapper [data-cnn-scroll]")
    assert boxes.count() > 0, "no code cell scrolls sideways at 390 px (site.js?)"
    first = boxes.first
    assert first.get_attribute("tabindex") == "0"
    assert first.get_attribute("role") == "region"
    assert first.get_attribute("aria-label") == "Code cell, scrolls sideways"
    # mkdocs-jupyter's unnamed tab stop on every cell is gone.
    assert page.locator(".jupyter-wrapper .jp-Cell-inputWrapper[tabindex]").count() == 0
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-cnn-scroll')"):
            break
    else:
        pytest.fail("Tab never reached a scrolling code cell")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    before = page.evaluate("document.activeElement.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.scrollLeft") > before
