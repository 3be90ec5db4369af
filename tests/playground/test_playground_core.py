"""window.cnnTutorial (docs/assets/playground/cnn-core.js) against the Python package.

Every number the widgets show comes from cnn-core.js; these tests run it in
headless Chromium on a minimal harness page and compare it with
``cnn_tutorial.kernels.apply_kernel`` and ``cnn_tutorial.arithmetic``.
"""

from __future__ import annotations

import base64
import itertools
import json

import numpy as np
import pytest

from cnn_tutorial import arithmetic
from cnn_tutorial.kernels import KERNELS, apply_kernel, load_sample_image

LECTURE_KERNELS = ("blur", "sharpen", "edge", "top_sobel", "emboss")
ALL_KERNELS = LECTURE_KERNELS + ("identity", "gaussian_blur")


def _open(chromium, url):
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("window.cnnTutorial !== undefined")
    return context, page, errors


@pytest.fixture(scope="module")
def page(chromium, harness):
    """A harness tab with cnn-core.js loaded (English)."""
    context, page, errors = _open(chromium, harness + "harness-en.html")
    yield page
    context.close()
    assert not errors, errors


def test_sample_photo_is_the_packages_photo_at_256_gray_levels(hook, sample_png):
    """The shipped levels are load_sample_image(gray=True, size=SAMPLE_SIZE) rounded to the
    nearest of 256 levels: each pixel within half a level of the package's."""
    levels = hook.decode_png(sample_png)
    expected = load_sample_image(gray=True, size=hook.SAMPLE_SIZE, name=hook.SAMPLE_NAME)
    assert levels.shape == (hook.SAMPLE_SIZE, hook.SAMPLE_SIZE)
    assert np.array_equal(levels, np.round(expected * 255).astype(np.uint8))
    assert float(np.max(np.abs(hook.levels_to_pixels(levels) - expected))) <= 0.5 / 255 + 1e-7


def test_widget_reads_the_quantised_pixels_bit_for_bit(page, sample_pixels):
    """sample.js decodes the PNG to exactly the float32 values the tests hand apply_kernel."""
    result = page.evaluate("""() => import('./assets/playground/sample.js')
        .then(m => m.loadSample()).then(image => {
            const bytes = new Uint8Array(image.pixels.buffer);
            let text = '';
            for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
            return {width: image.width, height: image.height, pixels: btoa(text)};
        })""")
    assert (result["height"], result["width"]) == sample_pixels.shape
    got = np.frombuffer(base64.b64decode(result["pixels"]), "<f4").reshape(sample_pixels.shape)
    assert np.array_equal(got, sample_pixels)


def test_kernel_table_matches_package(page):
    table = page.evaluate("() => cnnTutorial.KERNELS")
    assert sorted(table) == sorted(KERNELS)
    for name, kernel in KERNELS.items():
        assert np.allclose(np.array(table[name]), kernel, atol=1e-7), name


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_convolve_matches_apply_kernel(page, sample_pixels, padding):
    """Every kernel the widget offers, strides 1..3, on the pixels the widget has: same
    values as apply_kernel (<= 1e-4)."""
    photo = sample_pixels
    height, width = photo.shape
    page.evaluate("""(b64) => {
        const text = atob(b64);
        const bytes = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
        window.photo = new Float32Array(bytes.buffer);
    }""", base64.b64encode(photo.astype("<f4").tobytes()).decode())
    for name, stride in itertools.product(ALL_KERNELS, (1, 2, 3)):
        expected = apply_kernel(photo, KERNELS[name], strides=stride, padding=padding)
        result = page.evaluate(
            """([name, w, h, stride, padding]) => {
                const r = cnnTutorial.convolve(window.photo, w, h, cnnTutorial.KERNELS[name],
                                               stride, padding);
                // float32 bytes as base64: much faster to hand over than a JSON list.
                const bytes = new Uint8Array(r.pixels.buffer);
                let text = '';
                for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
                return {width: r.width, height: r.height, pixels: btoa(text)};
            }""", [name, width, height, stride, padding])
        assert (result["height"], result["width"]) == expected.shape, (name, stride)
        got = np.frombuffer(base64.b64decode(result["pixels"]), "<f4").astype(np.float64)
        got = got.reshape(expected.shape)
        diff = float(np.max(np.abs(got - expected)))
        assert diff <= 1e-4, f"{name}, stride {stride}, {padding}: max |diff| {diff}"


