"""The three widgets (docs/assets/playground/playground.js) on the harness page.

Each test drives real controls in headless Chromium (mouse or keyboard) and
checks that the picture, the sizes and the numbers follow. The same widgets on
the built chapter pages are checked in test_playground_pages.py.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from cnn_tutorial.kernels import KERNELS, apply_kernel

KERNEL = '.cnn-playground[data-widget="kernel"]'
STEPPER = '.cnn-playground[data-widget="stepper"]'
STACK = '.cnn-playground[data-widget="stack"]'


@pytest.fixture(scope="module")
def pages(chromium, harness):
    """One harness tab per language, opened once; ``fresh()`` restarts its widgets."""
    opened = {}
    contexts = []
    for lang in ("en", "ko"):
        context = chromium.new_context()
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        page.goto(f"{harness}harness-{lang}.html")
        page.wait_for_selector(f'{KERNEL}[data-ready="true"]')
        page.wait_for_selector(f'{STACK}[data-ready="true"]')
        page.errors = errors
        opened[lang] = page
        contexts.append(context)
    yield opened
    for context in contexts:
        context.close()
    for lang, page in opened.items():
        assert page.errors == [], (lang, page.errors)


def fresh(pages, lang="en"):
    """The tab of ``lang`` with every widget replaced by a newly started one."""
    page = pages[lang]
    page.evaluate("""() => {
        for (const old of document.querySelectorAll('.cnn-playground')) {
            const placeholder = document.createElement('div');
            placeholder.className = 'cnn-playground';
            placeholder.dataset.widget = old.dataset.widget;
            old.replaceWith(placeholder);
        }
        cnnTutorialPlayground.init();
    }""")
    page.locator(KERNEL).scroll_into_view_if_needed()  # the kernel widget loads its photo then
    page.wait_for_selector(f'{KERNEL}[data-ready="true"]')
    page.wait_for_selector(f'{STACK}[data-ready="true"]')  # the lecture's network is loaded
    return page


def output_pixels(page):
    """The output canvas as an H x W array of gray bytes (its red channel)."""
    height, width, encoded = page.evaluate(f"""() => {{
        const canvas = document.querySelector('{KERNEL} canvas[data-role="output"]');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let text = '';
        for (let i = 0; i < data.length; i += 4) text += String.fromCharCode(data[i]);
        return [canvas.height, canvas.width, btoa(text)];
    }}""")
    return np.frombuffer(base64.b64decode(encoded), np.uint8).reshape(height, width)


def text(page, selector):
    return page.locator(selector).inner_text().strip()


# --- widget 1: kernel on the photo ---------------------------------------------


def test_kernel_widget_draws_apply_kernel(pages, sample_pixels):
    """The drawn output is apply_kernel's result on the widget's pixels (the photo at 256
    gray levels) clipped to [0, 1] (within one gray level)."""
    page = fresh(pages)
    photo = sample_pixels
    page.select_option(f'{KERNEL} select[data-role="kernel"]', "emboss")
    page.select_option(f'{KERNEL} select[data-role="stride"]', "2")
    expected = np.clip(apply_kernel(photo, KERNELS["emboss"], strides=2), 0, 1) * 255
    drawn = output_pixels(page)
    assert drawn.shape == expected.shape
    assert np.max(np.abs(drawn.astype(np.float64) - expected)) <= 1.0


def test_changing_kernel_changes_the_picture(pages):
    page = fresh(pages)
    before = output_pixels(page)
    page.select_option(f'{KERNEL} select[data-role="kernel"]', "edge")
    after = output_pixels(page)
    assert before.shape == after.shape
    assert np.mean(before != after) > 0.5


def test_changing_stride_and_padding_changes_the_size(pages, hook):
    page = fresh(pages)
    size = hook.SAMPLE_SIZE
    size_text = f'{KERNEL} [data-role="size"]'
    assert text(page, size_text) == f"Input {size} × {size} → output {size} × {size}"
    page.select_option(f'{KERNEL} select[data-role="stride"]', "3")
    out = -(-size // 3)
    assert text(page, size_text) == f"Input {size} × {size} → output {out} × {out}"
    assert output_pixels(page).shape == (out, out)
    page.select_option(f'{KERNEL} select[data-role="padding"]', "VALID")
    out = (size - 3) // 3 + 1
    assert text(page, size_text).endswith(f"output {out} × {out}")
    assert output_pixels(page).shape == (out, out)


def test_editing_a_kernel_cell_makes_a_custom_kernel(pages, sample_pixels):
    page = fresh(pages)
    page.select_option(f'{KERNEL} select[data-role="kernel"]', "identity")
    identity = output_pixels(page)
    photo = sample_pixels
    assert np.max(np.abs(identity - np.round(photo * 255))) <= 1
    cell = page.locator(f'{KERNEL} input[data-role="cell-1-1"]')
    cell.fill("0.5")
    assert page.locator(f'{KERNEL} select[data-role="kernel"]').input_value() == "custom"
    halved = output_pixels(page)
    assert np.max(np.abs(halved - np.round(photo * 0.5 * 255))) <= 1
    cell.fill("")
    assert "number" in text(page, f'{KERNEL} [data-role="message"]')


def test_minmax_display_stretches_the_output(pages):
    page = fresh(pages)
    page.select_option(f'{KERNEL} select[data-role="kernel"]', "top_sobel")
    page.select_option(f'{KERNEL} select[data-role="display"]', "minmax")
    drawn = output_pixels(page)
    assert drawn.min() == 0 and drawn.max() == 255


def test_kernel_widget_with_the_keyboard(pages, hook):
    page = fresh(pages)
    select = page.locator(f'{KERNEL} select[data-role="kernel"]')
    select.focus()
    before = output_pixels(page)
    start = select.input_value()
    page.keyboard.press("ArrowDown")
    assert select.input_value() != start
    assert np.any(output_pixels(page) != before)
    # Tab reaches the stride control next, and the arrow keys change it too.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.role") == "stride"
    page.keyboard.press("ArrowDown")
    assert page.locator(f'{KERNEL} select[data-role="stride"]').input_value() == "2"
    half = -(-hook.SAMPLE_SIZE // 2)
    assert f"→ output {half} × {half}" in text(page, f'{KERNEL} [data-role="size"]')


# --- widget 2: the stepping window ----------------------------------------------


_STEPPER_STATE = """(root) => {
    const cells = (sel) => Array.from(root.querySelectorAll(sel)).map(
        (c) => [Number(c.dataset.r), Number(c.dataset.c)]);
    const current = root.querySelector('[data-role="output-grid"] .cnn-pg-current');
    return {
        step: Number(root.dataset.step),
        size: root.dataset.outputSize,
        taps: cells('[data-role="input-grid"] .cnn-pg-tap'),
        pads: cells('[data-role="input-grid"] .cnn-pg-pad').length,
        cells: root.querySelectorAll('[data-role="input-grid"] .cnn-pg-cell').length,
        current: cells('[data-role="output-grid"] .cnn-pg-current'),
        value: current ? Number(current.textContent) : null,
        next_disabled: root.querySelector('button[data-role="next"]').disabled,
    };
}"""


def stepper_state(page):
    return page.evaluate(f"() => ({_STEPPER_STATE})(document.querySelector('{STEPPER}'))")


def stepper_walk(page):
    """Click Next until it is disabled, recording the widget's state before each click."""
    return page.evaluate(f"""() => {{
        const root = document.querySelector('{STEPPER}');
        const read = {_STEPPER_STATE};
        const states = [read(root)];
        while (!states[states.length - 1].next_disabled && states.length < 1000) {{
            root.querySelector('button[data-role="next"]').click();
            states.push(read(root));
        }}
        return states;
    }}""")


