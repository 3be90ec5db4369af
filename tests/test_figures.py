"""Tests of cnn_tutorial.figures: each figure must show what TensorFlow computes.

The figures draw numbers, windows and padding; these tests read those artists
back (by their ``gid``) and compare them with ``tf.nn`` results, so a figure
that drifts from TensorFlow's rules fails here, not on a reader's screen.
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnn_tutorial import figures  # noqa: E402
from cnn_tutorial.figures.convolution import cross_correlate_valid, format_value  # noqa: E402

GRID = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]], dtype=np.float32)


def with_gid(artists, gid):
    return [artist for artist in artists if artist.get_gid() == gid]


def render_strictly(fig: Figure) -> bytes:
    """Render to PNG with every warning an error (a missing glyph would warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = fig._repr_png_()
    assert png[:4] == b"\x89PNG"
    return png


@pytest.fixture(autouse=True)
def no_pyplot_figures_left():
    yield
    # The package builds figures without pyplot, so nothing stays open there.
    assert plt.get_fignums() == []


# --- kernel_grid ----------------------------------------------------------------------------

def test_kernel_grid_titles_layout_and_sizes():
    images = {"input": np.zeros((6, 8)), "colour": np.ones((6, 8, 3)),
              "one channel": np.full((5, 5, 1), 0.5), "uint8": np.full((4, 4), 255, np.uint8),
              "fifth": np.zeros((3, 3))}
    fig = figures.kernel_grid(images, ncols=2)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == [
        "input (6x8)", "colour (6x8)", "one channel (5x5)", "uint8 (4x4)", "fifth (3x3)"]
    # Five panels on two columns: three rows, the unused sixth axes removed.
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(rows) == 3
    assert float(fig.axes[3].images[0].get_array().max()) == 1.0  # uint8 255 -> 1.0
    render_strictly(fig)


def test_kernel_grid_clip_and_minmax_normalisation():
    edges = np.array([[-2.0, 0.0], [0.5, 3.0]])
    clipped = figures.kernel_grid({"e": edges}).axes[0].images[0].get_array()
    assert np.asarray(clipped).tolist() == [[0.0, 0.0], [0.5, 1.0]]
    stretched = figures.kernel_grid({"e": edges}, normalize="minmax").axes[0].images[0]
    assert np.allclose(np.asarray(stretched.get_array()), (edges + 2) / 5)
    flat = figures.kernel_grid({"flat": np.full((2, 2), 7.0)}, normalize="minmax")
    assert np.asarray(flat.axes[0].images[0].get_array()).max() == 0.0


@pytest.mark.parametrize(("images", "error", "message"), [
    ({}, TypeError, "images must be a non-empty mapping"),
    ([np.zeros((2, 2))], TypeError, "images must be a non-empty mapping"),
    ({"a": np.zeros((2, 2, 2))}, ValueError, "images['a'] must be H x W"),
    ({"a": np.zeros(4)}, ValueError, "images['a'] must be H x W"),
    ({"a": np.array([[np.nan]])}, ValueError, "finite"),
    ({"a": np.array([["x"]])}, TypeError, "images['a'] must be an array of numbers"),
])
def test_kernel_grid_rejects_bad_images(images, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        figures.kernel_grid(images)


def test_kernel_grid_rejects_bad_options():
    with pytest.raises(ValueError, match="normalize must be one of 'clip', 'minmax'"):
        figures.kernel_grid({"a": np.zeros((2, 2))}, normalize="auto")
    with pytest.raises(ValueError, match="ncols must be an integer >= 1"):
        figures.kernel_grid({"a": np.zeros((2, 2))}, ncols=0)
    with pytest.raises(ValueError, match="panel_size must be a positive number"):
        figures.kernel_grid({"a": np.zeros((2, 2))}, panel_size=0)


# --- draw_kernels / draw_kernel ---------------------------------------------------------------

def test_draw_kernels_writes_every_value_sum_and_sign_colour():
    kernels = {"top_sobel": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
               "gaussian": [[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125],
                            [0.0625, 0.125, 0.0625]],
               "box": np.full((3, 3), 1 / 9)}
    fig = figures.draw_kernels(kernels)
    assert [ax.get_title() for ax in fig.axes] == [
        "top_sobel (Σ=0)", "gaussian (Σ=1)", "box (Σ=1)"]
    for ax, kernel in zip(fig.axes, kernels.values()):
        shown = [t.get_text() for t in with_gid(ax.texts, "value")]
        assert shown == [format_value(v) for v in np.ravel(kernel)]
    cells = with_gid(fig.axes[0].patches, "cell")
    red, _, blue, _ = cells[1].get_facecolor(), None, cells[7].get_facecolor(), None
    assert red[0] > red[2] and blue[2] > blue[0]  # +2 reddish, -2 bluish
    assert cells[4].get_facecolor()[:3] == pytest.approx(
        cells[3].get_facecolor()[:3])  # zeros share one (white-ish) colour
    assert [t.get_text() for t in fig.axes[2].texts][:1] == ["0.111"]
    render_strictly(fig)


def test_draw_kernel_single_and_errors():
    fig = figures.draw_kernel(np.eye(3), "diag")
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "diag (Σ=3)"
    with pytest.raises(ValueError, match="kernels\\['big'\\] must be at most 9 x 9"):
        figures.draw_kernels({"big": np.ones((10, 10))})
    with pytest.raises(ValueError, match="non-empty 2-D array"):
        figures.draw_kernel([1, 2, 3])
    with pytest.raises(TypeError, match="title must be a string"):
        figures.draw_kernel(np.eye(3), title=3)
    with pytest.raises(TypeError, match="kernels must be a non-empty mapping"):
        figures.draw_kernels({})


# --- draw_weighted_sum ----------------------------------------------------------------------

def test_cross_correlation_reference_matches_tf_conv2d():
    rng = np.random.default_rng(0)
    image = rng.integers(-5, 6, size=(6, 7)).astype(np.float32)
    kernel = rng.integers(-3, 4, size=(3, 2)).astype(np.float32)
    expected = tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], strides=1,
                            padding="VALID")[0, :, :, 0].numpy()
    assert np.array_equal(cross_correlate_valid(image, kernel), expected)


