"""The trainer widget on the built chapter pages (both languages): lazy loading, the
controls, announcements, drawing, the phone layout, axe; and the build hook."""

from __future__ import annotations

import pytest
from browser import axe_violations, describe_violations, set_palette

from cnn_tutorial.browser_training import SUBSET_FILE, read_subset

WIDGET = ".cnn-trainer"


def trainer_requests(requests):
    return [url for url in requests if "/assets/trainer/" in url]


def open_chapter(tab, site_url, lang="en", **context_options):
    opened = tab(site_url, **context_options)  # records every request (tests/browser.py)
    path = "en/train-in-browser/" if lang == "en" else "train-in-browser/"
    opened.page.goto(site_url + path)
    return opened


def reach_widget(opened):
    opened.page.locator(WIDGET).scroll_into_view_if_needed()
    opened.page.wait_for_selector(f"{WIDGET}[data-ready=true]", timeout=120_000)


def test_hook_writes_the_subset_beside_each_script(site_dir):
    import docs_hooks.trainer as hook

    copies = sorted(site_dir.glob("**/assets/trainer/" + SUBSET_FILE))
    assert copies  # beside each built copy of trainer.js
    x_train, y_train, x_val, y_val = read_subset(copies[0])
    assert (len(y_train), len(y_val)) == (hook.N_TRAIN, hook.N_VAL)
    assert len({p.read_bytes() for p in copies}) == 1


def test_data_waits_for_the_reader(tab, site_url):
    opened = open_chapter(tab, site_url)
    opened.page.wait_for_load_state("networkidle")
    assert not [u for u in trainer_requests(opened.requests)
                if u.endswith((SUBSET_FILE, "worker.js", "trainer.css"))]
    reach_widget(opened)
    assert any(u.endswith(SUBSET_FILE) for u in opened.requests)
    assert not opened.errors and not opened.failed


def test_other_pages_load_nothing_of_it(tab, site_url):
    opened = tab(site_url)
    requests = []
    opened.page.on("request", lambda r: requests.append(r.url))
    opened.page.goto(site_url + "en/pooling/")
    opened.page.wait_for_load_state("networkidle")
    assert not trainer_requests(requests)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_train_pause_reset_and_draw(tab, site_url, lang):
    opened = open_chapter(tab, site_url, lang)
    reach_widget(opened)
    page = opened.page
    root = page.locator(WIDGET)
    status = root.locator(".cnn-tr-live[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    start, pause = root.locator("button").nth(0), root.locator("button").nth(1)
    if lang == "ko":
        assert start.inner_text() == "시작" and pause.inner_text() == "일시 정지"
    # Keyboard: focus Start, press Enter.
    start.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"Number(document.querySelector('{WIDGET}').dataset.step) >= 100",
                           timeout=120_000)
    page.keyboard.press("Tab") if page.evaluate("document.activeElement.disabled") else None
    pause.click()
    page.wait_for_function(f"document.querySelector('{WIDGET}').dataset.running === 'false'")
    step = int(root.get_attribute("data-step"))
    assert step >= 100
    text = status.inner_text()
    assert (str(step) in text) and ("%" in text)
    page.wait_for_timeout(300)
    assert int(root.get_attribute("data-step")) == step  # paused means paused
    seed = root.get_attribute("data-seed")
    root.locator("button").nth(2).click()  # reset
    page.wait_for_function(f"document.querySelector('{WIDGET}').dataset.step === '0'")
    assert root.get_attribute("data-seed") != seed
    # A validation digit on the pad, read by the network.
    root.locator(".cnn-tr-draw button").nth(1).click()
    page.wait_for_function(f"document.querySelector('{WIDGET}').dataset.prediction !== undefined")
    assert not opened.errors and not opened.failed


def test_initialiser_and_settings_reach_the_worker(tab, site_url):
    opened = open_chapter(tab, site_url)
    reach_widget(opened)
    page = opened.page
    root = page.locator(WIDGET)
    root.locator("select[name=init]").select_option("lecture")
    page.wait_for_function(f"document.querySelector('{WIDGET}').dataset.step === '0'")
    root.locator("select[name=batch]").select_option("8")
    root.locator("select[name=lr]").select_option("0.01")
    root.locator("select[name=dropout]").select_option("0.5")
    root.locator("button").nth(0).click()
    page.wait_for_function(f"Number(document.querySelector('{WIDGET}').dataset.step) >= 20",
                           timeout=120_000)
    root.locator("button").nth(1).click()
    stats = root.locator(".cnn-tr-stats").inner_text()
    # The lecture's initialiser: the first losses are in the hundreds or more.
    loss = float(stats.split("loss ")[1].split(" ")[0])
    assert loss > 5, stats
    assert not opened.errors


@pytest.mark.parametrize("scheme", ["default", "slate"])
@pytest.mark.parametrize("width", [360, 1280])
def test_layout_and_axe(tab, site_url, scheme, width, tmp_path_factory):
    opened = open_chapter(tab, site_url, "ko", viewport={"width": width, "height": 900})
    set_palette(opened.page, scheme)
    reach_widget(opened)
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page, WIDGET)
    assert not violations, describe_violations(violations)
    shots = tmp_path_factory.getbasetemp() / "trainer-shots"
    shots.mkdir(exist_ok=True)
    page.locator(WIDGET).screenshot(path=str(shots / f"trainer-{width}-{scheme}.png"))