def set_stepper(page, size, kernel, stride, dilation, padding):
    for role, value in (("size", size), ("kernel", kernel), ("stride", stride),
                        ("dilation", dilation)):
        page.fill(f'{STEPPER} input[data-role="{role}"]', str(value))
    page.select_option(f'{STEPPER} select[data-role="padding"]', str(padding))


@pytest.mark.parametrize("size, kernel, stride, dilation, padding", [
    (7, 3, 2, 1, "SAME"), (13, 6, 5, 1, "SAME"), (6, 2, 2, 1, "SAME"), (8, 3, 3, 2, "SAME"),
    (7, 3, 1, 1, "VALID"), (7, 3, 2, 1, "VALID"), (13, 6, 5, 1, "VALID"), (9, 3, 2, 3, "VALID"),
    (5, 3, 2, 1, "2"),
])
def test_stepper_follows_tensorflow(pages, size, kernel, stride, dilation, padding):
    """Grid, padding and every window agree with TensorFlow's rules (uneven SAME split)."""
    from cnn_tutorial.arithmetic import conv_output_size, same_padding

    page = fresh(pages)
    set_stepper(page, size, kernel, stride, dilation, padding)
    pad = padding if padding in ("SAME", "VALID") else int(padding)
    out = conv_output_size(size, kernel, stride, pad, dilation)
    if padding == "SAME":
        before, after = same_padding(size, kernel, stride, dilation)
    else:
        before = after = 0 if padding == "VALID" else int(padding)
    state = stepper_state(page)
    assert state["size"] == f"{out}x{out}"
    side = before + size + after
    assert state["cells"] == side * side
    assert state["pads"] == side * side - size * size
    # Walk all output cells with the Next button; check each window against a
    # zero-padded sum (the kernel holds ones), computed here independently.
    grid = np.array([[(r * 7 + c * 3 + 1) % 10 for c in range(size)] for r in range(size)])
    padded = np.pad(grid, (before, after))
    outputs = np.zeros((out, out), int)
    states = stepper_walk(page)
    assert len(states) == out * out
    for index, state in enumerate(states):
        orow, ocol = divmod(index, out)
        assert state["step"] == index and state["current"] == [[orow, ocol]]
        rows = [orow * stride - before + j * dilation for j in range(kernel)]
        cols = [ocol * stride - before + j * dilation for j in range(kernel)]
        assert sorted(map(tuple, state["taps"])) == sorted((r, c) for r in rows for c in cols)
        window = padded[np.ix_([r + before for r in rows], [c + before for c in cols])]
        assert state["value"] == window.sum()
        outputs[orow, ocol] = state["value"]
    # The same numbers as TensorFlow's convolution with a kernel of ones.
    if padding in ("SAME", "VALID") and dilation == 1:
        ones = np.ones((kernel, kernel), np.float32)
        expected = apply_kernel(grid.astype(np.float32) / 255, ones, stride, padding) * 255
        assert np.allclose(outputs, expected, atol=1e-3)


