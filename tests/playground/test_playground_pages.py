"""The widgets on the built chapter pages, in both languages.

Uses the ``built_site`` fixture of ``tests/conftest.py`` (the site built once
per test session), served on 127.0.0.1. Checks that each chapter carries its
widget, that the widget starts, answers its controls and speaks the page's
language, that nothing is requested off-site, that the sample photo and the
lecture's network are beside every copy of the scripts, and that without
scripts the placeholder takes no room while the chapter's static figure stays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CHAPTERS = {
    "kernel": "convolution/",
    "stepper": "padding-stride/",
    "stack": "fully-connected/",
}
LANGS = {"ko": "", "en": "en/"}
WORDS = {  # a label of each widget, per language
    "kernel": {"ko": "스트라이드", "en": "Stride"},
    "stepper": {"ko": "다음", "en": "Next"},
    "stack": {"ko": "파라미터 수", "en": "Parameters"},
}


def open_chapter(tab, site_url, widget, lang):
    opened = tab(site_url)
    page = opened.page
    page.goto(f"{site_url}{LANGS[lang]}{CHAPTERS[widget]}")
    root = f'.cnn-playground[data-widget="{widget}"]'
    page.locator(root).scroll_into_view_if_needed()  # the kernel widget loads its photo then
    page.wait_for_selector(f'{root}[data-ready="true"]')
    return opened, page, root


@pytest.mark.parametrize("lang", sorted(LANGS))
@pytest.mark.parametrize("widget", sorted(CHAPTERS))
def test_chapter_widget_starts_in_the_pages_language(tab, site_url, widget, lang):
    opened, page, root = open_chapter(tab, site_url, widget, lang)
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator(root).count() == 1
    shown = page.locator(root).inner_text()
    assert WORDS[widget][lang] in shown
    other = "en" if lang == "ko" else "ko"
    assert WORDS[widget][other] not in shown
    assert opened.errors == [] and opened.playground_failures() == []


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_kernel_widget_on_the_chapter_responds(tab, site_url, lang):
    opened, page, root = open_chapter(tab, site_url, "kernel", lang)
    snapshot = f"""() => {{
        const c = document.querySelector('{root} canvas[data-role="output"]');
        return c.toDataURL();
    }}"""
    size = page.locator(f'{root} [data-role="size"]')
    before_image, before_size = page.evaluate(snapshot), size.inner_text()
    page.select_option(f'{root} select[data-role="kernel"]', "edge")
    assert page.evaluate(snapshot) != before_image
    page.select_option(f'{root} select[data-role="stride"]', "3")
    assert size.inner_text() != before_size
    assert page.locator(root).get_attribute("data-output-size") == "86x86"  # ⌈256 / 3⌉
    assert opened.errors == [] and opened.playground_failures() == []


def test_stepper_on_the_chapter_starts_with_the_slides_example(tab, site_url):
    opened, page, root = open_chapter(tab, site_url, "stepper", "en")
    # Width 13, filter 6, stride 5, SAME: 3 outputs, padding 1 before and 2 after.
    assert page.locator(root).get_attribute("data-output-size") == "3x3"
    pads = page.locator(f'{root} [data-role="input-grid"] .cnn-pg-pad').count()
    assert pads == 16 * 16 - 13 * 13
    first = page.locator(f'{root} [data-role="input-grid"] .cnn-pg-cell').first
    assert first.get_attribute("data-r") == "-1" and first.get_attribute("data-c") == "-1"
    page.locator(f'{root} [data-role="input-grid"]').focus()
    page.keyboard.press("ArrowRight")
    assert page.locator(root).get_attribute("data-step") == "1"
    assert opened.errors == [] and opened.playground_failures() == []


def test_stack_on_the_chapter_counts_the_lecture_network(tab, site_url):
    opened, page, root = open_chapter(tab, site_url, "stack", "ko")
    assert page.locator(root).get_attribute("data-total") == "3274634"
    page.locator(f'{root} tbody tr').nth(5).locator('input[data-role="units"]').fill("512")
    assert page.locator(root).get_attribute("data-total") == str(
        832 + 51264 + 3136 * 512 + 512 + 512 * 10 + 10)
    assert opened.errors == [] and opened.playground_failures() == []


def test_sample_photo_and_network_beside_every_script(site_dir, hook):
    scripts = sorted(site_dir.glob("**/assets/playground/playground.js"))
    assert scripts, "the site has no assets/playground/playground.js (extra_javascript?)"
    for script in scripts:
        levels = hook.decode_png((script.parent / hook.SAMPLE_FILE).read_bytes())
        assert levels.shape == (hook.SAMPLE_SIZE, hook.SAMPLE_SIZE)
        network = json.loads((script.parent / hook.NETWORK_FILE).read_text(encoding="utf-8"))
        assert network == hook.network_layers()
    assert not list(site_dir.glob("**/sample-photo.json")), "the float32 JSON is still shipped"


@pytest.mark.parametrize("widget", sorted(CHAPTERS))
def test_without_scripts_only_the_static_figure_shows(chromium, site_url, widget):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site_url}en/{CHAPTERS[widget]}")
        placeholder = page.locator(f'.cnn-playground[data-widget="{widget}"]')
        assert placeholder.count() == 1
        assert placeholder.bounding_box() is None  # display: none, takes no room
        # The chapter's own output (figure or printed table) is there without scripts.
        outputs = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output pre")
        assert outputs.count() > 0
    finally:
        context.close()


def _contrast(page, root):
    return page.evaluate(f"""() => {{
        const el = document.querySelector('{root}');
        const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => {{
            const f = (v) => {{ v /= 255; return v <= 0.03928 ? v / 12.92
                                                   : Math.pow((v + 0.055) / 1.055, 2.4); }};
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        }};
        const style = getComputedStyle(el);
        const a = lum(rgb(style.color));
        const b = lum(rgb(style.backgroundColor));
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }}""")


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_readable_in_light_and_dark_palettes(tab, site_url, scheme):
    opened, page, root = open_chapter(tab, site_url, "stack", "en")
    page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
    assert _contrast(page, root) >= 4.5


def test_the_sample_photo_loads_only_near_the_kernel_widget(tab, site_url):
    """The photo (the convolution page's largest file) waits until the reader scrolls there."""
    opened = tab(site_url)
    page = opened.page
    photo = []
    page.on("request", lambda request: request.url.endswith("sample-photo.png")
            and photo.append(request.url))
    page.goto(f"{site_url}en/convolution/", wait_until="networkidle")
    assert photo == []
    root = '.cnn-playground[data-widget="kernel"]'
    page.locator(root).scroll_into_view_if_needed()
    page.wait_for_selector(f'{root}[data-ready="true"]')
    assert len(photo) == 1
