"""Figures of the chapters "A convnet on MNIST" (convnet-mnist.md) and its neighbours.

[`draw_architecture`][cnn_tutorial.figures.draw_architecture] draws a network as a row of boxes, one per layer,
from the shapes the model really produces, so the figure cannot drift from the
code. [`plot_training_curves`][cnn_tutorial.figures.plot_training_curves] plots the loss and accuracy that
[`cnn_tutorial.train.train`][cnn_tutorial.train.train] records. Content artists carry a ``gid``:
``"layer"`` (the front face of a layer's box), ``"layer-side"`` (the shaded
faces that give a box its depth), ``"shape"`` (the label with a layer's shape),
``"name"`` (the label with a layer's name) and ``"arrow"`` (an arrow between
two layers); in [`draw_dense`][cnn_tutorial.figures.draw_dense], ``"input"`` and ``"output"`` (a unit) and
``"edge"`` (one weight).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle

from cnn_tutorial.figures.convolution import _new_figure

__all__ = ["LAYER_COLORS", "draw_architecture", "draw_dense", "format_shape", "layer_kind",
           "plot_training_curves"]

#: Face colour of each kind of layer (see `layer_kind`).
LAYER_COLORS = {
    "input": "#bdbdbd",
    "conv": "#6baed6",
    "pool": "#74c476",
    "flatten": "#fdd0a2",
    "dense": "#fd8d3c",
    "other": "#c6dbef",
}
#: Largest number of layers drawn (more would not fit into a readable row).
MAX_LAYERS = 16

# Geometry of the boxes, in data units (one unit is about half an inch).
_MAX_HEIGHT = 3.2      # a box of the largest spatial size
_MIN_HEIGHT = 0.45     # a box of spatial size 1 (or a vector of 1 unit)
_MAX_THICKNESS = 1.1   # a box of the most channels
_MIN_THICKNESS = 0.12  # a box of one channel
_VECTOR_WIDTH = 0.28   # a 1-D layer (units)
_GAP = 1.0             # space between two boxes (holds the arrow)


def layer_kind(name: str) -> str:
    """Guess the kind of a layer from its name, to colour its box.

    Args:
        name: A layer name such as ``"conv1"``, ``"pool2"``, ``"fc"`` or ``"logits"``.

    Returns:
        ``"input"``, ``"conv"``, ``"pool"``, ``"flatten"``, ``"dense"``
        (names containing ``fc``, ``dense``, ``logits`` or ``dropout``) or ``"other"``.

    Examples:
        >>> [layer_kind(n) for n in ["input", "conv1", "pool2", "flatten", "fc", "logits", "x"]]
        ['input', 'conv', 'pool', 'flatten', 'dense', 'dense', 'other']
    """
    lowered = name.lower()
    for kind, words in (("input", ("input", "image")), ("conv", ("conv",)),
                        ("pool", ("pool",)), ("flatten", ("flat", "reshape")),
                        ("dense", ("fc", "dense", "logit", "dropout"))):
        if any(word in lowered for word in words):
            return kind
    return "other"


def format_shape(shape: Sequence[int]) -> str:
    """Write a shape as the chapters do: ``28x28x1``, ``3136``.

    Examples:
        >>> format_shape((28, 28, 1)), format_shape([3136])
        ('28x28x1', '3136')
    """
    return "x".join(str(int(d)) for d in shape)


def _check_shapes(shapes: Any) -> list[tuple[str, tuple[int, ...]]]:
    expected = ("shapes must be a non-empty list of (name, shape) pairs, where shape is a "
                "tuple of 1 to 3 positive ints without the batch dimension, e.g. "
                "[('input', (28, 28, 1)), ('fc', (1024,))]")
    if isinstance(shapes, (str, bytes, Mapping)) or not isinstance(shapes, Sequence):
        raise TypeError(f"{expected}; got {type(shapes).__name__}")
    if not shapes:
        raise ValueError(f"{expected}; got an empty list")
    if len(shapes) > MAX_LAYERS:
        raise ValueError(f"shapes must hold at most {MAX_LAYERS} layers to be drawn readably, "
                         f"got {len(shapes)}")
    checked = []
    for index, pair in enumerate(shapes):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise TypeError(f"shapes[{index}] must be a (name, shape) pair, got {pair!r}")
        name, shape = pair
        if not isinstance(name, str) or not name:
            raise TypeError(f"shapes[{index}][0] (the layer name) must be a non-empty string, "
                            f"got {name!r}")
        if hasattr(shape, "as_list"):  # a tf.TensorShape
            shape = shape.as_list()
        if not isinstance(shape, Sequence) or isinstance(shape, str):
            raise TypeError(f"shapes[{index}][1] (the shape of {name!r}) must be a tuple of "
                            f"ints, got {shape!r}")
        dims = tuple(shape)
        ok = all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
                 for d in dims)
        if not ok or not 1 <= len(dims) <= 3:
            raise ValueError(f"shapes[{index}][1] (the shape of {name!r}) must be 1 to 3 "
                             f"positive ints without the batch dimension, got {shape!r}")
        checked.append((name, tuple(int(d) for d in dims)))
    return checked


def draw_architecture(shapes: Sequence[tuple[str, Sequence[int]]], *,
                      title: str | None = None) -> Figure:
    """Draw a network as a row of boxes, one per layer, scaled by the layer's shape.

    A feature map ``H x W x C`` is a box whose height grows with ``H``, whose
    slanted depth grows with ``W`` and whose thickness grows with ``C`` (square
    root, so 64 channels are visibly thicker than 32 without crowding the row).
    A vector of ``n`` units is a thin bar whose height grows with ``log(n)``.
    Each box is labelled with the layer's name above and its shape below
    (``28x28x32``), and arrows join consecutive layers. Pass the shapes the
    model really produces (see "A convnet on MNIST", convnet-mnist.md), not
    numbers typed by hand.

    Args:
        shapes: ``[(name, shape), ...]`` in order from the input, each shape a
            tuple of 1 to 3 positive ints *without* the batch dimension:
            ``(H, W, C)``, ``(H, W)`` (one channel) or ``(units,)``. A
            ``tf.TensorShape`` is accepted as well. At most 16 layers.
        title: Optional title above the row.

    Returns:
        The figure, with one axes.

    Raises:
        TypeError: ``shapes`` is not a list of ``(str, shape)`` pairs.
        ValueError: ``shapes`` is empty or too long, or a shape is not 1 to 3
            positive ints.

    Examples:
        >>> fig = draw_architecture([("input", (28, 28, 1)), ("conv1", (28, 28, 32)),
        ...                          ("pool1", (14, 14, 32)), ("fc", (1024,))])
        >>> ax = fig.axes[0]
        >>> len([p for p in ax.patches if p.get_gid() == "layer"])
        4
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "shape"]
        ['28x28x1', '28x28x32', '14x14x32', '1024']
        >>> len([p for p in ax.patches if p.get_gid() == "arrow"])
        3
    """
    checked = _check_shapes(shapes)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {title!r}")
    spatial = [dims for _, dims in checked if len(dims) >= 2]
    max_side = max((max(d[0], d[1]) for d in spatial), default=1)
    max_channels = max((d[2] if len(d) == 3 else 1 for d in spatial), default=1)
    max_units = max((d[0] for _, d in checked if len(d) == 1), default=1)

    def height_of(side: int) -> float:
        return _MIN_HEIGHT + (_MAX_HEIGHT - _MIN_HEIGHT) * (side - 1) / max(max_side - 1, 1)

    boxes = []  # (x, width, height, depth) of each front face
    x = 0.0
    for _, dims in checked:
        if len(dims) == 1:
            # log scale: 10 and 3136 units must both be visible in one row
            fraction = math.log(dims[0]) / math.log(max_units) if max_units > 1 else 1.0
            height = _MIN_HEIGHT + (_MAX_HEIGHT - _MIN_HEIGHT) * fraction
            width, depth = _VECTOR_WIDTH, 0.0
        else:
            channels = dims[2] if len(dims) == 3 else 1
            height = height_of(dims[0])
            width = _MIN_THICKNESS + (_MAX_THICKNESS - _MIN_THICKNESS) * math.sqrt(
                (channels - 1) / max(max_channels - 1, 1))
            depth = 0.35 * height_of(dims[1])
        boxes.append((x, width, height, depth))
        x += width + depth * 0.7 + _GAP
    total_width = x - _GAP
    top = max(h + d * 0.5 for _, _, h, d in boxes)

    fig = _new_figure(max(4.0, 0.55 * total_width + 0.6), 0.55 * top + 1.4)
    ax = fig.add_subplot()
    for (name, dims), (x0, width, height, depth) in zip(checked, boxes):
        color = LAYER_COLORS[layer_kind(name)]
        y0 = (top - height) / 2 - depth * 0.25  # centre the boxes on one line
        dx, dy = depth * 0.7, depth * 0.5
        if depth:
            ax.add_patch(Polygon([(x0, y0 + height), (x0 + dx, y0 + height + dy),
                                  (x0 + width + dx, y0 + height + dy), (x0 + width, y0 + height)],
                                 closed=True, facecolor=_shade(color, 0.85), edgecolor="#444444",
                                 linewidth=0.8, gid="layer-side"))
            ax.add_patch(Polygon([(x0 + width, y0), (x0 + width + dx, y0 + dy),
                                  (x0 + width + dx, y0 + height + dy), (x0 + width, y0 + height)],
                                 closed=True, facecolor=_shade(color, 0.7), edgecolor="#444444",
                                 linewidth=0.8, gid="layer-side"))
        ax.add_patch(Rectangle((x0, y0), width, height, facecolor=color, edgecolor="#444444",
                               linewidth=0.8, gid="layer"))
        centre = x0 + (width + dx) / 2
        ax.text(centre, top + 0.35, name, ha="center", va="bottom", fontsize=9,
                fontweight="bold", gid="name")
        ax.text(centre, -0.35, format_shape(dims), ha="center", va="top", fontsize=8.5,
                gid="shape")
    for (x0, width, height, depth), (x1, _, _, _) in zip(boxes, boxes[1:]):
        start = x0 + width + depth * 0.7 + 0.08
        ax.add_patch(FancyArrowPatch((start, top / 2), (x1 - 0.08, top / 2),
                                     arrowstyle="-|>", mutation_scale=12, color="#444444",
                                     linewidth=1.0, gid="arrow"))
    ax.set_xlim(-0.4, total_width + 0.4)
    ax.set_ylim(-1.1, top + 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11)
    return fig


#: Largest number of units per side that [`draw_dense`][cnn_tutorial.figures.draw_dense] draws.
MAX_DENSE_UNITS = 12

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def draw_dense(n_inputs: int = 4, n_outputs: int = 3, *, weights: Any = None) -> Figure:
    """Draw a fully connected layer: every input unit joined to every output unit.

    Inputs ``x₁ … xₙ`` are a column of circles on the left, outputs
    ``y₁ … yₘ`` a column on the right, and each of the ``n · m`` lines is one
    weight; each output also adds its own bias (``y = x @ W + b``). With ``weights``,
    a line's width and colour show the weight's size and sign (red positive,
    blue negative). See the chapter "Fully connected layers" (fully-connected.md).

    Args:
        n_inputs: Number of input units ``n`` (1 to 12).
        n_outputs: Number of output units ``m`` (1 to 12).
        weights: Optional ``n x m`` array (the layer's weight matrix, laid out
            as in ``inputs @ weights``).

    Returns:
        The figure, with one axes.

    Raises:
        TypeError: A count is not an integer, or ``weights`` is not numeric.
        ValueError: A count is out of range, or ``weights`` has the wrong shape.

    Examples:
        >>> fig = draw_dense(4, 3)
        >>> ax = fig.axes[0]
        >>> len([line for line in ax.lines if line.get_gid() == "edge"])
        12
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "output"]
        ['y₁', 'y₂', 'y₃']
        >>> ax.get_title()
        '4 x 3 = 12 weights + 3 biases'
    """
    from cnn_tutorial._validation import check_int  # noqa: PLC0415 (no TensorFlow import)
    from cnn_tutorial.figures.convolution import _check_matrix  # noqa: PLC0415

    n_inputs = check_int("n_inputs", n_inputs)
    n_outputs = check_int("n_outputs", n_outputs)
    for name, count in (("n_inputs", n_inputs), ("n_outputs", n_outputs)):
        if count > MAX_DENSE_UNITS:
            raise ValueError(f"{name} must be at most {MAX_DENSE_UNITS} to be drawn readably, "
                             f"got {count}")
    if weights is not None:
        weights = _check_matrix("weights", weights)
        if weights.shape != (n_inputs, n_outputs):
            raise ValueError(f"weights must have shape (n_inputs, n_outputs) = "
                             f"({n_inputs}, {n_outputs}), got {weights.shape}")
    rows = max(n_inputs, n_outputs)
    fig = _new_figure(4.2, 0.55 * rows + 0.9)
    ax = fig.add_subplot()

    def ys(count: int) -> list[float]:
        offset = (rows - count) / 2
        return [offset + i + 0.5 for i in range(count)]

    left, right = ys(n_inputs), ys(n_outputs)
    scale = float(np.abs(weights).max()) if weights is not None else 0.0
    for i, y_in in enumerate(left):
        for j, y_out in enumerate(right):
            color, width = "#888888", 0.8
            if weights is not None and scale > 0:
                value = weights[i, j]
                color = "#d62728" if value > 0 else "#1f77b4"
                width = 0.3 + 2.5 * abs(value) / scale
            ax.plot([0, 3], [y_in, y_out], color=color, linewidth=width, zorder=1, gid="edge")
    for column, positions, gid, label in ((0, left, "input", "x"), (3, right, "output", "y")):
        for k, y in enumerate(positions, start=1):
            ax.add_patch(_circle((column, y), gid))
            sub = str(k).translate(_SUBSCRIPTS)
            text = f"{label}{sub}"
            ax.text(column + (-0.35 if gid == "input" else 0.35), y, text,
                    ha="right" if gid == "input" else "left", va="center", fontsize=10, gid=gid)
    ax.set_xlim(-1.2, 4.6)
    ax.set_ylim(rows + 0.8, -0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{n_inputs} x {n_outputs} = {n_inputs * n_outputs} weights "
                 f"+ {n_outputs} biases", fontsize=10)
    ax.text(1.5, rows + 0.1, "y = x @ W + b", ha="center", va="top", fontsize=10,
            family="monospace", gid="formula")
    return fig


def _circle(centre: tuple[float, float], gid: str):
    from matplotlib.patches import Circle  # noqa: PLC0415

    face = LAYER_COLORS["input"] if gid == "input" else LAYER_COLORS["dense"]
    return Circle(centre, 0.2, facecolor=face, edgecolor="#444444", linewidth=0.8, zorder=2,
                  gid=gid)


def _shade(color: str, factor: float) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb  # noqa: PLC0415 (only the boxes need it)

    return tuple(channel * factor for channel in to_rgb(color))


def _check_series(history: Mapping[str, Any], key: str, length: int | None = None
                  ) -> np.ndarray:
    values = history[key]
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"history[{key!r}] must be a list of numbers, got {values!r:.60}") \
            from None
    if array.ndim != 1:
        raise ValueError(f"history[{key!r}] must be a flat list of numbers, "
                         f"got shape {array.shape}")
    if length is not None and len(array) != length:
        raise ValueError(f"history[{key!r}] must have one value per entry of the x axis "
                         f"({length}), got {len(array)}")
    return array


def plot_training_curves(history: Mapping[str, Any], *, smooth: int = 1,
                         eval_label: str | None = None) -> Figure:
    """Plot training loss and accuracy against the training step.

    Two panels side by side: the loss on the left, the accuracy on the right
    (as a fraction in ``[0, 1]``). The per-step values of the training batches
    are thin lines; with ``smooth > 1`` a moving average over that many steps
    is drawn on top. The accuracy on the evaluation split, when present, is
    drawn as dots at the steps where it was measured (usually the end of each
    epoch).

    Args:
        history: A mapping with ``"step"`` (global step of each record),
            ``"loss"`` and optionally ``"accuracy"`` (same length as
            ``"step"``), and optionally ``"eval_step"`` with ``"eval_accuracy"``
            (same length as each other; ``"test_step"`` with
            ``"test_accuracy"`` for a history measured on the test set). This
            is the ``history`` that [`train`][cnn_tutorial.train.train] returns;
            extra keys are ignored.
        smooth: Window (in records) of the moving average; 1 draws none.
        eval_label: Legend of the evaluation dots, naming the split, e.g.
            ``"val_accuracy"`` for a validation split (default: the key,
            ``"eval_accuracy"`` or ``"test_accuracy"``).

    Every label is a key of ``history`` (or ``−log p``, ``mean(key, n)``, or
    ``eval_label``): the figure carries no English words, so one image serves
    both languages.

    Returns:
        The figure, with two axes titled ``"loss"`` and ``"accuracy"``.

    Raises:
        TypeError: ``history`` is not a mapping, or a series is not numeric.
        ValueError: A required key is missing, series lengths differ, a series
            is empty, or ``smooth`` is below 1.

    Examples:
        >>> history = {"step": [1, 2, 3, 4], "loss": [2.3, 1.2, 0.7, 0.5],
        ...            "accuracy": [0.1, 0.6, 0.8, 0.85],
        ...            "eval_step": [4], "eval_accuracy": [0.9]}
        >>> fig = plot_training_curves(history, eval_label="val_accuracy")
        >>> [ax.get_title() for ax in fig.axes]
        ['loss', 'accuracy']
        >>> [line.get_label() for line in fig.axes[1].get_lines()]
        ['accuracy', 'val_accuracy']
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a mapping with 'step' and 'loss' lists, "
                        f"got {type(history).__name__}")
    for key in ("step", "loss"):
        if key not in history:
            raise ValueError(f"history must have a {key!r} list, got keys {sorted(history)}")
    if isinstance(smooth, bool) or not isinstance(smooth, numbers.Integral) or smooth < 1:
        raise ValueError(f"smooth must be an integer >= 1, got {smooth!r}")
    steps = _check_series(history, "step")
    if len(steps) == 0:
        raise ValueError("history['step'] must not be empty (nothing was trained)")
    series = {"loss": _check_series(history, "loss", len(steps))}
    if "accuracy" in history:
        series["accuracy"] = _check_series(history, "accuracy", len(steps))
    if eval_label is not None and (not isinstance(eval_label, str) or not eval_label.strip()):
        raise ValueError(f"eval_label must be a non-empty string, got {eval_label!r}")
    test = None
    for prefix in ("eval", "test"):
        if f"{prefix}_accuracy" in history:
            if f"{prefix}_step" not in history:
                raise ValueError(f"history has '{prefix}_accuracy' but no '{prefix}_step' "
                                 f"to place it")
            test_steps = _check_series(history, f"{prefix}_step")
            test = (test_steps, _check_series(history, f"{prefix}_accuracy", len(test_steps)))
            eval_label = eval_label or f"{prefix}_accuracy"
            break

    fig = _new_figure(9.0, 3.3)
    # Shared x axis: test points alone would otherwise get a range of their own.
    ax_loss, ax_acc = fig.subplots(1, 2, sharex=True)
    for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        values = series.get(key)
        if values is not None:
            raw_alpha = 0.35 if smooth > 1 else 1.0
            ax.plot(steps, values, color="#1f77b4", linewidth=0.8, alpha=raw_alpha,
                    label=key)
            if smooth > 1 and len(values) >= smooth:
                kernel = np.ones(smooth) / smooth
                ax.plot(steps[smooth - 1:], np.convolve(values, kernel, mode="valid"),
                        color="#1f77b4", linewidth=1.8, label=f"mean({key}, {smooth})")
        ax.set_title(key)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if test is not None and len(test[0]):
        ax_acc.plot(test[0], test[1], "o", color="#d62728", markersize=6, label=eval_label)
    ax_loss.set_ylabel("−log p")
    ax_acc.set_ylim(0, 1.02)
    if ax_acc.get_lines():
        ax_acc.legend(loc="lower right", fontsize=8)
    if len(ax_loss.get_lines()) > 1:
        ax_loss.legend(loc="upper right", fontsize=8)
    return fig