def test_stepper_without_output(pages):
    page = fresh(pages)
    set_stepper(page, 4, 5, 1, 1, "VALID")
    assert page.locator(STEPPER).get_attribute("data-output-size") == "0"
    assert "No output" in text(page, f'{STEPPER} [data-role="step"]')
    assert page.locator(f'{STEPPER} button[data-role="next"]').is_disabled()
    page.select_option(f'{STEPPER} select[data-role="padding"]', "SAME")
    assert page.locator(STEPPER).get_attribute("data-output-size") == "4x4"


def test_stepper_with_the_keyboard(pages):
    page = fresh(pages)
    set_stepper(page, 7, 3, 2, 1, "SAME")  # 4 x 4 output
    grid = page.locator(f'{STEPPER} [data-role="input-grid"]')
    grid.focus()
    page.keyboard.press("ArrowRight")
    assert stepper_state(page)["current"] == [[0, 1]]
    page.keyboard.press("ArrowDown")
    assert stepper_state(page)["current"] == [[1, 1]]
    page.keyboard.press("End")
    assert stepper_state(page)["current"] == [[3, 3]]
    page.keyboard.press("ArrowRight")  # already last: stays
    assert stepper_state(page)["current"] == [[3, 3]]
    page.keyboard.press("Home")
    assert stepper_state(page)["current"] == [[0, 0]]
    page.keyboard.press("ArrowLeft")
    assert stepper_state(page)["current"] == [[0, 0]]
    # The buttons are real buttons: focus and Enter/Space activate them.
    page.locator(f'{STEPPER} button[data-role="next"]').focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert stepper_state(page)["step"] == 2
    page.locator(f'{STEPPER} button[data-role="start"]').focus()
    page.keyboard.press("Enter")
    assert stepper_state(page)["step"] == 0