def test_draw_weighted_sum_highlights_window_and_result():
    image = np.array([[3, 0, 1, 2, 7], [1, 5, 8, 9, 3], [2, 7, 2, 5, 1],
                      [0, 1, 3, 1, 7], [4, 2, 1, 6, 2]], dtype=np.float32)
    kernel = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=np.float32)
    fig = figures.draw_weighted_sum(image, kernel, row=1, col=2)
    ax_in, ax_kernel, ax_out = fig.axes
    (window,) = with_gid(ax_in.patches, "window")
    assert window.get_xy() == (2, 1) and (window.get_width(), window.get_height()) == (3, 3)
    expected = tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], 1,
                            "VALID")[0, :, :, 0].numpy()
    shown = np.array([float(t.get_text()) for t in with_gid(ax_out.texts, "value")
                      + with_gid(ax_out.texts, "result")])
    assert sorted(shown.tolist()) == sorted(expected.ravel().tolist())
    (result,) = with_gid(ax_out.texts, "result")
    assert float(result.get_text()) == expected[1, 2] == 7
    assert fig.get_supxlabel().endswith("= 7")
    assert fig.get_supxlabel().count("·") == 9
    render_strictly(fig)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"row": 3}, ValueError, r"\(row, col\) must lie inside the 3 x 3 output, got \(3, 0\)"),
    ({"col": -1}, ValueError, "col must be an integer >= 0"),
    ({"row": 1.5}, TypeError, "row must be an integer >= 0"),
    ({"kernel": np.ones((6, 1))}, ValueError, "must be at most 5 x 5"),
    ({"image": np.ones((2, 2))}, ValueError, r"kernel \(3 x 3\) must not be larger"),
    ({"image": np.ones((13, 13))}, ValueError, "image must be at most 12 x 12"),
])
def test_draw_weighted_sum_rejects_bad_arguments(kwargs, error, message):
    arguments = {"image": np.ones((5, 5)), "kernel": np.ones((3, 3))} | kwargs
    with pytest.raises(error, match=message):
        figures.draw_weighted_sum(**arguments)


