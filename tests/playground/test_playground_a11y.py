"""The widgets for every reader: keyboard, screen readers, reduced motion, phones, axe-core.

Harness page (fast, no site build): the Tab key visits every control in
reading order and leaves each widget (no trap); each widget is a region named
by its title and announces its result in a polite live region; under
``prefers-reduced-motion`` the stepper offers no autoplay; at 360 and 390 px
the widgets fit and taps work. Built chapter pages (``site``): axe-core finds
no WCAG 2 A/AA violation in any widget, in the light and the dark palette,
before and after a few interactions.
"""

from __future__ import annotations

import pytest
from browser import SCHEMES, axe_violations, describe_violations, page_path, set_palette

WIDGETS = ("kernel", "stepper", "stack")
ROOT = '.cnn-playground[data-widget="{}"]'
CHAPTERS = {"kernel": "convolution", "stepper": "padding-stride", "stack": "fully-connected"}

FOCUSABLE_IN_ORDER = """() => [...document.querySelectorAll(
        'a[href], button, input, select, textarea, [tabindex]')]
    .filter(el => el.tabIndex >= 0 && !el.disabled && !el.hidden && el.offsetParent !== null)
    .map(el => el.id)"""
ACTIVE = """() => document.activeElement.id || document.activeElement.tagName"""


def open_harness(tab, harness, lang="en", **context_options):
    visit = tab(harness, **context_options)
    page = visit.page
    page.goto(f"{harness}harness-{lang}.html")
    for widget in WIDGETS:
        page.wait_for_selector(f'{ROOT.format(widget)}[data-ready="true"]')
    return visit, page


def test_tab_visits_every_control_in_reading_order_and_leaves(tab, harness):
    visit, page = open_harness(tab, harness)
    page.evaluate("""() => { for (const [i, el] of [...document.querySelectorAll(
        '.cnn-playground button, .cnn-playground input, .cnn-playground select, ' +
        '.cnn-playground [tabindex]')].entries()) if (!el.id) el.id = 'focus-' + i; }""")
    expected = page.evaluate(FOCUSABLE_IN_ORDER)
    assert expected[0] == "before" and expected[-1] == "after" and len(expected) > 30
    page.locator("#before").focus()
    visited = ["before"]
    while visited[-1] != "after" and len(visited) <= len(expected):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(ACTIVE))
    # Every control, once each, in document (reading) order, then out of the last widget.
    assert visited == expected
    # And backwards: Shift+Tab walks the same controls in reverse, out of the first widget.
    backwards = ["after"]
    while backwards[-1] != "before" and len(backwards) <= len(expected):
        page.keyboard.press("Shift+Tab")
        backwards.append(page.evaluate(ACTIVE))
    assert backwards == expected[::-1]
    assert visit.errors == []


def test_every_widget_operated_with_the_keyboard_alone(tab, harness):
    visit, page = open_harness(tab, harness)
    kernel, stepper, stack = (ROOT.format(w) for w in WIDGETS)
    # Kernel: the arrow keys change the focused select; the output size follows.
    page.locator(f'{kernel} select[data-role="stride"]').focus()
    page.keyboard.press("ArrowDown")
    assert page.locator(kernel).get_attribute("data-output-size") == "128x128"
    # Kernel cells: type a weight.
    page.locator(f'{kernel} input[data-role="cell-0-0"]').focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    assert page.locator(f'{kernel} select[data-role="kernel"]').input_value() == "custom"
    # Stepper: Enter and Space press buttons; the arrow keys move the window.
    page.locator(f'{stepper} button[data-role="next"]').focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert page.locator(stepper).get_attribute("data-step") == "2"
    page.locator(f'{stepper} [data-role="input-grid"]').focus()
    page.keyboard.press("End")
    last = int(page.locator(stepper).get_attribute("data-step"))
    page.keyboard.press("Home")
    assert last > 0 and page.locator(stepper).get_attribute("data-step") == "0"
    # Stack: add a layer with Enter; focus lands on the new row, whose type the keys change.
    rows = page.locator(f"{stack} tbody tr").count()
    page.locator(f'{stack} button[data-role="add"]').focus()
    page.keyboard.press("Enter")
    assert page.locator(f"{stack} tbody tr").count() == rows + 1
    assert page.evaluate("document.activeElement.dataset.role") == "type"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") != "conv"
    assert visit.errors == []


ANNOUNCERS = {  # what a widget announces after one change, per widget
    "kernel": ('select[data-role="stride"]', "select", "2"),
    "stepper": ('button[data-role="next"]', "click", None),
    "stack": ('button[data-role="add"]', "click", None),
}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("widget", WIDGETS)
def test_widget_is_named_and_announces_its_result(tab, harness, widget, lang):
    visit, page = open_harness(tab, harness, lang)
    root = ROOT.format(widget)
    title = page.locator(f"{root} .cnn-pg-title").inner_text().strip()
    assert title
    assert page.get_by_role("region", name=title).count() == 1
    live = page.locator(f'{root} [aria-live="polite"]')
    assert live.count() >= 1
    before = [live.nth(i).inner_text() for i in range(live.count())]
    selector, action, value = ANNOUNCERS[widget]
    if action == "select":
        page.select_option(f"{root} {selector}", value)
    else:
        page.click(f"{root} {selector}")
    after = [live.nth(i).inner_text() for i in range(live.count())]
    assert after != before and all(text.strip() for text in after)
    assert visit.errors == []


