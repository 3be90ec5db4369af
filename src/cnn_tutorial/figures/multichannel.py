"""Figure of the chapter "tf.nn.conv2d and its arguments" (conv2d.md): one output value
of a multi-channel convolution.

A ``k x k x C_in`` block of the input meets a ``k x k x C_in`` kernel (one output
channel of the filter): each input channel is multiplied element by element with
its own slice of the kernel and summed, the ``C_in`` channel sums are added, and
the bias is added last. This is the picture of CS231n's convolution notes, drawn
with the real numbers of an example. Labels are symbols and numbers only
(``x[:, :, 0]``, ``w[:, :, 0]``, ``b``, ``y``), so the figure reads the same on
the Korean and the English page.

Content artists carry a ``gid``: ``"cell"`` and ``"value"`` (grid cells and their
numbers, as in the other figures), ``"channel-sum"`` (the sum of one channel's
products), ``"bias"`` and ``"result"`` (the output value).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from cnn_tutorial._validation import describe_array
from cnn_tutorial.figures.convolution import (
    LABEL_SIZE,
    TITLE_SIZE,
    _frame,
    _new_figure,
    _value_fontsize,
    draw_value_grid,
    format_value,
)

__all__ = ["draw_multichannel_conv", "multichannel_terms"]

#: Light fills of the channels (red, green, blue first: a colour photo's channels).
_CHANNEL_FILLS = ("#fcd5d0", "#d3ecd0", "#d2e0f3", "#e6dcf0", "#fde5c8", "#f0f0c8")

#: Largest block that stays readable (side of the window, number of channels).
MAX_KERNEL_SIZE = 5
MAX_CHANNELS = 4


def _check_block(name: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a k x k x C_in array of numbers, "
                        f"got {describe_array(value)}") from None
    if array.ndim != 3 or array.shape[0] != array.shape[1] or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty k x k x C_in array (square window), "
                         f"got {describe_array(array)}")
    if array.shape[0] > MAX_KERNEL_SIZE or array.shape[2] > MAX_CHANNELS:
        raise ValueError(f"{name} must be at most {MAX_KERNEL_SIZE} x {MAX_KERNEL_SIZE} x "
                         f"{MAX_CHANNELS} to be drawn readably, got {describe_array(array)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain finite numbers only (no NaN or inf)")
    return array


def multichannel_terms(block: Any, kernel: Any, bias: float = 0.0
                       ) -> tuple[list[float], float]:
    """The per-channel sums and the output value that `draw_multichannel_conv` draws.

    ``y = Σ_c Σ_ij block[i, j, c] · kernel[i, j, c] + bias``: what
    ``tf.nn.bias_add(tf.nn.conv2d(...), b)`` computes for one output position and
    one output channel.

    Args:
        block: The ``k x k x C_in`` window of the input.
        kernel: The ``k x k x C_in`` kernel of one output channel.
        bias: The bias of that output channel.

    Returns:
        ``(channel_sums, output)``: one sum per input channel, then their total plus the bias.

    Raises:
        TypeError: An argument is not numeric.
        ValueError: Shapes differ, are not ``k x k x C_in``, or are too large to draw.

    Examples:
        >>> block = np.ones((2, 2, 3))
        >>> kernel = np.stack([np.full((2, 2), c) for c in (1.0, 2.0, -1.0)], axis=-1)
        >>> multichannel_terms(block, kernel, bias=0.5)
        ([4.0, 8.0, -4.0], 8.5)
    """
    block = _check_block("block", block)
    kernel = _check_block("kernel", kernel)
    if block.shape != kernel.shape:
        raise ValueError(f"block and kernel must have the same k x k x C_in shape, got "
                         f"{block.shape} and {kernel.shape}")
    if isinstance(bias, bool) or not isinstance(bias, numbers.Real) \
            or not np.isfinite(float(bias)):
        raise TypeError(f"bias must be a finite number, got {bias!r}")
    sums = [float(np.sum(block[:, :, c] * kernel[:, :, c])) for c in range(block.shape[2])]
    return sums, float(sum(sums) + float(bias))


def draw_multichannel_conv(block: Any, kernel: Any, bias: float = 0.0) -> Figure:
    """Draw how a ``k x k x C_in`` block and kernel give one output value.

    One row per input channel: the input's slice ``x[:, :, c]``, the kernel's
    slice ``w[:, :, c]`` and the sum of their element-wise products. Below, the
    channel sums and the bias add up to the output ``y`` (one number of one
    output channel). With a ``k x k x C_in x C_out`` filter, every output channel
    repeats this picture with its own kernel and bias.

    Args:
        block: The ``k x k x C_in`` window of the input (at most 5 x 5 x 4).
        kernel: The ``k x k x C_in`` kernel of one output channel, e.g.
            ``filters[:, :, :, 0]`` of a ``tf.nn.conv2d`` filter.
        bias: The bias of that output channel.

    Returns:
        The figure, with one axes.

    Raises:
        TypeError: An argument is not numeric.
        ValueError: Shapes differ, are not ``k x k x C_in``, or are too large to draw.

    Examples:
        >>> block = np.arange(12.0).reshape(2, 2, 3)
        >>> kernel = np.ones((2, 2, 3))
        >>> fig = draw_multichannel_conv(block, kernel, bias=-1)
        >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "channel-sum"]
        ['Σ = 18', 'Σ = 22', 'Σ = 26']
        >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "result"]
        ['y = 18 + 22 + 26 + (-1) = 65']
    """
    sums, output = multichannel_terms(block, kernel, bias)
    block = np.asarray(block, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    k, channels = block.shape[0], block.shape[2]
    longest = max(len(format_value(v)) for v in np.concatenate([block.ravel(), kernel.ravel()]))
    size = _value_fontsize(k, k, longest=longest)
    row_height = k + 1.2
    kernel_x = k + 1.6
    sum_x = 2 * k + 2.0
    width = sum_x + 3.2
    height = channels * row_height + 1.6
    fig = _new_figure(0.5 * width + 0.6, 0.5 * height + 0.4)
    ax = fig.subplots()
    for c in range(channels):
        y0 = c * row_height + 0.7
        fill = [[_CHANNEL_FILLS[c % len(_CHANNEL_FILLS)]] * k for _ in range(k)]
        draw_value_grid(ax, block[:, :, c], x0=0, y0=y0, facecolors=fill, fontsize=size)
        draw_value_grid(ax, kernel[:, :, c], x0=kernel_x, y0=y0, facecolors=fill, fontsize=size)
        ax.text(k / 2, y0 - 0.15, f"x[:, :, {c}]", ha="center", va="bottom",
                fontsize=LABEL_SIZE, gid="label")
        ax.text(kernel_x + k / 2, y0 - 0.15, f"w[:, :, {c}]", ha="center", va="bottom",
                fontsize=LABEL_SIZE, gid="label")
        ax.text(k + 0.8, y0 + k / 2, "⊙", ha="center", va="center", fontsize=TITLE_SIZE + 4)
        ax.text(sum_x, y0 + k / 2, f"Σ = {format_value(sums[c])}", ha="left", va="center",
                fontsize=TITLE_SIZE + 1, gid="channel-sum")
    bottom = channels * row_height + 0.5
    ax.text(sum_x, bottom - 0.2, f"b = {format_value(bias)}", ha="left", va="center",
            fontsize=TITLE_SIZE + 1, gid="bias")
    terms = " + ".join(_parenthesise(s) for s in [*sums, float(bias)])
    ax.text(width / 2, bottom + 0.8, f"y = {terms} = {format_value(output)}", ha="center",
            va="center", fontsize=TITLE_SIZE + 1, fontweight="bold", gid="result")
    _frame(ax, 0, 0, width, bottom + 1.3)
    return fig


def _parenthesise(value: float) -> str:
    text = format_value(value)
    return f"({text})" if text.startswith("-") else text