def test_stepper_play_advances(pages):
    page = fresh(pages)
    page.click(f'{STEPPER} button[data-role="play"]')
    assert page.locator(f'{STEPPER} button[data-role="play"]').get_attribute(
        "aria-pressed") == "true"
    page.wait_for_function(f"Number(document.querySelector('{STEPPER}').dataset.step) >= 2")
    page.click(f'{STEPPER} button[data-role="play"]')
    assert page.locator(f'{STEPPER} button[data-role="play"]').get_attribute(
        "aria-pressed") == "false"


# --- widget 3: the layer stack --------------------------------------------------


def stack_rows(page):
    return page.evaluate(f"""() => Array.from(
        document.querySelectorAll('{STACK} tbody tr')).map((tr) => [
            tr.querySelector('[data-role="type"]').value,
            tr.querySelector('[data-role="shape"]').textContent,
            tr.querySelector('[data-role="params"]').textContent])""")


def test_stack_starts_from_the_lecture_network(pages):
    from cnn_tutorial.arithmetic import LECTURE_NETWORK, describe_stack

    page = fresh(pages)
    rows = stack_rows(page)
    expected = describe_stack(LECTURE_NETWORK)
    assert [r[1] for r in rows] == [" × ".join(map(str, e.output_shape)) for e in expected]
    assert [int(r[2].replace(",", "")) for r in rows] == [e.params for e in expected]
    assert page.locator(STACK).get_attribute("data-total") == "3274634"
    assert "3,274,634" in text(page, f'{STACK} [data-role="total"]')


def test_stack_updates_on_edits(pages):
    page = fresh(pages)
    first = page.locator(f'{STACK} tbody tr').nth(0)
    first.locator('input[data-role="filters"]').fill("16")
    rows = stack_rows(page)
    assert rows[0][1:] == ["28 × 28 × 16", "416"]
    assert rows[2][2] == "25,664"  # 5·5·16·64 + 64
    first.locator('select[data-role="padding"]').select_option("VALID")
    assert stack_rows(page)[0][1] == "24 × 24 × 16"
    page.fill(f'{STACK} input[data-role="input-channels"]', "3")
    assert stack_rows(page)[0][2] == "1,216"  # 5·5·3·16 + 16
    # Removing the flatten layer leaves the dense layer without a flat input.
    page.locator(f'{STACK} tbody tr').nth(4).locator('button[data-role="remove"]').click()
    rows = stack_rows(page)
    assert len(rows) == 7 and "flatten" in rows[4][1]
    assert page.locator(STACK).get_attribute("data-total") == ""
    # An empty setting names itself with the label shown on the page.
    page.click(f'{STACK} button[data-role="reset"]')
    page.locator(f'{STACK} tbody tr').nth(0).locator('input[data-role="filters"]').fill("")
    assert stack_rows(page)[0][1] == "filters must be a whole number ≥ 1."
    page.click(f'{STACK} button[data-role="reset"]')
    assert page.locator(STACK).get_attribute("data-total") == "3274634"