# --- padding_plan / draw_padding / draw_padded_grid -----------------------------------------

def _reads_according_to_tf(size, kernel_size, stride, padding, dilation):
    """Which input cells each output cell reads, found by feeding one-hot inputs to TF."""
    one_hot = np.eye(size, dtype=np.float32).reshape(size, 1, size, 1)
    kernel = np.ones((1, kernel_size, 1, 1), np.float32)
    if isinstance(padding, int):
        tf_padding = [[0, 0], [0, 0], [padding, padding], [0, 0]]
    else:
        tf_padding = padding
    out = tf.nn.conv2d(one_hot, kernel, strides=[1, 1, stride, 1], padding=tf_padding,
                       dilations=[1, 1, dilation, 1]).numpy()[:, 0, :, 0]  # input x output
    return [sorted(np.flatnonzero(out[:, j]).tolist()) for j in range(out.shape[1])]


@pytest.mark.parametrize("dilation", [1, 2, 3])
@pytest.mark.parametrize("padding", ["SAME", "VALID", 1])
def test_padding_plan_reads_exactly_what_tf_reads(padding, dilation):
    checked = 0
    for size in range(1, 10):
        for kernel_size in range(1, 5):
            for stride in range(1, 4):
                case = f"size={size} kernel={kernel_size} stride={stride}"
                effective = (kernel_size - 1) * dilation + 1
                padded = size + (2 * padding if isinstance(padding, int) else 0)
                if padding != "SAME" and effective > padded:
                    # No valid window; TF's oneDNN path returns nonsense shapes here,
                    # so only our own error is checked.
                    with pytest.raises(ValueError, match="no valid window"):
                        figures.padding_plan(size, kernel_size, stride, padding, dilation)
                    continue
                plan = figures.padding_plan(size, kernel_size, stride, padding, dilation)
                reads = _reads_according_to_tf(size, kernel_size, stride, padding, dilation)
                assert plan["output"] == len(reads), case
                inside = [[cell for cell in taps if 0 <= cell < size] for taps in plan["taps"]]
                assert inside == reads, case
                assert plan["unused"] == sorted(set(range(size)) - {c for r in reads for c in r})
                total = plan["before"] + plan["after"]
                if padding == "SAME":
                    assert total == max((plan["output"] - 1) * stride + effective - size, 0)
                    assert plan["after"] - plan["before"] in (0, 1), case  # odd cell at the end
                else:
                    assert total == (2 * padding if isinstance(padding, int) else 0)
                checked += 1
    assert checked > 50


def test_draw_padding_lecture_example_same_and_valid():
    same = figures.draw_padding(13, 6, stride=5, padding="SAME").axes[0]
    assert len(with_gid(same.patches, "window")) == 3
    assert [p.get_x() for p in with_gid(same.patches, "padding")] == [-1, 13, 14]
    assert len(with_gid(same.patches, "tap")) == 3 * 6
    assert not with_gid(same.patches, "unused")
    assert same.get_title() == "W=13, F=6, S=5, 'SAME': P=(1, 2) → 3"

    valid = figures.draw_padding(13, 6, stride=5, padding="VALID").axes[0]
    assert [p.get_x() for p in with_gid(valid.patches, "window")] == [0, 5]
    assert not with_gid(valid.patches, "padding")
    assert [p.get_x() for p in with_gid(valid.patches, "unused")] == [11, 12]
    assert [t.get_text() for t in with_gid(valid.texts, "output")] == ["y[0]", "y[1]"]


