"""Tests of cnn_tutorial.figures.network: the architecture figure and the training curves."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from cnn_tutorial.figures import network
from cnn_tutorial.figures.network import draw_architecture, plot_training_curves

LECTURE_SHAPES = [
    ("input", (28, 28, 1)),
    ("conv1", (28, 28, 32)),
    ("pool1", (14, 14, 32)),
    ("conv2", (14, 14, 64)),
    ("pool2", (7, 7, 64)),
    ("flatten", (3136,)),
    ("fc", (1024,)),
    ("logits", (10,)),
]


def _by_gid(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def _layer_boxes(fig):
    return _by_gid(fig.axes[0], "layer")


def test_architecture_has_one_labelled_box_per_layer():
    fig = draw_architecture(LECTURE_SHAPES)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(_layer_boxes(fig)) == 8
    assert _texts(ax, "name") == [name for name, _ in LECTURE_SHAPES]
    assert _texts(ax, "shape") == ["28x28x1", "28x28x32", "14x14x32", "14x14x64", "7x7x64",
                                   "3136", "1024", "10"]
    assert len(_by_gid(ax, "arrow")) == 7
    # only the feature maps get the two shaded faces that show depth
    assert len(_by_gid(ax, "layer-side")) == 2 * 5


def test_architecture_boxes_are_in_order_and_do_not_overlap():
    boxes = _layer_boxes(draw_architecture(LECTURE_SHAPES))
    lefts = [b.get_x() for b in boxes]
    rights = [b.get_x() + b.get_width() for b in boxes]
    assert lefts == sorted(lefts)
    assert all(right < left for right, left in zip(rights, lefts[1:]))


def test_architecture_box_sizes_follow_the_shapes():
    names = [name for name, _ in LECTURE_SHAPES]
    boxes = dict(zip(names, _layer_boxes(draw_architecture(LECTURE_SHAPES))))
    height = {name: box.get_height() for name, box in boxes.items()}
    width = {name: box.get_width() for name, box in boxes.items()}
    # spatial size: 28 > 14 > 7; pooling keeps the channels, so the thickness stays
    assert height["conv1"] == pytest.approx(height["input"])
    assert height["conv1"] > height["pool1"] > height["pool2"]
    assert height["pool1"] == pytest.approx(height["conv2"])
    assert width["conv1"] == pytest.approx(width["pool1"])
    assert width["conv2"] > width["conv1"] > width["input"]
    # vectors: more units, taller bar
    assert height["flatten"] > height["fc"] > height["logits"]


def test_architecture_colours_layers_by_kind():
    boxes = _layer_boxes(draw_architecture(LECTURE_SHAPES))
    colors = [tuple(np.round(b.get_facecolor()[:3], 3)) for b in boxes]
    assert colors[1] == colors[3]  # conv1, conv2
    assert colors[2] == colors[4]  # pool1, pool2
    assert colors[1] != colors[2]
    assert colors[6] == colors[7]  # fc, logits


def test_architecture_accepts_tensorshape_and_two_d_shapes():
    tf = pytest.importorskip("tensorflow")
    fig = draw_architecture([("image", tf.TensorShape([5, 6])), ("dense", tf.TensorShape([3]))],
                            title="tiny")
    assert _texts(fig.axes[0], "shape") == ["5x6", "3"]
    assert fig.axes[0].get_title() == "tiny"


def test_architecture_of_a_single_layer_has_no_arrow():
    fig = draw_architecture([("fc", (1,))])
    assert len(_layer_boxes(fig)) == 1
    assert not _by_gid(fig.axes[0], "arrow")


def test_architecture_renders_to_png():
    png = draw_architecture(LECTURE_SHAPES)._repr_png_()
    assert png[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("shapes", "error", "message"),
    [
        ([], ValueError, "non-empty list"),
        ("conv1", TypeError, "got str"),
        ({"conv1": (28, 28, 32)}, TypeError, "got dict"),
        ([("conv1",)], TypeError, r"shapes\[0\] must be a \(name, shape\) pair"),
        ([(1, (28, 28, 32))], TypeError, "layer name"),
        ([("conv1", "28x28")], TypeError, "must be a tuple of ints"),
        ([("conv1", (None, 28, 28, 32))], ValueError, "without the batch dimension"),
        ([("conv1", (28, 0, 32))], ValueError, "positive ints"),
        ([("conv1", (28, 28.0, 32))], ValueError, "positive ints"),
        ([("conv1", ())], ValueError, "1 to 3"),
        ([("x", (1,))] * 17, ValueError, "at most 16"),
    ],
)
def test_architecture_rejects_bad_shapes(shapes, error, message):
    with pytest.raises(error, match=message):
        draw_architecture(shapes)


def test_architecture_rejects_a_non_string_title():
    with pytest.raises(TypeError, match="title must be a string"):
        draw_architecture(LECTURE_SHAPES, title=3)


def test_layer_kind_and_format_shape():
    assert network.layer_kind("Conv2D_1") == "conv"
    assert network.layer_kind("max_pooling2d") == "pool"
    assert network.layer_kind("dense_1") == "dense"
    assert network.format_shape((7, 7, 64)) == "7x7x64"


HISTORY = {
    "step": [1, 2, 3, 4, 5, 6],
    "loss": [2.3, 1.5, 1.0, 0.7, 0.6, 0.5],
    "accuracy": [0.1, 0.5, 0.7, 0.8, 0.85, 0.9],
    "test_step": [3, 6],
    "test_accuracy": [0.8, 0.95],
}


def test_training_curves_plot_every_series():
    fig = plot_training_curves(HISTORY)
    ax_loss, ax_acc = fig.axes
    assert (ax_loss.get_title(), ax_acc.get_title()) == ("loss", "accuracy")
    (loss_line,) = ax_loss.get_lines()
    assert list(loss_line.get_xdata()) == HISTORY["step"]
    assert list(loss_line.get_ydata()) == HISTORY["loss"]
    train_line, test_line = ax_acc.get_lines()
    assert list(train_line.get_ydata()) == HISTORY["accuracy"]
    assert list(test_line.get_xdata()) == [3, 6]
    assert list(test_line.get_ydata()) == [0.8, 0.95]
    assert ax_acc.get_ylim() == pytest.approx((0, 1.02))


def test_training_curves_name_the_evaluation_split():
    history = {**{k: HISTORY[k] for k in ("step", "loss", "accuracy")},
               "eval_step": [3, 6], "eval_accuracy": [0.8, 0.95]}
    _, ax_acc = plot_training_curves(history, eval_label="val_accuracy").axes
    assert [line.get_label() for line in ax_acc.get_lines()] == ["accuracy", "val_accuracy"]
    assert list(ax_acc.get_lines()[1].get_ydata()) == [0.8, 0.95]
    _, ax_acc = plot_training_curves(history).axes
    assert ax_acc.get_lines()[1].get_label() == "eval_accuracy"
    _, ax_acc = plot_training_curves(HISTORY).axes  # a history measured on the test set
    assert ax_acc.get_lines()[1].get_label() == "test_accuracy"
    with pytest.raises(ValueError, match="eval_label must be a non-empty string"):
        plot_training_curves(history, eval_label=" ")


def test_training_curves_smoothing_adds_a_moving_average():
    fig = plot_training_curves(HISTORY, smooth=3)
    raw, mean = fig.axes[0].get_lines()
    assert mean.get_label() == "mean(loss, 3)"
    assert list(mean.get_xdata()) == [3, 4, 5, 6]
    assert list(mean.get_ydata()) == pytest.approx(np.convolve(HISTORY["loss"], np.ones(3) / 3,
                                                               mode="valid").tolist())


def test_training_curves_share_the_step_axis():
    fig = plot_training_curves({"step": [1, 2, 3, 60], "loss": [2.0, 1.0, 0.5, 0.1],
                                "test_step": [60], "test_accuracy": [0.9]})
    ax_loss, ax_acc = fig.axes
    assert ax_acc.get_xlim() == ax_loss.get_xlim()
    assert ax_acc.get_xlim()[0] < 1


def test_training_curves_without_accuracy_or_test():
    fig = plot_training_curves({"step": [1, 2], "loss": [1.0, 0.5], "extra": "ignored"})
    assert len(fig.axes[0].get_lines()) == 1
    assert not fig.axes[1].get_lines()


@pytest.mark.parametrize(
    ("history", "kwargs", "error", "message"),
    [
        ([1, 2], {}, TypeError, "history must be a mapping"),
        ({"loss": [1.0]}, {}, ValueError, "'step'"),
        ({"step": [1]}, {}, ValueError, "'loss'"),
        ({"step": [], "loss": []}, {}, ValueError, "must not be empty"),
        ({"step": [1, 2], "loss": [1.0]}, {}, ValueError, r"history\['loss'\].*\(2\), got 1"),
        ({"step": [1], "loss": ["a"]}, {}, TypeError, "list of numbers"),
        ({"step": [1], "loss": [[1.0]]}, {}, ValueError, "flat list"),
        ({"step": [1], "loss": [1.0], "test_accuracy": [0.9]}, {}, ValueError, "test_step"),
        ({"step": [1], "loss": [1.0], "test_step": [1, 2], "test_accuracy": [0.9]}, {},
         ValueError, "test_accuracy"),
        (HISTORY, {"smooth": 0}, ValueError, "smooth must be an integer >= 1"),
        (HISTORY, {"smooth": 2.0}, ValueError, "smooth must be an integer >= 1"),
    ],
)
def test_training_curves_reject_bad_history(history, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_training_curves(history, **kwargs)


def test_dense_joins_every_input_to_every_output():
    fig = network.draw_dense(5, 3)
    ax = fig.axes[0]
    edges = [line for line in ax.lines if line.get_gid() == "edge"]
    assert len(edges) == 15
    # each (input, output) pair exactly once
    pairs = {(line.get_ydata()[0], line.get_ydata()[1]) for line in edges}
    assert len(pairs) == 15
    assert len([p for p in ax.patches if p.get_gid() == "input"]) == 5
    assert len([p for p in ax.patches if p.get_gid() == "output"]) == 3
    assert _texts(ax, "input") == ["x₁", "x₂", "x₃", "x₄", "x₅"]
    assert ax.get_title() == "5 x 3 = 15 weights + 3 biases"


def test_dense_weights_set_edge_colour_and_width():
    weights = np.array([[2.0, -1.0], [0.5, 0.0]])
    edges = [line for line in network.draw_dense(2, 2, weights=weights).axes[0].lines
             if line.get_gid() == "edge"]
    widths = [line.get_linewidth() for line in edges]
    assert widths[0] == max(widths)  # |2.0| is the largest weight
    assert widths[3] == min(widths)  # 0.0 the smallest
    assert edges[0].get_color() != edges[1].get_color()  # positive vs negative


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((0, 3), {}, ValueError, "n_inputs must be an integer >= 1"),
        ((3, 13), {}, ValueError, "n_outputs must be at most 12"),
        ((2.0, 3), {}, TypeError, "n_inputs"),
        ((2, 3), {"weights": np.zeros((3, 2))}, ValueError, r"weights must have shape"),
        ((2, 3), {"weights": [["a"] * 3] * 2}, TypeError, "weights"),
    ],
)
def test_dense_rejects_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        network.draw_dense(*args, **kwargs)
