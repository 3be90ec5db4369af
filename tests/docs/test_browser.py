"""The built site in headless Chromium (the fixtures of tests/browser.py).

For every page in both languages, served under a project sub-path:
``<html lang>``, no request to another origin, no console error, every image
loaded, and the language switch leading to the same page in the other
language (and section). Search finds a Korean and an English term. At phone
widths: figures use the column, widget controls do not overlap, the layer
calculator's answers are on the screen. The 404 page in each language, and
the copy text of code blocks with ">>>" prompts. Skipped (with the reason)
when Chromium is missing, except on CI.
"""

from __future__ import annotations

import doctest
import re
from urllib.parse import urlparse

import pytest
from browser import LANGS, ROOT, SLUGS, SUBPATH, page_path, serve


@pytest.fixture(scope="session")
def site_subpath_url(site_dir):
    """The built site served under a project sub-path (``SUBPATH``), as a project's Pages
    site is: a link or file that assumes the host's root breaks there."""
    with serve(site_dir, prefix=SUBPATH) as base_url:
        yield base_url


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_page_in_the_browser(tab, site_subpath_url, slug, lang):
    """Each page, served under a project sub-path as on a project's Pages site: nothing
    it loads or links to assumes the host's root."""
    site_url = site_subpath_url
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
    assert urlparse(links[0]).path == SUBPATH.rstrip("/") + page_path(slug, other)
    page.goto(links[0], wait_until="load")
    assert page.evaluate("document.documentElement.lang") == other
    assert urlparse(page.url).path == SUBPATH.rstrip("/") + page_path(slug, other)
    assert visit.foreign == [], f"requests outside the site: {visit.foreign}"
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)


def switch_language(page, lang):
    """Follow the header's language switch to ``lang`` as a reader does (hover, click)."""
    page.hover(".md-header .md-select")
    link = page.locator(f'.md-header a.md-select__link[hreflang="{lang}"]')
    with page.expect_navigation(wait_until="load"):
        link.click()


# A chapter and a section of it that both languages share (its id).
SECTION_PAGE, SECTION = "padding-stride", "padding"


@pytest.mark.parametrize(("lang", "other"), [("ko", "en"), ("en", "ko")])
def test_language_switch_keeps_the_section_in_the_address(tab, site_subpath_url, lang, other):
    visit = tab(site_subpath_url, viewport={"width": 1280, "height": 800})
    page = visit.page
    page.goto(f"{site_subpath_url.rstrip('/')}{page_path(SECTION_PAGE, lang)}#{SECTION}",
              wait_until="load")
    switch_language(page, other)
    assert urlparse(page.url).path == SUBPATH.rstrip("/") + page_path(SECTION_PAGE, other)
    assert urlparse(page.url).fragment == SECTION
    # The browser scrolled there: the section's heading is at the top of the window.
    top = page.evaluate(f"document.getElementById('{SECTION}').getBoundingClientRect().top")
    assert 0 <= top < 200, top
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)


def test_language_switch_keeps_the_section_scrolled_to(tab, site_subpath_url):
    """With no #fragment in the address, the section is the last heading scrolled past."""
    visit = tab(site_subpath_url, viewport={"width": 1280, "height": 800})
    page = visit.page
    page.goto(site_subpath_url.rstrip("/") + page_path(SECTION_PAGE, "ko"), wait_until="load")
    # The heading just above the window's top edge (below the sticky header).
    page.evaluate(f"""() => {{ const h = document.getElementById('{SECTION}');
        window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 20); }}""")
    page.wait_for_timeout(100)
    switch_language(page, "en")
    assert urlparse(page.url).path == SUBPATH.rstrip("/") + page_path(SECTION_PAGE, "en")
    assert urlparse(page.url).fragment == SECTION
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_language_switch_is_relative(site_dir, lang):
    """The home pages' switch links are relative (i18n gave "/" and "/en/")."""
    html = (site_dir / ("index.html" if lang == "ko" else "en/index.html")).read_text("utf-8")
    links = re.findall(r'<a href="([^"]*)" hreflang="(ko|en)" class="md-select__link"', html)
    assert sorted(code for _, code in links) == ["en", "ko"], links
    assert all(not href.startswith("/") for href, _ in links), links


@pytest.mark.parametrize(("address", "lang"), [("no-such-page/", "ko"),
                                               ("en/no-such-page/", "en")])
def test_not_found_page_in_each_language(tab, site_dir, site_subpath_url, address, lang):
    """404.html (Korean) and en/404.html (English) both exist; a host that serves the
    nearest one answers a missing address with a page in its language."""
    assert (site_dir / "404.html").is_file() and (site_dir / "en" / "404.html").is_file()
    visit = tab(site_subpath_url)
    page = visit.page
    response = page.goto(site_subpath_url + address, wait_until="load")
    assert response.status == 404
    assert page.evaluate("document.documentElement.lang") == lang
    heading = page.locator("article h1").inner_text()
    assert heading.startswith("404"), heading
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


# --- phones: figures, widget inputs, the layer calculator -------------------------

