"""Figures of the chapter "Convolution without training" (convolution.md).

Every function returns a `matplotlib.figure.Figure` built without
``pyplot``, so nothing is left open in pyplot's global list of figures and a
notebook shows each figure exactly once (when it is the value of a cell). Labels
are symbols, numbers and code names only (input ``x``, kernel ``w``, output ``y``):
the same figure appears on the Korean and the English page, and matplotlib's
default font has no Hangul.

Artists that carry the content have a ``gid`` so that tests (and curious
readers) can find them: ``"cell"`` (a grid cell), ``"value"`` (the number in a
cell), ``"window"`` (the window a kernel covers), ``"result"`` (the output cell
that the window produces).
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnn_tutorial._validation import check_choice, check_int, describe_array

__all__ = ["TutorialFigure", "draw_kernel", "draw_kernels", "draw_weighted_sum", "kernel_grid"]

#: Colour of the window a kernel (or pooling) covers, and of the cell it produces.
WINDOW_COLOR = "#d62728"
#: Face colour of padding cells (zeros that are not part of the input).
PADDING_COLOR = "#d9d9d9"


class TutorialFigure(Figure):
    """A `matplotlib.figure.Figure` that shows itself as a PNG in notebooks.

    IPython calls ``_repr_png_`` when a figure is the value of a cell, whatever
    matplotlib backend is active, so the chapters need no ``%matplotlib`` magic
    and each figure appears once.

    Examples:
        >>> fig = TutorialFigure(figsize=(1, 1))
        >>> fig._repr_png_()[:4] == b"\\x89PNG"
        True
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()


def _new_figure(width: float, height: float) -> TutorialFigure:
    return TutorialFigure(figsize=(width, height), layout="constrained")


def format_value(value: float) -> str:
    """Format a number for a grid cell: integers without a point, others short.

    Examples:
        >>> format_value(3.0), format_value(-0.125), format_value(0.0625), format_value(2 / 3)
        ('3', '-0.125', '0.0625', '0.667')
    """
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    # Four decimals keep 0.0625 exact; other fractions get three significant digits.
    if round(value * 10000) == value * 10000:
        return f"{value:.4g}"
    return f"{value:.3g}"


def _check_matrix(name: str, value: Any, max_size: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 2-D float array, or raise naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 2-D array of numbers, got {describe_array(value)}") \
            from None
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array of numbers, "
                         f"got {describe_array(array)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain finite numbers only (no NaN or inf)")
    if max_size is not None and max(array.shape) > max_size:
        raise ValueError(f"{name} must be at most {max_size} x {max_size} cells to be drawn "
                         f"readably, got {array.shape[0]} x {array.shape[1]}")
    return array


#: Font sizes (points). Pages show figures scaled down to the text column, so
#: they are larger than matplotlib's defaults.
TITLE_SIZE = 13
LABEL_SIZE = 12
VALUE_SIZE = 13


def _value_fontsize(rows: int, cols: int, base: float = VALUE_SIZE, longest: int = 1) -> float:
    # Smaller for large grids and for long numbers such as 0.0625, so they fit their cell.
    size = base - 0.6 * max(0, max(rows, cols) - 5)
    return max(5.0, min(size, base * 4 / max(4, longest)))


