"""Tests of cnn_tutorial.figures.learned: channel_grid shows every channel, on one scale."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_tutorial.figures import channel_grid


def _images(fig):
    return [im for ax in fig.axes for im in ax.images if im.get_gid() == "channel"]


def test_one_panel_per_kernel_channel_in_order():
    kernel = np.arange(5 * 5 * 32, dtype=np.float32).reshape(5, 5, 1, 32) - 400
    fig = channel_grid(kernel, ncols=8)
    images = _images(fig)
    assert len(images) == 32
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in range(32)]
    np.testing.assert_array_equal(images[7].get_array(), kernel[:, :, 0, 7])


def test_kernels_share_a_scale_centred_on_zero():
    kernel = np.zeros((3, 3, 1, 2))
    kernel[0, 0, 0, 0], kernel[1, 1, 0, 1] = -2.0, 0.5
    images = _images(channel_grid(kernel))
    assert {im.get_clim() for im in images} == {(-2.0, 2.0)}
    assert images[0].get_cmap().name == "RdBu_r"


def test_feature_maps_are_gray_from_zero_and_accept_a_batch_of_one():
    maps = np.random.default_rng(0).uniform(0, 3, (1, 14, 14, 64))
    images = _images(channel_grid(maps, ncols=16))
    assert len(images) == 64 and images[0].get_cmap().name == "gray"
    assert images[0].get_clim() == (0.0, float(maps.max()))


def test_signed_can_be_forced():
    assert _images(channel_grid(np.ones((2, 2, 3)), signed=True))[0].get_cmap().name == "RdBu_r"


@pytest.mark.parametrize("values, error, match", [
    (np.zeros((5, 5, 3, 8)), ValueError, "k x k x 1 x C kernel"),
    (np.zeros((2, 2, 200)), ValueError, "at most 128"),
    (np.full((2, 2, 2), np.nan), ValueError, "NaN"),
    ("abc", TypeError, "numeric array"),
])
def test_bad_values_are_refused(values, error, match):
    with pytest.raises(error, match=match):
        channel_grid(values)


@pytest.mark.parametrize("kwargs, match", [({"ncols": 0}, "ncols"),
                                          ({"panel_size": -1}, "panel_size")])
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        channel_grid(np.zeros((2, 2, 2)), **kwargs)


def _words(fig):
    import re

    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return {w for text in texts for w in re.findall(r"[A-Za-z]{2,}", text)}


def test_the_mnist_chapter_figures_carry_no_english_words():
    """One image serves the Korean and the English page: only code names may appear."""
    from cnn_tutorial.figures import plot_training_curves

    assert _words(channel_grid(np.ones((5, 5, 1, 4)))) == set()
    history = {"step": [1, 2, 3], "loss": [2.0, 1.0, 0.5], "accuracy": [0.2, 0.5, 0.7],
               "test_step": [3], "test_accuracy": [0.8]}
    words = _words(plot_training_curves(history, smooth=2))
    assert words <= {"loss", "accuracy", "test_accuracy", "step", "mean", "test", "log"}, words