def test_convolve_odd_shapes_and_uneven_same_split(page):
    """Non-square input, pair strides, explicit padding: the uneven split of SAME."""
    rng = np.random.default_rng(7)
    image = rng.random((9, 13), dtype=np.float32)
    kernel = rng.normal(size=(3, 3)).astype(np.float32)
    for strides in [(1, 1), (2, 3), (3, 2), (4, 4)]:
        for padding in ("SAME", "VALID"):
            expected = apply_kernel(image, kernel, strides=strides, padding=padding)
            result = page.evaluate(
                """([pixels, kernel, strides, padding]) => {
                    const r = cnnTutorial.convolve(pixels, 13, 9, kernel, strides, padding);
                    return [r.height, r.width, Array.from(r.pixels)];
                }""", [image.ravel().tolist(), kernel.tolist(), list(strides), padding])
            assert tuple(result[:2]) == expected.shape
            got = np.array(result[2]).reshape(expected.shape)
            assert np.max(np.abs(got - expected)) <= 1e-5, (strides, padding)


def test_convolve_with_dilation_matches_tf_nn_conv2d(page):
    """The stepper's dilated windows: same numbers as tf.nn.conv2d(dilations=...)."""
    import tensorflow as tf

    rng = np.random.default_rng(3)
    image = rng.random((11, 12), dtype=np.float32)
    for size, dilation in [(3, 2), (2, 3), (4, 2)]:
        kernel = rng.normal(size=(size, size)).astype(np.float32)
        for padding in ("SAME", "VALID"):
            expected = tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], 1,
                                    padding, dilations=dilation).numpy()[0, :, :, 0]
            result = page.evaluate(
                """([pixels, kernel, padding, dilation]) => {
                    const r = cnnTutorial.convolve(pixels, 12, 11, kernel, 1, padding, dilation);
                    return [r.height, r.width, Array.from(r.pixels)];
                }""", [image.ravel().tolist(), kernel.tolist(), padding, dilation])
            assert tuple(result[:2]) == expected.shape, (size, dilation, padding)
            got = np.array(result[2]).reshape(expected.shape)
            assert np.max(np.abs(got - expected)) <= 1e-5, (size, dilation, padding)


def test_output_size_matches_conv_output_size(page):
    """outputSize / poolOutputSize / samePadding agree with the package over a grid."""
    paddings = ["SAME", "VALID", 0, 1, 2, 3]
    cases = list(itertools.product(range(1, 21), range(1, 8), range(1, 5), range(1, 4),
                                   paddings))
    # Cases and results cross as JSON text: far faster than Playwright's nested values.
    got = json.loads(page.evaluate(
        """(text) => JSON.stringify(JSON.parse(text).map(([size, k, s, d, p]) => {
            const call = (f) => { try { return f(); } catch (e) { return 'error:' + e.code; } };
            return [call(() => cnnTutorial.outputSize(size, k, s, p, d)),
                    call(() => cnnTutorial.poolOutputSize(size, k, s, p)),
                    call(() => cnnTutorial.samePadding(size, k, s, d))];
        }))""", json.dumps(cases)))
    checked = 0
    for (size, k, s, d, p), (conv, pool, same) in zip(cases, got):
        try:
            expected = arithmetic.conv_output_size(size, k, s, p, d)
        except ValueError:
            assert conv == "error:no-fit", (size, k, s, d, p)
        else:
            assert conv == expected, (size, k, s, d, p)
            checked += 1
        try:
            expected_pool = arithmetic.pool_output_size(size, k, s, p)
        except ValueError:
            assert pool == "error:no-fit", (size, k, s, p)
        else:
            assert pool == expected_pool, (size, k, s, p)
        assert tuple(same) == arithmetic.same_padding(size, k, s, d), (size, k, s, d)
    assert checked > 5000  # most of the grid has a valid output


def as_js_layers(layers) -> list[dict]:
    """``cnn_tutorial.arithmetic`` layers as cnn-core.js's layer objects, written here
    independently of docs_hooks/playground.py (whose conversion the site ships)."""
    as_js = []
    for spec in layers:
        if isinstance(spec, arithmetic.Conv):
            as_js.append({"type": "conv", "filters": spec.filters, "kernel": spec.kernel_size,
                          "stride": spec.stride, "padding": spec.padding,
                          "dilation": spec.dilation})
        elif isinstance(spec, arithmetic.Pool):
            as_js.append({"type": "pool", "size": spec.pool_size,
                          "stride": spec.stride or spec.pool_size, "padding": spec.padding})
        elif isinstance(spec, arithmetic.Dense):
            as_js.append({"type": "dense", "units": spec.units})
        elif isinstance(spec, arithmetic.Dropout):
            as_js.append({"type": "dropout", "rate": spec.rate})
        else:
            as_js.append({"type": "flatten"})
    return as_js


