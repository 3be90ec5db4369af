"""The "Draw a digit" widget on the built site, in headless Chromium.

The browser's network (``window.cnnTutorial.loadConvNet``) must compute what
``cnn_tutorial.web.load_exported`` computes in Python from the same files;
drawing must give the 28x28 input that ``cnn_tutorial.web.preprocess_drawing``
gives for the same canvas; the multiply-accumulate panel must add up to the
value in the map; the weights load only near the widget, the widget's whole
download (export, scripts, style) stays under 2 MB, and all of it comes from
the site's own origin.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from cnn_tutorial.web import load_exported, preprocess_drawing

# Predict a batch of base64 uint8 28x28 images in the page: logits and labels.
PREDICT = """async ([encoded, wanted]) => {
  const net = await window.cnnTutorial.loadConvNet();
  const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  const out = [];
  for (let i = 0; i < bytes.length / 784; i++) {
    const pixels = Array.from(bytes.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v * Math.fround(1 / 255)));
    const result = net.predict(pixels);
    const item = {logits: result.logits, label: result.label};
    if (i < wanted) {
      item.activations = Object.fromEntries(Object.entries(result.activations).map(
        ([name, a]) => [name, {shape: a.shape, data: Array.from(a.data)}]));
      item.probabilities = result.probabilities;
    }
    out.push(item);
  }
  return out;
}"""


def encode(images: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(images, dtype=np.uint8).tobytes()).decode()


@pytest.fixture(scope="module")
def python_model(site_dir):
    return load_exported(site_dir / "assets" / "model")


def test_weights_are_small_and_load_only_near_the_widget(tab, site_url, site_dir):
    files = sorted((site_dir / "assets" / "model").iterdir())
    assert {f.name for f in files} == {"model.json", "weights.bin", "examples.bin"}
    widget = sorted((site_dir / "assets" / "explainer").iterdir())
    assert {f.name for f in widget} == {"explainer.js", "convnet.js", "explainer.css"}
    total = sum(f.stat().st_size for f in files + widget)
    assert total < 2_000_000, f"the widget downloads {total:,} bytes"

    page = tab(site_url)
    page.page.goto(site_url + "en/draw-a-digit/")
    page.page.wait_for_load_state("load")
    page.page.wait_for_timeout(1500)
    assert page.model_requests() == [], "weights downloaded before the reader reached the widget"
    assert page.page.locator(".cnn-explainer").get_attribute("data-started") is None
    # Another page (no widget) loads neither the script nor the weights.
    page.requests.clear()
    page.page.goto(site_url + "en/convnet-mnist/")
    page.page.wait_for_load_state("load")
    assert not [u for u in page.requests if "/assets/explainer/" in u or "/assets/model/" in u]

    page.page.goto(site_url + "en/draw-a-digit/")
    page.page.locator(".cnn-explainer").scroll_into_view_if_needed()
    page.page.wait_for_selector(".cnn-explainer[data-ready=true]", timeout=120_000)
    loaded = page.model_requests()
    assert {u.rsplit("/", 1)[1] for u in loaded} == {"model.json", "weights.bin", "examples.bin"}
    assert page.errors == [] and page.failed == []


def test_predict_equals_python_on_200_test_images(tab, site_url, python_model, mnist_test):
    images, labels = mnist_test
    images = images[:200]
    page = tab(site_url)
    page.page.goto(site_url + "en/draw-a-digit/")
    results = page.page.evaluate(PREDICT, [encode(images), 3])
    browser = np.array([r["logits"] for r in results])
    features = python_model.features(images)
    python = features["logits"].numpy()
    assert browser.shape == python.shape == (200, 10)
    largest = float(np.abs(browser - python).max())
    assert largest <= 1e-3, f"largest logit difference {largest}"
    assert [r["label"] for r in results] == python.argmax(axis=1).tolist()
    # Activations: NHWC without the batch axis, the same values as ConvNet.features.
    for index in range(3):
        for name in ("conv1", "pool1", "conv2", "pool2", "fc"):
            got = results[index]["activations"][name]
            expected = features[name].numpy()[index]
            assert tuple(got["shape"]) == expected.shape, name
            np.testing.assert_allclose(np.reshape(got["data"], expected.shape), expected,
                                       atol=1e-4, err_msg=name)
        assert abs(sum(results[index]["probabilities"]) - 1) < 1e-9
    assert page.errors == []


def test_browser_accuracy_matches_python_on_1000_test_images(tab, site_url, python_model,
                                                            mnist_test):
    images, labels = mnist_test
    images, labels = images[:1000], labels[:1000]
    page = tab(site_url)
    page.page.goto(site_url + "en/draw-a-digit/")
    results = page.page.evaluate(PREDICT, [encode(images), 0])
    browser_accuracy = float(np.mean([r["label"] for r in results] == labels))
    python_accuracy = float(np.mean(python_model(images).numpy().argmax(axis=1) == labels))
    assert python_accuracy >= 0.97, python_accuracy
    assert abs(browser_accuracy - python_accuracy) <= 0.002, (browser_accuracy, python_accuracy)


def canvas_gray(page) -> np.ndarray:
    """The drawing canvas's pixels (red channel / 255), as the widget reads them."""
    values = page.evaluate("""() => {
      const pad = document.querySelector('.cnn-ex-pad');
      const data = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
      return [pad.width, pad.height, Array.from(data.filter((_, i) => i % 4 === 0))];
    }""")
    width, height, red = values
    return np.array(red, dtype=np.float64).reshape(height, width) / 255


