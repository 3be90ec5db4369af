"""Tests of figures.draw_multichannel_conv: the drawn numbers are what tf.nn.conv2d computes."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnn_tutorial import figures  # noqa: E402
from cnn_tutorial.figures.convolution import format_value  # noqa: E402

RNG = np.random.default_rng(7)
BLOCK = RNG.integers(0, 4, size=(3, 3, 3)).astype(np.float32)
KERNEL = RNG.integers(-1, 2, size=(3, 3, 3)).astype(np.float32)


def texts(fig, gid):
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid() == gid]


def test_output_value_is_conv2d_plus_bias():
    bias = 2.0
    fig = figures.draw_multichannel_conv(BLOCK, KERNEL, bias=bias)
    expected = tf.nn.bias_add(
        tf.nn.conv2d(BLOCK[None], KERNEL[..., None], strides=1, padding="VALID"), [bias])
    result = texts(fig, "result")
    assert len(result) == 1
    assert result[0].endswith(f"= {format_value(float(expected[0, 0, 0, 0]))}")


def test_one_sum_per_channel_matches_a_single_channel_convolution():
    fig = figures.draw_multichannel_conv(BLOCK, KERNEL)
    sums = texts(fig, "channel-sum")
    assert len(sums) == 3
    for c, text in enumerate(sums):
        one = tf.nn.conv2d(BLOCK[None, :, :, c:c + 1], KERNEL[:, :, c:c + 1, None], 1, "VALID")
        assert text == f"Σ = {format_value(float(one[0, 0, 0, 0]))}"


def test_every_input_and_kernel_value_is_drawn():
    fig = figures.draw_multichannel_conv(BLOCK, KERNEL, bias=-1)
    values = texts(fig, "value")
    assert len(values) == 2 * BLOCK.size
    assert texts(fig, "bias") == ["b = -1"]
    # Row c holds x[:, :, c] then w[:, :, c], each read row by row.
    first_channel = values[:9] + values[9:18]
    assert first_channel == [format_value(v) for v in BLOCK[:, :, 0].ravel()] + \
        [format_value(v) for v in KERNEL[:, :, 0].ravel()]


def test_labels_are_language_neutral_and_render_without_missing_glyphs():
    fig = figures.draw_multichannel_conv(BLOCK, KERNEL, bias=1)
    for text in fig.axes[0].texts:
        assert not any(ch.isalpha() and ch not in "xwbyΣ" for ch in text.get_text()), text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = fig._repr_png_()
    assert png[:4] == b"\x89PNG"


@pytest.mark.parametrize(("block", "kernel", "bias", "error", "message"), [
    (np.ones((3, 3)), np.ones((3, 3)), 0, ValueError, "block must be a non-empty k x k x C_in"),
    (np.ones((3, 2, 1)), np.ones((3, 2, 1)), 0, ValueError, "square window"),
    (np.ones((6, 6, 1)), np.ones((6, 6, 1)), 0, ValueError, "at most 5 x 5 x 4"),
    (np.ones((3, 3, 2)), np.ones((3, 3, 3)), 0, ValueError, "same k x k x C_in shape"),
    (np.ones((3, 3, 1)), np.full((3, 3, 1), np.nan), 0, ValueError, "kernel must contain finite"),
    (np.ones((3, 3, 1)), np.ones((3, 3, 1)), "1", TypeError, "bias must be a finite number"),
    ([["a"]], np.ones((3, 3, 1)), 0, TypeError, "block must be a k x k x C_in array of numbers"),
])
def test_bad_input_names_the_argument(block, kernel, bias, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        figures.draw_multichannel_conv(block, kernel, bias=bias)