def test_reduced_motion_withdraws_the_stepper_autoplay(tab, harness):
    visit, page = open_harness(tab, harness, reduced_motion="reduce")
    stepper = ROOT.format("stepper")
    play = page.locator(f'{stepper} button[data-role="play"]')
    assert play.is_hidden()
    # The preference switched off and on again: autoplay runs, then stops at once.
    page.emulate_media(reduced_motion="no-preference")
    play.wait_for(state="visible")
    play.click()
    page.wait_for_function(f"document.querySelector('{stepper}').dataset.step !== '0'")
    page.emulate_media(reduced_motion="reduce")
    play.wait_for(state="hidden")
    assert play.get_attribute("aria-pressed") == "false"
    step = page.locator(stepper).get_attribute("data-step")
    page.wait_for_timeout(1600)  # two autoplay periods: nothing moves
    assert page.locator(stepper).get_attribute("data-step") == step
    assert visit.errors == []


@pytest.mark.parametrize("width", [360, 390])
def test_widgets_fit_a_phone_and_answer_taps(tab, harness, width):
    visit, page = open_harness(tab, harness, viewport={"width": width, "height": 800},
                               has_touch=True, is_mobile=True)
    stepper = ROOT.format("stepper")
    # The widest grid: 16 inputs, SAME, stride 1, kernel 3: 18 x 18 cells with padding.
    page.fill(f'{stepper} input[data-role="size"]', "16")
    page.fill(f'{stepper} input[data-role="stride"]', "1")
    page.select_option(f'{stepper} select[data-role="padding"]', "SAME")
    assert page.evaluate("document.documentElement.scrollWidth") == width
    for widget in WIDGETS:
        box = page.locator(ROOT.format(widget)).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (widget, box)
    # Each box that scrolls sideways inside a widget is named, focusable and hinted.
    boxes = page.evaluate("""() => [...document.querySelectorAll('.cnn-pg-scroll')].map(b => ({
        scrolls: b.scrollWidth > b.clientWidth + 1, tabindex: b.getAttribute('tabindex'),
        label: b.getAttribute('aria-label'),
        hint: getComputedStyle(b.nextElementSibling).display !== 'none'}))""")
    for box in boxes:
        if box["scrolls"]:
            assert box["tabindex"] == "0" and box["label"] and box["hint"], box
    grid = page.locator(f'{stepper} [data-role="input-grid"]').bounding_box()
    assert grid["x"] + grid["width"] <= width  # the cells shrank
    # Taps: Next, an output cell, and the stack's Add button.
    page.tap(f'{stepper} button[data-role="next"]')
    assert page.locator(stepper).get_attribute("data-step") == "1"
    page.tap(f'{stepper} [data-role="output-grid"] .cnn-pg-cell >> nth=5')
    assert page.locator(stepper).get_attribute("data-step") == "5"
    stack = ROOT.format("stack")
    rows = page.locator(f"{stack} tbody tr").count()
    page.tap(f'{stack} button[data-role="add"]')
    assert page.locator(f"{stack} tbody tr").count() == rows + 1
    assert visit.errors == []


def interact(page, widget):
    """A few changes that draw new states (error rows, custom kernels, moved windows)."""
    root = ROOT.format(widget)
    if widget == "kernel":
        page.select_option(f'{root} select[data-role="kernel"]', "edge")
        page.select_option(f'{root} select[data-role="stride"]', "3")
        page.fill(f'{root} input[data-role="cell-1-1"]', "")  # the "needs a number" message
    elif widget == "stepper":
        page.click(f'{root} button[data-role="next"]')
        page.fill(f'{root} input[data-role="size"]', "5")
        page.select_option(f'{root} select[data-role="padding"]', "VALID")
        page.fill(f'{root} input[data-role="kernel"]', "7")  # no output
        page.fill(f'{root} input[data-role="kernel"]', "3")
        page.fill(f'{root} input[data-role="stride"]', "1")
        page.click(f'{root} button[data-role="next"]')
    else:
        page.click(f'{root} button[data-role="add"]')
        page.locator(f"{root} tbody tr").nth(0).locator('button[data-role="down"]').click()
        page.locator(f"{root} tbody tr").nth(5).locator(
            'input[data-role="units"]').fill("0")  # an error row


def test_axe_on_the_harness_widgets_after_interaction(tab, harness):
    visit, page = open_harness(tab, harness)
    violations = axe_violations(page, ".cnn-playground")
    assert violations == [], describe_violations(violations)
    for widget in WIDGETS:
        interact(page, widget)
    violations = axe_violations(page, ".cnn-playground")
    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("widget", WIDGETS)
def test_axe_on_the_chapter_widgets(tab, site_url, widget, lang, scheme):
    visit = tab(site_url)
    page = visit.page
    page.goto(site_url.rstrip("/") + page_path(CHAPTERS[widget], lang))
    root = ROOT.format(widget)
    page.locator(root).scroll_into_view_if_needed()  # the kernel widget loads its photo then
    page.wait_for_selector(f'{root}[data-ready="true"]')
    set_palette(page, scheme)
    violations = axe_violations(page, root)
    assert violations == [], "initial state:\n" + describe_violations(violations)
    interact(page, widget)
    violations = axe_violations(page, root)
    assert violations == [], "after interaction:\n" + describe_violations(violations)
    assert visit.errors == []
