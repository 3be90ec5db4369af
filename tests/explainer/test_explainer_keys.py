"""The "Draw a digit" widget from the keyboard: Esc closes the feature-map detail.

Runs on the built site (the fixtures of tests/explainer/conftest.py).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("where", ["detail", "maps"])
def test_escape_closes_the_feature_map_detail_and_returns_focus(open_widget, where):
    """Esc, pressed inside the open detail or back on the maps, hides it; focus returns
    to the map button that opened it, which is no longer pressed."""
    tab = open_widget()
    page = tab.page
    opener = page.locator(".cnn-ex-map-button[data-layer=conv2]").nth(3)
    opener.focus()
    page.keyboard.press("Enter")
    detail = page.locator(".cnn-ex-detail")
    assert detail.is_visible()
    assert opener.get_attribute("aria-pressed") == "true"
    if where == "detail":
        page.locator('.cnn-ex-detail input[data-axis="0"]').focus()
    else:
        page.locator(".cnn-ex-map-button[data-layer=conv1]").first.focus()
    page.keyboard.press("Escape")
    assert detail.is_hidden()
    assert opener.get_attribute("aria-pressed") == "false"
    assert page.evaluate("""() => document.activeElement.matches(
        '.cnn-ex-map-button[data-layer=conv2][data-channel="3"]')""")
    # Esc with nothing open does nothing; Enter opens the detail again.
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    assert detail.is_visible()
    assert tab.errors == []
