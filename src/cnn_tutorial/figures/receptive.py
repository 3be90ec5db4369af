"""Figure of the receptive field section of "Padding, stride and output size" (padding-stride.md).

The squares come from `cnn_tutorial.arithmetic.receptive_window`, so the
figure shows the same field sizes the chapter computes. Content artists carry a
``gid``: ``"field"`` (one layer's receptive field, a square outline); each
panel's title is the layer's name and the field's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnn_tutorial._validation import check_int, describe_array
from cnn_tutorial.arithmetic import LayerSpec, receptive_field, receptive_window
from cnn_tutorial.figures.convolution import TITLE_SIZE, _new_figure
from cnn_tutorial.figures.padding import WINDOW_COLORS

__all__ = ["draw_receptive_fields", "nested_windows"]


def nested_windows(layers: Sequence[LayerSpec], input_size: int) -> list[tuple[str, int, int]]:
    """One receptive field per layer, chosen so that each lies inside the next.

    The last layer's middle value is taken; for every shorter prefix of the
    stack, the output whose window is centred closest to the last one's centre
    (and lies inside it) is taken.

    Args:
        layers: Convolution and pooling layers, as for
            `cnn_tutorial.arithmetic.receptive_field`.
        input_size: Side of the square input (>= 1).

    Returns:
        ``(name, first, last)`` per layer, in input pixels along one axis.

    Examples:
        >>> from cnn_tutorial.arithmetic import LECTURE_NETWORK
        >>> nested_windows(LECTURE_NETWORK[:4], 28)
        [('conv1', 11, 15), ('pool1', 10, 15), ('conv2', 6, 19), ('pool2', 6, 21)]
    """
    layers = list(layers)
    rows = receptive_field(layers)
    input_size = check_int("input_size", input_size)
    # The output size of each prefix: the largest index receptive_window accepts.
    prefixes = [layers[:layers.index(next(layer for layer in layers
                                         if getattr(layer, "name", None) == row.name)) + 1]
                for row in rows]
    sizes = []
    for prefix in prefixes:
        count = 1
        while True:
            try:
                receptive_window(prefix, count, input_size)
            except ValueError:
                break
            count += 1
        sizes.append(count)
    first, last = receptive_window(prefixes[-1], sizes[-1] // 2, input_size)
    windows = []
    for row, prefix, count in zip(rows, prefixes, sizes):
        candidates = [receptive_window(prefix, i, input_size) for i in range(count)]
        inside = [w for w in candidates if first <= w[0] and w[1] <= last] or candidates
        start, end = min(inside, key=lambda w: (abs(w[0] + w[1] - first - last), w[0]))
        windows.append((row.name, start, end))
    return windows


def draw_receptive_fields(layers: Sequence[LayerSpec], image: Any = None,
                          input_size: int = 28) -> Figure:
    """Draw how the receptive field grows through a stack of layers, on an input.

    One panel per layer: its field is a coloured square (the one of
    [`nested_windows`][cnn_tutorial.figures.receptive.nested_windows]), and the
    panel is titled with the layer's name and the field's side in pixels.

    Args:
        layers: Convolution and pooling layers (e.g. ``LECTURE_NETWORK[:4]``);
            their names label the squares, so they must differ.
        image: An optional ``input_size x input_size`` gray image drawn below
            the squares (e.g. an MNIST digit).
        input_size: Side of the input when no image is given.

    Returns:
        The figure, with one axes per layer (two columns).

    Raises:
        TypeError: a layer is not a convolution, pooling or dropout layer.
        ValueError: ``image`` is not a square 2-D array, or two layers share a name.

    Examples:
        >>> from cnn_tutorial.arithmetic import LECTURE_NETWORK
        >>> fig = draw_receptive_fields(LECTURE_NETWORK[:4])
        >>> [ax.get_title() for ax in fig.axes]
        ['conv1: 5', 'pool1: 6', 'conv2: 14', 'pool2: 16']
    """
    layers = list(layers)
    names = [getattr(layer, "name", None) for layer in layers]
    if len(set(names)) != len(names):
        raise ValueError(f"layers must have distinct names, got {names}")
    if image is not None:
        pixels = np.asarray(image, dtype=np.float32)
        if pixels.ndim != 2 or pixels.shape[0] != pixels.shape[1]:
            raise ValueError(f"image must be a square 2-D array, got {describe_array(image)}")
        input_size = pixels.shape[0]
    input_size = check_int("input_size", input_size)
    windows = nested_windows(layers, input_size)
    ncols = 2 if len(windows) > 1 else 1
    nrows = -(-len(windows) // ncols)
    fig = _new_figure(2.3 * ncols + 0.2, 2.5 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for index, (ax, (name, first, last)) in enumerate(zip(axes, windows)):
        colour = WINDOW_COLORS[index % len(WINDOW_COLORS)]
        if image is not None:
            ax.imshow(pixels, cmap="gray_r", extent=(0, input_size, input_size, 0),
                      interpolation="nearest", vmin=0, vmax=max(float(pixels.max()), 1e-6))
        ax.add_patch(Rectangle((0, 0), input_size, input_size, fill=False, edgecolor="#555555",
                               linewidth=0.8))
        side = last - first + 1
        ax.add_patch(Rectangle((first, first), side, side, facecolor=colour, alpha=0.3,
                               edgecolor="none"))
        ax.add_patch(Rectangle((first, first), side, side, fill=False, edgecolor=colour,
                               linewidth=2.6, gid="field"))
        # Large titles: on a phone the figure is drawn about 210 px wide.
        ax.set_title(f"{name}: {side}", color=colour, fontsize=2 * TITLE_SIZE,
                     fontweight="bold")
        ax.set_xlim(-0.5, input_size + 0.5)
        ax.set_ylim(input_size + 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_axis_off()
    for ax in axes[len(windows):]:
        ax.remove()
    return fig