PHONES = (360, 390)
# The chapters' widgets: those of the playground, on the chapters that place them.
WIDGET_SLUGS = sorted({p.stem for p in (ROOT / "docs" / "en").glob("*.md")
                       if 'class="cnn-playground"' in p.read_text(encoding="utf-8")})
# Margins a figure may leave inside the article's column (each side, CSS px).
FIGURE_MARGIN = 8

FIGURE_WIDTHS = """() => {
    const column = document.querySelector('.md-content__inner').getBoundingClientRect().width;
    return [...document.querySelectorAll('.jupyter-wrapper .jp-OutputArea-output img')]
        .map(img => ({src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
                      natural: img.naturalWidth, column: column,
                      link: img.closest('a') ? img.closest('a').href : null,
                      file: img.currentSrc || img.src, boxes: boxes(img)}));
    // What takes the room (for the failure message): each box from the figure up
    // to the column, with its width and the padding, margin and border it adds.
    function boxes(img) {
        const chain = [];
        for (let el = img; el && !el.matches('.md-content__inner'); el = el.parentElement) {
            const style = getComputedStyle(el);
            const side = name => parseFloat(style[name + 'Left']) + parseFloat(style[name + 'Right']);
            chain.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ` +
                       `${el.getBoundingClientRect().width.toFixed(0)} px (padding ` +
                       `${side('padding')}, margin ${side('margin')}, display ${style.display})`);
        }
        return chain;
    }
}"""


def figure_slugs(site_dir, lang) -> list[str]:
    """The pages whose built HTML holds an output image: the only ones on which
    FIGURE_WIDTHS can find a figure (cells' outputs are static HTML)."""
    found = []
    for slug in SLUGS:
        html = (site_dir / page_path(slug, lang).strip("/") / "index.html").read_text(
            encoding="utf-8")
        if "jp-OutputArea-output" in html and "<img" in html:
            found.append(slug)
    return found


def load_all_figures(page):
    """Ask for every lazily loaded figure and wait until each has its size."""
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_uses_the_column_on_a_phone(tab, site_dir, site_url, lang, width):
    """At phone widths no prompt column squeezes a figure: each is drawn at least as wide
    as the article's column less a margin each side (or its natural width when smaller),
    and taps through to its file at full size. (Pages without an output image are not
    loaded: nothing there to measure; the accessibility checks load every page.)"""
    visit = tab(site_url, viewport={"width": width, "height": 780}, is_mobile=True,
                has_touch=True)
    page = visit.page
    narrow, seen = [], 0
    slugs = figure_slugs(site_dir, lang)
    assert {"convolution", "convnet-mnist", "draw-a-digit"} <= set(slugs), slugs
    for slug in slugs:
        page.goto(site_url.rstrip("/") + page_path(slug, lang), wait_until="load")
        load_all_figures(page)
        for figure in page.evaluate(FIGURE_WIDTHS):
            seen += 1
            wanted = min(figure["natural"], figure["column"] - 2 * FIGURE_MARGIN)
            if figure["width"] < wanted - 0.5:
                narrow.append(f"{slug}: {figure['src']} {figure['width']:.0f} px "
                              f"(natural {figure['natural']}, column {figure['column']:.0f}); "
                              "inside: " + " < ".join(figure["boxes"]))
            assert figure["link"] == figure["file"], f"{slug}: {figure['src']} is no link to its file"
    assert seen > 0, "no figure on any chapter (the notebook template?)"
    assert narrow == [], f"figures narrower than the column at {width} px:\n" + "\n".join(narrow)
    assert visit.errors == [] and visit.failed == [], (visit.errors, visit.failed)


CONTROL_BOXES = """(root) => [...document.querySelectorAll(root + ' input, ' + root + ' select, '
                                   + root + ' button')]
    .filter(c => c.offsetWidth > 0 && c.offsetHeight > 0)
    .map(c => { const r = c.getBoundingClientRect();
        return {role: c.dataset.role || c.tagName.toLowerCase(), left: r.left, right: r.right,
                top: r.top, bottom: r.bottom}; })"""

# A kernel cell's value, measured in the cell's own font, and the room inside the cell.
CELL_ROOM = """(root) => [...document.querySelectorAll(root + ' .cnn-pg-kernel-cells input')]
    .map(input => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.font;
        const room = input.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return {role: input.dataset.role, value: input.value,
                text: context.measureText(input.value).width, room: room};
    })"""


def overlaps(a, b, slack=0.5):
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack)


