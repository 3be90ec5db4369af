"""Figures of what a trained convnet learned (chapter "A convnet on MNIST", convnet-mnist.md).

[`channel_grid`][cnn_tutorial.figures.channel_grid] draws every channel of a kernel tensor or of a stack of
feature maps as a small panel, titled with its index only (the figure is the
same on the Korean and the English page). Kernels are drawn with a diverging
colour map centred on 0 (red positive, blue negative); feature maps in gray,
black at 0. All panels of one figure share one colour scale, so that a strong
channel looks strong beside a weak one. Each image carries the ``gid``
``"channel"``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from cnn_tutorial._validation import check_int, describe_array
from cnn_tutorial.figures.convolution import _new_figure

__all__ = ["channel_grid"]

#: Most panels drawn in one figure (the lecture's conv2 has 64 channels).
MAX_CHANNELS = 128


def _as_channels(values: Any) -> np.ndarray:
    """``H x W x C`` float array from feature maps or a ``k x k x 1 x C`` kernel."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"values must be a numeric array, got {type(values).__name__}") from None
    if array.ndim == 4 and array.shape[0] == 1:      # a batch of one feature map stack
        array = array[0]
    elif array.ndim == 4 and array.shape[2] == 1:    # a kernel with one input channel
        array = array[:, :, 0, :]
    if array.ndim != 3 or min(array.shape) < 1:
        raise ValueError("values must be H x W x C feature maps (or 1 x H x W x C), or a "
                         f"k x k x 1 x C kernel, got {describe_array(values)}")
    if array.shape[2] > MAX_CHANNELS:
        raise ValueError(f"values has {array.shape[2]} channels; at most {MAX_CHANNELS} fit")
    if not np.all(np.isfinite(array)):
        raise ValueError("values must not contain NaN or infinity")
    return array


def channel_grid(values: Any, *, ncols: int = 8, signed: bool | None = None,
                 panel_size: float = 0.8) -> Figure:
    """Draw each channel of a kernel or of feature maps as a small titled panel.

    Args:
        values: ``H x W x C`` feature maps (or ``1 x H x W x C``, one image of
            a batch), or a ``k x k x 1 x C`` kernel such as ``conv1/kernel``;
            NumPy array or tensor.
        ncols: Panels per row.
        signed: Diverging colours centred on 0 (for kernels) instead of gray
            from 0 (for feature maps after a ReLU). Default: ``True`` when any
            value is negative.
        panel_size: Width and height of one panel in inches.

    Returns:
        The figure: one axes per channel, titled with the channel's index.

    Raises:
        TypeError: ``values`` is not numeric.
        ValueError: ``values`` has another shape, more than 128 channels, or
            NaN/inf; ``ncols`` < 1; ``panel_size`` not a positive number.

    Examples:
        >>> kernel = np.random.default_rng(0).normal(size=(5, 5, 1, 32))
        >>> fig = channel_grid(kernel)
        >>> len(fig.axes), fig.axes[0].get_title(), fig.axes[-1].get_title()
        (32, '0', '31')
        >>> fig.axes[0].images[0].get_cmap().name
        'RdBu_r'
        >>> channel_grid(np.zeros((28, 28)))
        Traceback (most recent call last):
        ...
        ValueError: values must be H x W x C feature maps (or 1 x H x W x C), or a k x k x 1 x C kernel, got an array of shape (28, 28) and dtype float64
    """
    array = _as_channels(values)
    ncols = check_int("ncols", ncols)
    if isinstance(panel_size, bool) or not isinstance(panel_size, numbers.Real) \
            or not panel_size > 0:
        raise ValueError(f"panel_size must be a positive number of inches, got {panel_size!r}")
    if signed is None:
        signed = bool(np.any(array < 0))
    count = array.shape[2]
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    if signed:
        scale = float(np.abs(array).max()) or 1.0
        cmap, low, high = "RdBu_r", -scale, scale
    else:
        cmap, low, high = "gray", 0.0, float(array.max()) or 1.0
    fig = _new_figure(panel_size * ncols, (panel_size + 0.18) * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for index, ax in enumerate(axes):
        if index >= count:
            fig.delaxes(ax)
            continue
        image = ax.imshow(array[:, :, index], cmap=cmap, vmin=low, vmax=high,
                          interpolation="nearest")
        image.set_gid("channel")
        ax.set_title(str(index), fontsize=7, pad=2)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
