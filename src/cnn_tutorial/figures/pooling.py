"""Figures of the chapter "Pooling" (pooling.md).

A small grid of numbers, the pooling windows drawn over it in colours, and the
output grid whose cells take the colour of the window they come from. Content
artists carry a ``gid``: ``"window"`` (one window), ``"max"`` (the number a
max-pooling window keeps), ``"output"`` (an output cell) and ``"value"`` (a
number in a cell).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnn_tutorial._validation import check_choice, check_int
from cnn_tutorial.arithmetic import pool_output_size
from cnn_tutorial.figures.convolution import _check_matrix, _new_figure, draw_value_grid

__all__ = ["draw_pooling", "pool_valid"]

#: Light fills for successive windows (they cycle); dark edges of the same hue.
_FILLS = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd", "#fddaec")
_EDGES = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#bcbd22", "#8c564b", "#e377c2")


def pool_valid(grid: Any, pool_size: int = 2, stride: int | None = None,
               mode: str = "max") -> np.ndarray:
    """Max or average pooling of a 2-D array without padding, in plain NumPy.

    The reference that `draw_pooling` writes into its output grid; the
    chapter checks it against ``tf.nn.max_pool2d``/``tf.nn.avg_pool2d``.

    Args:
        grid: A 2-D array of numbers.
        pool_size: Height and width ``K`` of the window.
        stride: Step ``S`` between windows (default: ``pool_size``).
        mode: ``"max"`` or ``"avg"``.

    Returns:
        A float64 array of shape ``(⌊(H − K) / S⌋ + 1, ⌊(W − K) / S⌋ + 1)``.

    Examples:
        >>> pool_valid([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]]).tolist()
        [[4.0, 2.0], [2.0, 8.0]]
        >>> pool_valid([[1, 3], [4, 2]], mode="avg").tolist()
        [[2.5]]
    """
    grid = _check_matrix("grid", grid)
    pool_size = check_int("pool_size", pool_size)
    stride = pool_size if stride is None else check_int("stride", stride)
    mode = check_choice("mode", mode, ("max", "avg"))
    if pool_size > min(grid.shape):
        raise ValueError(f"pool_size must be at most the grid's height and width "
                         f"{grid.shape[0]} x {grid.shape[1]}, got {pool_size}")
    rows = pool_output_size(grid.shape[0], pool_size, stride)
    cols = pool_output_size(grid.shape[1], pool_size, stride)
    reduce = np.max if mode == "max" else np.mean
    out = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            out[r, c] = reduce(grid[r * stride:r * stride + pool_size,
                                    c * stride:c * stride + pool_size])
    return out


def draw_pooling(grid: Any, pool_size: int = 2, stride: int | None = None,
                 mode: str = "max") -> Figure:
    """Draw pooling on a small grid: the windows in colour and the pooled output.

    Each window gets its own colour, and the output cell it produces has the
    same colour. With ``mode="max"`` the number each window keeps is written in
    bold. ``mode="both"`` draws the max and the average output side by side.
    Pooling here uses no padding (``'VALID'``), as the lecture's convnet does.

    Args:
        grid: A 2-D array of numbers (at most 12 x 12).
        pool_size: Height and width ``K`` of the window.
        stride: Step ``S`` between windows (default: ``pool_size``, windows
            that touch without overlapping).
        mode: ``"max"``, ``"avg"`` or ``"both"``.

    Returns:
        The figure: two axes (input, output), or three with ``mode="both"``.

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: ``grid`` is not 2-D or too large, ``pool_size`` exceeds it,
            or ``mode`` is unknown.

    Examples:
        >>> grid = [[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 8]]
        >>> fig = draw_pooling(grid, pool_size=2, mode="both")
        >>> [ax.get_title() for ax in fig.axes]
        ['x 4x4, K=2, S=2', 'max 2x2', 'mean 2x2']
        >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "max"]
        ['2', '4', '2', '8']
    """
    grid = _check_matrix("grid", grid, max_size=12)
    mode = check_choice("mode", mode, ("max", "avg", "both"))
    stride = pool_size if stride is None else stride
    modes = ("max", "avg") if mode == "both" else (mode,)
    outputs = [pool_valid(grid, pool_size, stride, m) for m in modes]
    rows, cols = outputs[0].shape
    height = grid.shape[0]
    widths = [grid.shape[1]] + [cols] * len(outputs)
    fig = _new_figure(1.2 + 0.55 * sum(widths) + 0.8 * len(outputs), 0.55 * height + 1.1)
    axes = fig.subplots(1, len(widths), width_ratios=widths)

    draw_value_grid(axes[0], grid, title=f"x {grid.shape[0]}x{grid.shape[1]}, "
                                         f"K={pool_size}, S={stride}")
    overlap = stride < pool_size
    for r in range(rows):
        for c in range(cols):
            index = (r * cols + c) % len(_FILLS)
            top, left = r * stride, c * stride
            inset = 0.06 * ((r * cols + c) % 3) if overlap else 0.0
            axes[0].add_patch(Rectangle((left + inset, top + inset), pool_size - 2 * inset,
                                        pool_size - 2 * inset, zorder=0.5,
                                        facecolor=to_rgba(_FILLS[index], 0.3 if overlap else 0.6),
                                        edgecolor=_EDGES[index], linewidth=2.2, gid="window"))
            if "max" in modes:
                window = grid[top:top + pool_size, left:left + pool_size]
                hit = np.unravel_index(int(np.argmax(window)), window.shape)
                for text in axes[0].texts:
                    x, y = text.get_position()
                    if (int(y), int(x)) == (top + hit[0], left + hit[1]):
                        text.set_fontweight("bold")
                        text.set_gid("max")
    # The cells are white rectangles drawn first; put them under the window fills.
    for patch in axes[0].patches:
        if patch.get_gid() == "cell":
            patch.set_facecolor("none")

    titles = {"max": "max", "avg": "mean"}
    for ax, pooled, name in zip(axes[1:], outputs, modes):
        faces = [[_FILLS[(r * cols + c) % len(_FILLS)] for c in range(cols)] for r in range(rows)]
        draw_value_grid(ax, pooled, facecolors=faces, title=f"{titles[name]} {rows}x{cols}")
        for patch in ax.patches:
            patch.set_gid("output")
        ax.set_ylim(height + 0.15, -0.15)  # same scale as the input panel
    return fig