def widget_input(page) -> np.ndarray:
    return np.array(page.evaluate(
        "() => Array.from(document.querySelector('.cnn-explainer').inputBytes)"),
        dtype=np.uint8).reshape(28, 28)


def draw(page, strokes, kind="mouse"):
    """Draw polylines given in canvas units (0..280) as pointer events."""
    pad = page.locator(".cnn-ex-pad")
    box = pad.bounding_box()
    scale = box["width"] / 280

    def at(point):
        return box["x"] + point[0] * scale, box["y"] + point[1] * scale

    if kind == "mouse":
        for stroke in strokes:
            page.mouse.move(*at(stroke[0]))
            page.mouse.down()
            for point in stroke[1:]:
                page.mouse.move(*at(point), steps=6)
            page.mouse.up()
        return
    # Pen or touch: PointerEvents dispatched on the canvas.
    page.evaluate("""([strokes, kind, box, scale]) => {
      const pad = document.querySelector('.cnn-ex-pad');
      const send = (type, p) => pad.dispatchEvent(new PointerEvent(type, {
        bubbles: true, cancelable: true, pointerId: 7, pointerType: kind, isPrimary: true,
        clientX: box.x + p[0] * scale, clientY: box.y + p[1] * scale, pressure: 0.5}));
      for (const stroke of strokes) {
        send('pointerdown', stroke[0]);
        for (let i = 1; i < stroke.length; i++) {
          const [a, b] = [stroke[i - 1], stroke[i]];
          for (let t = 1; t <= 6; t++) send('pointermove', [a[0] + (b[0] - a[0]) * t / 6, a[1] + (b[1] - a[1]) * t / 6]);
        }
        send('pointerup', stroke[stroke.length - 1]);
      }
    }""", [strokes, kind, box, scale])


DIGITS = {
    1: [[(140, 40), (140, 240)]],
    7: [[(70, 50), (210, 50), (120, 240)]],
    0: [[(140, 40), (90, 70), (75, 140), (90, 210), (140, 240), (190, 210), (205, 140),
         (190, 70), (140, 40)]],
}


@pytest.mark.parametrize("kind", ["mouse", "pen"])
def test_strokes_give_the_mnist_input_and_a_sensible_prediction(open_widget, kind):
    tab = open_widget()
    page = tab.page
    for digit, strokes in DIGITS.items():
        page.locator(".cnn-explainer").get_by_role("button", name="Clear").click()
        assert widget_input(page).sum() == 0
        draw(page, strokes, kind)
        page.wait_for_function("() => document.querySelector('.cnn-ex-live').textContent.includes('reads')")
        gray = canvas_gray(page)
        ink_rows = np.nonzero(gray.max(axis=1) > 0)[0]
        assert ink_rows.min() < 60 and ink_rows.max() > 220  # the strokes landed
        expected = preprocess_drawing(gray)
        got = widget_input(page)
        difference = np.abs(got.astype(int) - expected.astype(int))
        assert difference.max() <= 1 and (difference > 0).sum() <= 3, difference.max()
        assert page.locator(".cnn-explainer").get_attribute("data-label") == str(digit)
        live = page.locator(".cnn-ex-live").text_content()
        assert f"reads {digit}" in live
    assert tab.errors == []


