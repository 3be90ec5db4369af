"""The figures of the chapters carry no English words: one figure serves the Korean and
the English page, so labels are symbols, numbers and code names (``x``, ``w``, ``y``,
``W=7``, ``'SAME'``, kernel names passed in by the page)."""

from __future__ import annotations

import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnn_tutorial import figures  # noqa: E402
from cnn_tutorial.arithmetic import Conv, Pool  # noqa: E402

GRID = np.arange(16.0).reshape(4, 4) % 5
#: Words allowed in a figure: TensorFlow's padding names and the pooling functions.
ALLOWED = {"SAME", "VALID", "max", "mean"}

FIGURES = {
    "draw_weighted_sum": lambda: figures.draw_weighted_sum(GRID, np.ones((3, 3)), 1, 1),
    "draw_kernels": lambda: figures.draw_kernels({"k": np.eye(3)}),
    "draw_padding": lambda: figures.draw_padding(13, 6, stride=5, padding="SAME"),
    "draw_padding dilated": lambda: figures.draw_padding(9, 3, stride=2, dilation=2),
    "draw_padded_grid": lambda: figures.draw_padded_grid(7, 4, stride=1, padding="SAME"),
    "draw_padded_grid explicit": lambda: figures.draw_padded_grid(5, 3, padding=1, dilation=2),
    "draw_pooling": lambda: figures.draw_pooling(GRID, 2, mode="both"),
    "draw_multichannel_conv": lambda: figures.draw_multichannel_conv(
        np.ones((3, 3, 2)), np.ones((3, 3, 2)), bias=1),
    # Its titles are the layer names it is given (code names such as conv1) and sizes.
    "draw_receptive_fields": lambda: figures.draw_receptive_fields(
        [Conv(1, 5, name="c"), Pool(2, name="p")], np.zeros((28, 28))),
}


def all_text(fig) -> list[str]:
    texts = [t.get_text() for t in fig.texts]  # supxlabel and friends
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
    return [t for t in texts if t]


@pytest.mark.parametrize("name", FIGURES)
def test_figure_has_no_english_words(name):
    fig = FIGURES[name]()
    texts = all_text(fig)
    assert texts, f"{name} draws no text at all"
    words = {w for text in texts for w in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED
    assert not words, f"{name} writes English words {sorted(words)} in {texts}"


def test_the_check_catches_an_english_title():
    fig = figures.kernel_grid({"input": np.zeros((3, 3))})
    words = {w for text in all_text(fig) for w in re.findall(r"[A-Za-z]{2,}", text)} - ALLOWED
    assert words == {"input"}