def test_stack_with_the_keyboard(pages):
    page = fresh(pages)
    page.locator(f'{STACK} select[data-role="add-type"]').select_option("dense")
    page.locator(f'{STACK} button[data-role="add"]').focus()
    page.keyboard.press("Enter")
    rows = stack_rows(page)
    assert len(rows) == 9 and rows[-1][:2] == ["dense", "10"]
    # Focus went to the new row's type select; move the row up with its button.
    assert page.evaluate("document.activeElement.dataset.role") == "type"
    last = page.locator(f'{STACK} tbody tr').nth(8)
    last.locator('button[data-role="up"]').focus()
    page.keyboard.press("Enter")
    assert stack_rows(page)[7][0] == "dense"
    assert page.evaluate("document.activeElement.dataset.role") == "up"


@pytest.mark.parametrize("lang, message", [
    ("en", "The lecture's network could not be loaded (HTTP 404); add layers yourself."),
    ("ko", "강의의 신경망을 불러오지 못했습니다(HTTP 404). 계층은 직접 추가할 수 있습니다."),
])
def test_stack_without_the_network_file_says_so(tab, harness, lang, message):
    """A missing lecture-network.json is one line in the page's language; the
    calculator still works on the layers the reader adds."""
    opened = tab(harness)
    page = opened.page
    page.route("**/lecture-network.json", lambda route: route.fulfill(status=404, body=""))
    page.goto(f"{harness}harness-{lang}.html")
    page.wait_for_selector(f'{STACK}[data-ready="error"]')
    assert text(page, f'{STACK} [data-role="total"]') == message
    assert stack_rows(page) == []
    assert page.locator(f'{STACK} button[data-role="reset"]').is_disabled()
    for layer in ("flatten", "dense"):
        page.locator(f'{STACK} select[data-role="add-type"]').select_option(layer)
        page.click(f'{STACK} button[data-role="add"]')
    assert stack_rows(page) == [["flatten", "784", "0"], ["dense", "10", "7,850"]]
    assert page.locator(STACK).get_attribute("data-total") == "7850"
    assert opened.errors == []
    assert opened.playground_failures() == [f"404 {harness}assets/playground/lecture-network.json"]


# --- labels follow <html lang> ----------------------------------------------------


@pytest.mark.parametrize("lang, words, absent", [
    ("ko", ["커널", "스트라이드", "패딩", "입력", "출력", "계층", "파라미터 수", "다음"],
     ["Kernel", "Stride", "Next", "Parameters"]),
    ("en", ["Kernel", "Stride", "Padding", "Input", "Output", "Layer", "Parameters", "Next"],
     ["커널", "스트라이드", "다음"]),
])
def test_labels_follow_the_page_language(pages, lang, words, absent):
    page = fresh(pages, lang)
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('.cnn-playground'))
        .map((root) => root.innerText + ' ' + Array.from(root.querySelectorAll('[aria-label]'))
             .map((e) => e.getAttribute('aria-label')).join(' ')).join(' ')""")
    for word in words:
        assert word in shown, (lang, word)
    for word in absent:
        assert word not in shown, (lang, word)


def test_every_control_has_a_label(pages):
    page = fresh(pages)
    unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.cnn-playground input, .cnn-playground select, .cnn-playground button'))
        .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                       && !e.textContent.trim())
        .map((e) => e.outerHTML)""")
    assert unlabeled == []


def test_no_errors_and_nothing_off_site(tab, harness):
    opened = tab(harness)
    opened.page.goto(f"{harness}harness-ko.html")
    opened.page.wait_for_selector(f'{KERNEL}[data-ready="true"]')
    opened.page.wait_for_selector(f'{STACK}[data-ready="true"]')
    for selector in (STEPPER, STACK):
        assert opened.page.locator(selector).get_attribute("data-ready") == "true"
    assert opened.errors == [] and opened.failed == []