def test_describe_stack_matches_package(page):
    stacks = ["lecture", "conv:8:3:1:valid, pool:2, flatten, dense:10",
              "conv:16:5:2:same, conv:32:3:1:valid, pool:3:2:same, flatten, dropout:0.5, dense:7"]
    for text in stacks:
        layers = arithmetic.parse_stack(text)
        expected = arithmetic.describe_stack(layers, (28, 28, 1))
        result = page.evaluate("(layers) => cnnTutorial.describeStack(layers, [28, 28, 1])",
                               as_js_layers(layers))
        assert result["error"] is None, (text, result["error"])
        assert [tuple(r["shape"]) for r in result["rows"]] == [r.output_shape for r in expected]
        assert [r["params"] for r in result["rows"]] == [r.params for r in expected]
        assert result["total"] == sum(r.params for r in expected)
    # A pooling layer's stride null (or left out) is its window, as Pool(stride=None).
    shapes = page.evaluate("""() => [null, undefined, 2].map((stride) => cnnTutorial
        .describeStack([{type: 'pool', size: 2, stride: stride}], [28, 28, 1]).rows[0].shape)""")
    assert shapes == [[14, 14, 1]] * 3
    assert arithmetic.describe_stack([arithmetic.Pool(2)])[0].output_shape == (14, 14, 1)


def test_lecture_network_is_the_packages(page, harness):
    """The calculator's starting stack is the file the build writes from LECTURE_NETWORK.

    cnn-core.js holds no copy of the network any more (it was the fourth place
    the network was written down); the widget fetches lecture-network.json.
    """
    assert page.evaluate("() => 'LECTURE_NETWORK' in cnnTutorial") is False
    served = page.evaluate("""(url) => fetch(url).then((r) => r.json())""",
                           harness + "assets/playground/lecture-network.json")
    assert served == as_js_layers(arithmetic.LECTURE_NETWORK)  # field by field
    result = page.evaluate("(layers) => cnnTutorial.describeStack(layers)", served)
    expected = arithmetic.describe_stack(arithmetic.LECTURE_NETWORK)
    assert [tuple(r["shape"]) for r in result["rows"]] == [r.output_shape for r in expected]
    assert result["total"] == sum(r.params for r in expected) == 3274634


def test_describe_stack_reports_the_failing_layer(page):
    result = page.evaluate("""() => [
        cnnTutorial.describeStack([{type: 'dense', units: 10}]).error,
        cnnTutorial.describeStack([{type: 'flatten'}, {type: 'conv', filters: 1, kernel: 3}]).error,
        cnnTutorial.describeStack([{type: 'conv', filters: 1, kernel: 9, padding: 'VALID'}],
                                  [5, 5, 1]).error]""")
    assert [(e["index"], e["code"]) for e in result] == [
        (0, "needs-flat"), (1, "needs-image"), (0, "no-fit")]


@pytest.mark.parametrize("call, message", [
    ("cnnTutorial.convolve([0, 0, 0, 0], 2, 2, cnnTutorial.KERNELS.blur, 1, 'same!')",
     "padding must be 'SAME', 'VALID' or a non-negative integer, got 'same!'"),
    ("cnnTutorial.convolve([0, 0, 0], 2, 2, cnnTutorial.KERNELS.blur, 1, 'SAME')",
     "pixels must hold width * height = 4 values, got 3"),
    ("cnnTutorial.convolve([0, 0, 0, 0], 2, 2, cnnTutorial.KERNELS.blur, 0, 'SAME')",
     "stride must be an integer >= 1 or a pair of them, got 0"),
    ("cnnTutorial.convolve([0, 0, 0, 0], 2, 2, [[1, 2], [3]], 1, 'SAME')",
     "kernel must have rows of equal length (2), but row 1 is [3]"),
    ("cnnTutorial.outputSize(7, 3, 1.5)", "stride must be an integer >= 1, got 1.5"),
])
def test_bad_arguments_raise_clear_errors(page, call, message):
    got = page.evaluate(f"() => {{ try {{ {call}; return null; }} catch (e) {{ return e.message; }} }}")
    assert got == message