def test_draw_padding_dilation_and_explicit_padding():
    ax = figures.draw_padding(7, 3, stride=2, padding="VALID", dilation=2).axes[0]
    windows = with_gid(ax.patches, "window")
    assert [(w.get_x(), w.get_width()) for w in windows] == [(0, 5), (2, 5)]
    assert [p.get_x() for p in with_gid(ax.patches, "unused")] == [1, 3, 5]
    assert "D=2" in ax.get_title()
    ax = figures.draw_padding(28, 5, padding=2).axes[0]
    assert len(with_gid(ax.patches, "window")) == 28
    assert len(with_gid(ax.patches, "padding")) == 4
    render_strictly(ax.figure)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"size": 41}, ValueError, "size must be at most 40 cells"),
    ({"size": 0}, ValueError, "size must be an integer >= 1"),
    ({"kernel_size": 9, "padding": "VALID"}, ValueError, "no valid window|window must fit"),
    ({"padding": "same!"}, ValueError, "padding must be 'SAME', 'VALID' or a non-negative int"),
    ({"padding": -1}, ValueError, "padding must be 'SAME', 'VALID' or a non-negative int"),
    ({"stride": 0}, ValueError, "stride must be an integer >= 1"),
    ({"dilation": 2.0}, TypeError, "dilation must be an integer >= 1"),
])
def test_draw_padding_rejects_bad_arguments(kwargs, error, message):
    arguments = {"size": 7, "kernel_size": 3} | kwargs
    with pytest.raises(error, match=message):
        figures.draw_padding(**arguments)


@pytest.mark.parametrize(("size", "kernel_size", "stride", "padding"), [
    (5, 3, 1, 1), (7, 3, 2, "SAME"), (6, 4, 1, "SAME"), (7, 3, 2, "VALID"), (1, 1, 1, "VALID")])
def test_draw_padded_grid_counts_cells(size, kernel_size, stride, padding):
    plan = figures.padding_plan(size, kernel_size, stride, padding)
    fig = figures.draw_padded_grid(size, kernel_size, stride, padding)
    ax_in, ax_out = fig.axes
    total = size + plan["before"] + plan["after"]
    assert len(with_gid(ax_in.patches, "input")) == size * size
    assert len(with_gid(ax_in.patches, "padding")) == total * total - size * size
    windows = with_gid(ax_in.patches, "window")
    assert len(windows) == min(2, plan["output"])
    assert [w.get_x() for w in windows] == plan["starts"][:2]
    assert len(with_gid(ax_out.patches, "output")) == plan["output"] ** 2
    assert ax_out.get_title() == f"y {plan['output']}x{plan['output']}"


def test_draw_padded_grid_rejects_large_input():
    with pytest.raises(ValueError, match="size must be at most 16 cells"):
        figures.draw_padded_grid(17, 3)


# --- draw_pooling ---------------------------------------------------------------------------

@pytest.mark.parametrize(("grid", "pool_size", "stride"), [
    (GRID, 2, None), (np.arange(25.0).reshape(5, 5) % 7, 3, 2),
    (np.arange(30.0).reshape(5, 6) % 4, 2, 1), (GRID, 4, None)])
def test_draw_pooling_matches_tf_pooling(grid, pool_size, stride):
    fig = figures.draw_pooling(grid, pool_size, stride, mode="both")
    ax_in, ax_max, ax_avg = fig.axes
    step = pool_size if stride is None else stride
    batch = np.asarray(grid, np.float32)[None, :, :, None]
    tf_max = tf.nn.max_pool2d(batch, pool_size, step, "VALID")[0, :, :, 0].numpy()
    tf_avg = tf.nn.avg_pool2d(batch, pool_size, step, "VALID")[0, :, :, 0].numpy()
    assert len(with_gid(ax_in.patches, "window")) == tf_max.size
    assert len(with_gid(ax_max.patches, "output")) == tf_max.size
    assert [t.get_text() for t in ax_max.texts] == [format_value(v) for v in tf_max.ravel()]
    assert [t.get_text() for t in ax_avg.texts] == [format_value(v) for v in tf_avg.ravel()]
    # Each window's colour is its output cell's colour.
    window_colours = [to_rgba(p.get_edgecolor())[:3] for p in with_gid(ax_in.patches, "window")]
    assert len(set(window_colours)) == min(tf_max.size, 8)