def draw_value_grid(ax: Axes, values: np.ndarray, *, x0: float = 0, y0: float = 0,
                    facecolors: np.ndarray | None = None, fontsize: float | None = None,
                    title: str | None = None) -> None:
    """Draw ``values`` as a grid of cells with the numbers written in them.

    Cell ``(r, c)`` covers ``x0 + c .. x0 + c + 1`` horizontally and
    ``y0 + r .. y0 + r + 1`` vertically; the y axis points down, as in an image.
    The other figure modules of the package use this helper too.

    Args:
        ax: The axes to draw on.
        values: A 2-D array of numbers.
        x0: Horizontal position of the grid's left edge.
        y0: Vertical position of the grid's top edge.
        facecolors: Optional array ``rows x cols`` of colours (anything
            matplotlib accepts; ``None`` entries are white).
        fontsize: Size of the numbers; by default it shrinks with the grid.
        title: Optional title of the axes.

    Examples:
        >>> fig = TutorialFigure()
        >>> ax = fig.subplots()
        >>> draw_value_grid(ax, np.array([[1, 2], [3, 4]]))
        >>> [t.get_text() for t in ax.texts]
        ['1', '2', '3', '4']
    """
    values = np.asarray(values)
    rows, cols = values.shape
    texts = [[format_value(values[r, c]) for c in range(cols)] for r in range(rows)]
    longest = max(len(text) for row in texts for text in row)
    size = fontsize if fontsize is not None else _value_fontsize(rows, cols, longest=longest)
    for r in range(rows):
        for c in range(cols):
            face = "white"
            if facecolors is not None and facecolors[r][c] is not None:
                face = facecolors[r][c]
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=face, edgecolor="#555555",
                                   linewidth=0.8, gid="cell"))
            ax.text(x0 + c + 0.5, y0 + r + 0.5, texts[r][c], ha="center",
                    va="center", fontsize=size, gid="value")
    _frame(ax, x0, y0, cols, rows)
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)


