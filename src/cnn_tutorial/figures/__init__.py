"""Every figure drawn on the site, as functions that return a matplotlib Figure.

The chapters call these functions instead of drawing with ``pyplot`` inline, so
that every figure is tested like the rest of the package. Each returns a
`matplotlib.figure.Figure` (a `TutorialFigure`, which shows itself
once as a PNG when it is the value of a notebook cell, with any backend). Labels
are symbols, numbers and code names only (``x``, ``w``, ``y``, ``W=7``, ``'SAME'``,
``top_sobel``): the same figure appears on the Korean and the English page, so it
must read the same in both, and matplotlib's default font has no Hangul.

Examples:
    >>> from cnn_tutorial import figures
    >>> fig = figures.draw_padding(7, 3, stride=2)
    >>> len([p for p in fig.axes[0].patches if p.get_gid() == "window"])
    3
"""

from cnn_tutorial.figures.convolution import (
    TutorialFigure,
    draw_kernel,
    draw_kernels,
    draw_weighted_sum,
    kernel_grid,
)
from cnn_tutorial.figures.learned import channel_grid
from cnn_tutorial.figures.multichannel import draw_multichannel_conv, multichannel_terms
from cnn_tutorial.figures.network import draw_architecture, draw_dense, plot_training_curves
from cnn_tutorial.figures.padding import draw_padded_grid, draw_padding, padding_plan
from cnn_tutorial.figures.pooling import draw_pooling, pool_valid
from cnn_tutorial.figures.receptive import draw_receptive_fields, nested_windows

__all__ = [
    "TutorialFigure",
    "channel_grid",
    "draw_architecture",
    "draw_dense",
    "draw_kernel",
    "draw_kernels",
    "draw_multichannel_conv",
    "draw_padded_grid",
    "draw_padding",
    "draw_pooling",
    "draw_receptive_fields",
    "draw_weighted_sum",
    "kernel_grid",
    "multichannel_terms",
    "nested_windows",
    "padding_plan",
    "plot_training_curves",
    "pool_valid",
]