def test_draw_pooling_marks_the_kept_maximum():
    fig = figures.draw_pooling(GRID, 2, mode="max")
    assert len(fig.axes) == 2 and fig.axes[1].get_title() == "max 2x2"
    kept = with_gid(fig.axes[0].texts, "max")
    assert sorted(float(t.get_text()) for t in kept) == [2, 2, 4, 8]
    assert all(t.get_fontweight() == "bold" for t in kept)
    avg = figures.draw_pooling(GRID, 2, mode="avg")
    assert not with_gid(avg.axes[0].texts, "max")
    assert [t.get_text() for t in avg.axes[1].texts] == ["2.5", "1", "1.25", "6.5"]
    render_strictly(fig)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"mode": "min"}, ValueError, "mode must be one of 'max', 'avg', 'both'"),
    ({"pool_size": 5}, ValueError, "pool_size must be at most the grid's height and width"),
    ({"pool_size": 0}, ValueError, "pool_size must be an integer >= 1"),
    ({"stride": 0}, ValueError, "stride must be an integer >= 1"),
    ({"grid": np.ones((13, 2))}, ValueError, "grid must be at most 12 x 12"),
    ({"grid": [[1, "a"]]}, TypeError, "grid must be a 2-D array of numbers"),
])
def test_draw_pooling_rejects_bad_arguments(kwargs, error, message):
    arguments = {"grid": GRID, "pool_size": 2} | kwargs
    with pytest.raises(error, match=message):
        figures.draw_pooling(**arguments)


# --- shared ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_public_figure_shows_once_as_png():
    drawn = [figures.kernel_grid({"a": np.zeros((2, 2))}), figures.draw_kernel(np.eye(3)),
             figures.draw_weighted_sum(np.eye(4), np.ones((2, 2))),
             figures.draw_padding(5, 3), figures.draw_padded_grid(5, 3),
             figures.draw_pooling(GRID),
             figures.draw_receptive_fields([Conv(1, 3, name="a"), Pool(2, name="b")])]
    for fig in drawn:
        assert isinstance(fig, figures.TutorialFigure)
        render_strictly(fig)
    assert set(figures.__all__) >= {"kernel_grid", "draw_kernels", "draw_kernel",
                                     "draw_weighted_sum", "draw_padding", "draw_padded_grid",
                                     "draw_pooling"}


# --- draw_receptive_fields ------------------------------------------------------------------

from cnn_tutorial.arithmetic import LECTURE_NETWORK, Conv, Pool, receptive_field  # noqa: E402


def test_draw_receptive_fields_draws_each_layers_field_at_its_size():
    digit = np.zeros((28, 28), np.float32)
    fig = figures.draw_receptive_fields(LECTURE_NETWORK[:4], digit)
    sizes = [int(p.get_width()) for ax in fig.axes for p in ax.patches if p.get_gid() == "field"]
    assert sizes == [row.size for row in receptive_field(LECTURE_NETWORK[:4])] == [5, 6, 14, 16]
    assert [ax.get_title() for ax in fig.axes] == ["conv1: 5", "pool1: 6", "conv2: 14",
                                                   "pool2: 16"]
    # Each field lies inside the next one.
    windows = figures.nested_windows(LECTURE_NETWORK[:4], 28)
    for (_, a, b), (_, c, d) in zip(windows, windows[1:]):
        assert c <= a and b <= d
    render_strictly(fig)


def test_draw_receptive_fields_rejects_bad_arguments():
    with pytest.raises(ValueError, match="image must be a square 2-D array"):
        figures.draw_receptive_fields(LECTURE_NETWORK[:4], np.zeros((28, 27)))
    with pytest.raises(ValueError, match="layers must have distinct names"):
        figures.draw_receptive_fields([Conv(1, 3), Conv(1, 3)])