@pytest.mark.parametrize("width", (*PHONES, 1280))
@pytest.mark.parametrize("slug", WIDGET_SLUGS)
def test_no_widget_control_overlaps_another(tab, site_url, slug, width):
    """No input, select or button of a widget covers another; each kernel cell shows its
    whole value ("-1", not "-"), and its neighbours leave room for the focus ring."""
    phone = width < 500
    visit = tab(site_url, viewport={"width": width, "height": 800}, is_mobile=phone,
                has_touch=phone)
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path(slug, "ko"), wait_until="load")
    widgets = page.locator(".cnn-playground")
    for index in range(widgets.count()):
        widgets.nth(index).scroll_into_view_if_needed()
        page.wait_for_function("(i) => document.querySelectorAll('.cnn-playground')[i]"
                               ".getAttribute('data-ready') === 'true'", arg=index)
        root = f'.cnn-playground[data-widget="{widgets.nth(index).get_attribute("data-widget")}"]'
        boxes = page.evaluate(CONTROL_BOXES, root)
        assert boxes, f"{root}: no controls"
        hits = [(a["role"], b["role"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if overlaps(a, b)]
        assert hits == [], f"{slug} at {width} px: controls overlap: {hits[:6]}"
        for cell in page.evaluate(CELL_ROOM, root):
            assert cell["text"] <= cell["room"], f"{slug} at {width} px: {cell} is cut"
        cells = [b for b in boxes if b["role"].startswith("cell-")]
        # 2 px outline + 2 px offset on each side of the focused cell.
        for i, a in enumerate(cells):
            for b in cells[i + 1:]:
                gap = max(b["left"] - a["right"], a["left"] - b["right"],
                          b["top"] - a["bottom"], a["top"] - b["bottom"])
                assert gap >= 4 - 0.5, f"{slug} at {width} px: {a['role']}, {b['role']} {gap:.1f} px"
    assert visit.errors == [], visit.errors


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("lang", LANGS)
def test_layer_calculator_answers_are_on_a_phone_screen(tab, site_url, lang, width):
    """Each layer's output shape and parameter count lie inside the viewport, with no
    sideways swipe (nothing scrolled, the page not wider than the screen)."""
    visit = tab(site_url, viewport={"width": width, "height": 800}, is_mobile=True,
                has_touch=True)
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path("fully-connected", lang), wait_until="load")
    root = '.cnn-playground[data-widget="stack"]'
    page.locator(root).first.scroll_into_view_if_needed()
    page.wait_for_selector(f'{root}[data-ready="true"]')
    cells = page.evaluate(f"""() => [...document.querySelectorAll(
        '{root} td[data-role="shape"], {root} td[data-role="params"]')].map(c => {{
            const r = c.getBoundingClientRect();
            return {{role: c.dataset.role, text: c.textContent, left: r.left, right: r.right,
                     width: r.width}}; }})""")
    assert len(cells) >= 16, cells  # the lecture's 8 layers, twice per widget
    outside = [c for c in cells if c["left"] < 0 or c["right"] > width or c["width"] == 0]
    assert outside == [], f"answers off the {width}-px screen: {outside[:4]}"
    assert page.evaluate("document.documentElement.scrollWidth") == width
    assert visit.errors == [], visit.errors


# --- copying code blocks with ">>>" prompts ---------------------------------------

DOCTEST_SLUGS = sorted(p.stem for p in (ROOT / "docs" / "en").glob("*.md")
                       if "\n    >>> " in p.read_text(encoding="utf-8")
                       or "\n>>> " in p.read_text(encoding="utf-8"))

PROMPT_BLOCKS = """() => [...document.querySelectorAll('.md-typeset pre > code')]
    .filter(code => /^\\s*>>>( |$)/.test(code.textContent))
    .map(code => ({text: code.textContent, copy: code.parentElement.getAttribute('data-copy')}))"""


def doctest_source(text: str) -> str:
    """The code doctest runs from ``text`` (prompts stripped, outputs left out)."""
    examples = doctest.DocTestParser().get_examples(text.strip("\n"))
    return "".join(example.source for example in examples).rstrip("\n")


@pytest.mark.parametrize("lang", LANGS)
def test_copy_text_of_blocks_with_prompts_is_the_code_doctest_runs(tab, site_url, lang):
    """Every code block that shows ">>>" prompts copies exactly the code doctest runs
    from it (what the chapter's execution checks, docs_hooks/notebooks/solutions.py),
    which compiles."""
    visit = tab(site_url)
    page = visit.page
    seen = 0
    for slug in DOCTEST_SLUGS:
        page.goto(site_url.rstrip("/") + page_path(slug, lang), wait_until="load")
        for block in page.evaluate(PROMPT_BLOCKS):
            seen += 1
            assert block["copy"] == doctest_source(block["text"]), (slug, block["text"][:80])
            assert ">>>" not in block["copy"]
            compile(block["copy"], f"<copied from {slug}>", "exec")
    assert seen >= len(DOCTEST_SLUGS), (seen, DOCTEST_SLUGS)
    assert visit.errors == [], visit.errors


def test_copy_button_puts_runnable_code_on_the_clipboard(tab, site_url):
    """The copy button of a solution with prompts, in Chromium with the clipboard."""
    visit = tab(site_url, permissions=["clipboard-read", "clipboard-write"],
                viewport={"width": 1280, "height": 800})
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path("convolution", "en"), wait_until="load")
    block = page.locator(".md-typeset details pre:has(> code)").filter(has_text=">>>").first
    block.evaluate("pre => pre.closest('details').open = true")
    block.hover()
    block.locator("xpath=..").locator("[data-clipboard-target]").first.click()
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = block.locator("code").text_content()
    assert copied == doctest_source(shown)
    assert ">>>" not in copied and copied.count("\n") >= 1
    compile(copied, "<clipboard>", "exec")
    assert visit.errors == [], visit.errors