def _frame(ax: Axes, x0: float, y0: float, width: float, height: float, margin: float = 0.15
           ) -> None:
    """Fit the axes' limits around a box (y pointing down) and hide the axis lines."""
    ax.set_xlim(x0 - margin, x0 + width + margin)
    ax.set_ylim(y0 + height + margin, y0 - margin)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _check_images(images: Any) -> dict[str, np.ndarray]:
    if not isinstance(images, Mapping) or not images:
        raise TypeError("images must be a non-empty mapping from a title to an image "
                        f"(H x W, H x W x 1 or H x W x 3), got {type(images).__name__}")
    checked = {}
    for title, image in images.items():
        array = np.asarray(image)
        if array.dtype == np.uint8:
            array = array.astype(np.float32) / 255
        if not np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_:
            raise TypeError(f"images[{title!r}] must be an array of numbers, "
                            f"got {describe_array(array)}")
        if array.ndim == 3 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) \
                or 0 in array.shape:
            raise ValueError(f"images[{title!r}] must be H x W, H x W x 1 or H x W x 3, "
                             f"got {describe_array(array)}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"images[{title!r}] must contain finite numbers only")
        checked[str(title)] = array.astype(np.float64)
    return checked


def kernel_grid(images: Mapping[str, Any], *, ncols: int | None = None,
                normalize: str = "clip", panel_size: float = 2.6) -> Figure:
    """Show images side by side, each titled with its name and its size.

    The chapter uses it to compare a photo with the same photo filtered by each
    hand-made kernel (see "Convolution without training", convolution.md).

    Args:
        images: Mapping from a title to an image: ``H x W`` (drawn in gray),
            ``H x W x 1`` or ``H x W x 3`` (colour), float or uint8.
        ncols: Panels per row (default: all in one row, at most 4).
        normalize: How values map to brightness. ``"clip"`` (default): values
            below 0 show as black and above 1 as white, which is how the
            filtered image would look if saved as a photo. ``"minmax"``: each
            image is stretched from its own minimum (black) to its maximum
            (white), as ``matplotlib.pyplot.imshow`` does for gray images; use
            it for edge detectors, whose outputs are small or negative.
        panel_size: Width and height of one panel in inches.

    Returns:
        The figure, one axes per image (in the mapping's order).

    Raises:
        TypeError: ``images`` is not a non-empty mapping, or an image is not numeric.
        ValueError: An image has the wrong shape or contains NaN/inf, or
            ``normalize``/``ncols``/``panel_size`` is invalid.

    Examples:
        >>> gray = np.linspace(0, 1, 12).reshape(3, 4)
        >>> fig = kernel_grid({"input": gray, "negative": 1 - gray})
        >>> [ax.get_title() for ax in fig.axes]
        ['input (3x4)', 'negative (3x4)']
    """
    checked = _check_images(images)
    normalize = check_choice("normalize", normalize, ("clip", "minmax"))
    if not isinstance(panel_size, numbers.Real) or not panel_size > 0:
        raise ValueError(f"panel_size must be a positive number of inches, got {panel_size!r}")
    count = len(checked)
    ncols = min(count, 4) if ncols is None else check_int("ncols", ncols)
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    fig = _new_figure(panel_size * ncols, panel_size * nrows + 0.3)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax, (title, image) in zip(axes, checked.items()):
        if normalize == "clip":
            shown = np.clip(image, 0, 1)
        else:
            low, high = float(image.min()), float(image.max())
            shown = (image - low) / (high - low) if high > low else np.zeros_like(image)
        if shown.ndim == 2:
            ax.imshow(shown, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(shown, interpolation="nearest")
        ax.set_title(f"{title} ({image.shape[0]}x{image.shape[1]})", fontsize=TITLE_SIZE)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig


def draw_kernels(kernels: Mapping[str, Any], *, ncols: int | None = None) -> Figure:
    """Draw kernels as coloured grids with their values and their sum.

    Positive weights are red, negative ones blue, zero white, so the direction
    of an edge detector such as the top Sobel kernel is visible at a glance.
    The sum matters: 1 keeps the brightness of the image, 0 makes flat regions
    black (see "What the values mean" in convolution.md).

    Args:
        kernels: Mapping from a name to a 2-D kernel (at most 9 x 9).
        ncols: Kernels per row (default: all in one row, at most 4).

    Returns:
        The figure, one axes per kernel, titled ``"name (Σ=...)"``.

    Raises:
        TypeError: ``kernels`` is not a non-empty mapping, or a kernel is not numeric.
        ValueError: A kernel is not 2-D, is larger than 9 x 9 or contains NaN/inf.

    Examples:
        >>> fig = draw_kernels({"sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]})
        >>> fig.axes[0].get_title()
        'sharpen (Σ=1)'
        >>> [t.get_text() for t in fig.axes[0].texts][:3]
        ['0', '-1', '0']
    """
    if not isinstance(kernels, Mapping) or not kernels:
        raise TypeError("kernels must be a non-empty mapping from a name to a 2-D kernel, "
                        f"got {type(kernels).__name__}")
    checked = {str(name): _check_matrix(f"kernels[{name!r}]", kernel, max_size=9)
               for name, kernel in kernels.items()}
    count = len(checked)
    ncols = min(count, 4) if ncols is None else min(check_int("ncols", ncols), count)
    nrows = -(-count // ncols)
    fig = _new_figure(2.3 * ncols, 2.5 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    cmap = _diverging_cmap()
    for ax, (name, kernel) in zip(axes, checked.items()):
        scale = float(np.abs(kernel).max()) or 1.0
        colours = [[cmap(0.5 + 0.5 * v / scale) for v in row] for row in kernel]
        longest = max(len(format_value(v)) for v in kernel.ravel())
        draw_value_grid(ax, kernel, facecolors=colours,
                        fontsize=_value_fontsize(*kernel.shape, base=15, longest=longest),
                        title=f"{name} (Σ={format_value(round(float(kernel.sum()), 6))})")
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig


def _diverging_cmap():
    from matplotlib import colormaps  # noqa: PLC0415 (kept local: only two functions use it)

    # Paler than plain "RdBu_r" so that black numbers stay readable on every cell.
    base = colormaps["RdBu_r"]
    return lambda x: tuple(0.45 + 0.55 * channel for channel in base(x)[:3])


def draw_kernel(kernel: Any, title: str = "kernel") -> Figure:
    """Draw one kernel with its values; see `draw_kernels`.

    Args:
        kernel: A 2-D kernel (at most 9 x 9).
        title: The name written above it.

    Returns:
        The figure, with one axes.

    Examples:
        >>> fig = draw_kernel([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], "top_sobel")
        >>> len(fig.axes), fig.axes[0].get_title()
        (1, 'top_sobel (Σ=0)')
    """
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    return draw_kernels({title: kernel})


def cross_correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Slide ``kernel`` over ``image`` without padding (what ``tf.nn.conv2d`` computes).

    A plain NumPy reference used by `draw_weighted_sum`; the kernel is not
    flipped (a cross-correlation, as in TensorFlow).

    Examples:
        >>> cross_correlate_valid(np.arange(9.0).reshape(3, 3), np.ones((2, 2))).tolist()
        [[8.0, 12.0], [20.0, 24.0]]
    """
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.empty((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = float(np.sum(image[r:r + kh, c:c + kw] * kernel))
    return out


def draw_weighted_sum(image: Any, kernel: Any, row: int = 0, col: int = 0) -> Figure:
    """Draw how one output cell of a convolution is computed as a weighted sum.

    Three panels: the input with the window at output position ``(row, col)``
    outlined, the kernel, and the whole output (no padding, stride 1) with that
    cell highlighted. Below them, the nine (or ``kh * kw``) products are
    written out. Like ``tf.nn.conv2d``, the kernel is not flipped.

    Args:
        image: A small 2-D array of numbers (at most 12 x 12).
        kernel: A 2-D kernel no larger than ``image`` (at most 5 x 5).
        row: Output row of the highlighted cell, ``0 <= row < H - kh + 1``.
        col: Output column of the highlighted cell, ``0 <= col < W - kw + 1``.

    Returns:
        The figure, with three axes (input, kernel, output).

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: A shape is wrong, or ``row``/``col`` is outside the output.

    Examples:
        >>> image = np.arange(16).reshape(4, 4)
        >>> fig = draw_weighted_sum(image, np.ones((3, 3)), row=1, col=0)
        >>> [ax.get_title() for ax in fig.axes]
        ['x (4x4)', 'w (3x3)', 'y (2x2)']
        >>> [t.get_text() for t in fig.axes[2].texts if t.get_gid() == "result"]
        ['81']
    """
    image = _check_matrix("image", image, max_size=12)
    kernel = _check_matrix("kernel", kernel, max_size=5)
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"kernel ({kernel.shape[0]} x {kernel.shape[1]}) must not be larger "
                         f"than image ({image.shape[0]} x {image.shape[1]})")
    out = cross_correlate_valid(image, kernel)
    row = check_int("row", row, minimum=0)
    col = check_int("col", col, minimum=0)
    if row >= out.shape[0] or col >= out.shape[1]:
        raise ValueError(f"(row, col) must lie inside the {out.shape[0]} x {out.shape[1]} "
                         f"output, got ({row}, {col})")
    kh, kw = kernel.shape
    widths = [image.shape[1], kw, out.shape[1]]
    fig = _new_figure(1.0 + 0.55 * sum(widths) + 1.2, 0.55 * image.shape[0] + 1.6)
    axes = fig.subplots(1, 3, width_ratios=widths)

    window_faces = [[None] * image.shape[1] for _ in range(image.shape[0])]
    for r in range(row, row + kh):
        for c in range(col, col + kw):
            window_faces[r][c] = "#fde0dd"
    draw_value_grid(axes[0], image, facecolors=window_faces,
                    title=f"x ({image.shape[0]}x{image.shape[1]})")
    axes[0].add_patch(Rectangle((col, row), kw, kh, fill=False, edgecolor=WINDOW_COLOR,
                                linewidth=2.5, gid="window"))

    draw_value_grid(axes[1], kernel, facecolors=[["#fde0dd"] * kw for _ in range(kh)],
                    title=f"w ({kh}x{kw})")
    axes[1].set_ylim(image.shape[0] + 0.15, -0.15)  # same scale as the input panel

    out_faces = [[None] * out.shape[1] for _ in range(out.shape[0])]
    out_faces[row][col] = WINDOW_COLOR
    draw_value_grid(axes[2], out, facecolors=out_faces,
                    title=f"y ({out.shape[0]}x{out.shape[1]})")
    axes[2].set_ylim(image.shape[0] + 0.15, -0.15)
    for text in axes[2].texts:
        x, y = text.get_position()
        if int(x) == col and int(y) == row:
            text.set_gid("result")
            text.set_color("white")
            text.set_fontweight("bold")

    window = image[row:row + kh, col:col + kw]
    terms = " + ".join(f"{format_value(a)}·{_parenthesise(b)}"
                       for a, b in zip(window.ravel(), kernel.ravel()))
    fig.supxlabel(f"y[{row}, {col}] = {terms} = {format_value(out[row, col])}",
                  fontsize=LABEL_SIZE if kh * kw <= 9 else LABEL_SIZE - 3)
    return fig


def _parenthesise(value: float) -> str:
    text = format_value(value)
    return f"({text})" if text.startswith("-") else text