def mac_numbers(page):
    terms = [float(v) for v in page.locator(".cnn-ex-mac-channel").evaluate_all(
        "rows => rows.map(r => r.dataset.value)")]
    value = {name: float(page.locator(f".cnn-ex-mac-{name}").get_attribute("data-value"))
             for name in ("sum", "bias", "pre", "value", "map")}
    return terms, value


@pytest.mark.parametrize("layer, channel, channels", [("conv1", 5, 1), ("conv2", 17, 32)])
def test_multiply_accumulate_adds_up_to_the_map_value(open_widget, layer, channel, channels):
    tab = open_widget()
    page = tab.page
    page.locator(".cnn-ex-example-button").nth(2).click()
    page.locator(f".cnn-ex-map-button[data-layer={layer}][data-channel='{channel}']").click()
    for row, col in [(None, None), (3, 4), (0, 0)]:
        if row is not None:
            page.locator(".cnn-ex-number input[data-axis='0']").fill(str(row))
            page.locator(".cnn-ex-number input[data-axis='0']").dispatch_event("change")
            page.locator(".cnn-ex-number input[data-axis='1']").fill(str(col))
            page.locator(".cnn-ex-number input[data-axis='1']").dispatch_event("change")
            assert page.locator(".cnn-ex-detail").get_attribute("data-y") == str(row)
            assert page.locator(".cnn-ex-detail").get_attribute("data-x") == str(col)
        terms, value = mac_numbers(page)
        assert len(terms) == channels
        total = sum(terms) + value["bias"]
        assert abs(sum(terms) - value["sum"]) <= 1e-4
        assert abs(total - value["pre"]) <= 1e-4
        assert abs(max(0.0, total) - value["map"]) <= 1e-4, (total, value)
        assert abs(value["value"] - value["map"]) <= 1e-4
        # The element-by-element products of the shown channel add up to its term.
        shown = int(page.locator(".cnn-ex-products").get_attribute("data-channel"))
        products = page.locator(".cnn-ex-products td").evaluate_all(
            "cells => cells.map(c => Number(c.dataset.value))")
        assert len(products) == 25
        assert abs(sum(products) - terms[shown]) <= 1e-4
    if channels > 1:
        page.locator(".cnn-ex-slice-button").nth(9).click()
        assert page.locator(".cnn-ex-products").get_attribute("data-channel") == "9"
    assert tab.errors == []


def test_keyboard_picks_a_test_digit_and_the_live_region_says_it(open_widget):
    tab = open_widget()
    page = tab.page
    button = page.locator(".cnn-ex-example-button").nth(1)
    label = button.get_attribute("aria-label")
    button.focus()
    page.keyboard.press("Enter")
    live = page.locator(".cnn-ex-live")
    assert live.get_attribute("aria-live") == "polite"
    digit = label.split("label ")[1].rstrip(")")
    page.wait_for_function("() => document.querySelector('.cnn-explainer').dataset.runs > 1")
    assert f"reads {digit}" in live.text_content()
    # The map buttons are reachable and named.
    first = page.locator(".cnn-ex-map-button").first
    assert first.get_attribute("aria-label") == "conv1, feature map 1"
    first.focus()
    page.keyboard.press("Enter")
    assert page.locator(".cnn-ex-detail").is_visible()


def test_korean_page_has_korean_labels_and_fits_360_pixels(open_widget):
    tab = open_widget("draw-a-digit/", viewport={"width": 360, "height": 740})
    page = tab.page
    assert page.locator(".cnn-explainer").get_by_role("button", name="지우기").is_visible()
    assert "예측은" in page.locator(".cnn-ex-live").text_content()
    page.locator(".cnn-ex-map-button[data-layer=conv2]").first.click()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at a 360 px viewport"
    assert tab.errors == []


def test_without_scripts_the_page_keeps_its_figures(tab, site_url):
    page = tab(site_url, java_script_enabled=False)
    page.page.goto(site_url + "en/draw-a-digit/")
    assert page.model_requests() == []
    assert page.page.locator(".cnn-explainer noscript").count() == 1
    figures = page.page.locator("img").evaluate_all(
        "images => images.filter(i => i.naturalWidth > 0).length")
    assert figures >= 3
