"""Figures of the chapter "Padding, stride and output size" (padding-stride.md).

The sizes come from `cnn_tutorial.arithmetic`, which follows TensorFlow's
rules: ``'SAME'`` pads so that the output has ``ceil(W / S)`` cells and puts
the odd extra padding cell at the *end*; ``'VALID'`` pads nothing and drops the
input cells that no window reaches. Content artists carry a ``gid``:
``"input"`` (an input cell), ``"padding"`` (a zero added around the input),
``"unused"`` (an input cell that no kernel tap ever reads), ``"window"`` (one
window position, i.e. one output cell), ``"tap"`` (a cell a window multiplies
by a kernel weight) and ``"output"`` (an output cell).
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnn_tutorial._validation import check_int, check_padding
from cnn_tutorial.arithmetic import conv_output_size, same_padding
from cnn_tutorial.figures.convolution import (
    LABEL_SIZE,
    PADDING_COLOR,
    TITLE_SIZE,
    VALUE_SIZE,
    _new_figure,
)

__all__ = ["draw_padded_grid", "draw_padding", "padding_plan"]

#: Largest input the 1-D strip draws (one row per output cell beyond that is unreadable).
MAX_STRIP_SIZE = 40
#: Largest input the 2-D grid draws.
MAX_GRID_SIZE = 16
#: Colours of successive windows (they cycle).
WINDOW_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def padding_plan(size: int, kernel_size: int, stride: int = 1, padding: str | int = "VALID",
                 dilation: int = 1) -> dict[str, Any]:
    """Work out where each window of a 1-D convolution falls, as TensorFlow does.

    Args:
        size: Input size ``W`` (cells), 1 or more.
        kernel_size: Kernel size ``F``, 1 or more.
        stride: Step ``S`` between windows, 1 or more.
        padding: ``"SAME"``, ``"VALID"`` or a number ``P`` of zeros on each side.
        dilation: Gap factor ``D`` between kernel taps, 1 or more.

    Returns:
        A dict with ``before`` and ``after`` (padding cells on each side),
        ``effective`` (the window's span ``(F - 1)·D + 1``), ``output`` (the
        number of output cells), ``starts`` (first cell of each window, in input
        coordinates, so padding cells are negative), ``taps`` (the cells each
        window reads) and ``unused`` (input cells that no tap reads).

    Raises:
        TypeError: An argument is not an integer (or padding not a string/int).
        ValueError: An argument is out of range, or the window does not fit
            into the padded input.

    Examples:
        >>> plan = padding_plan(13, 6, stride=5, padding="VALID")
        >>> plan["output"], plan["starts"], plan["unused"]
        (2, [0, 5], [11, 12])
        >>> plan = padding_plan(13, 6, stride=5, padding="SAME")
        >>> plan["output"], (plan["before"], plan["after"]), plan["starts"]
        (3, (1, 2), [-1, 4, 9])
    """
    size = check_int("size", size)
    kernel_size = check_int("kernel_size", kernel_size)
    stride = check_int("stride", stride)
    dilation = check_int("dilation", dilation)
    padding = check_padding("padding", padding, allow_int=True)
    effective = (kernel_size - 1) * dilation + 1
    if padding == "SAME":
        before, after = same_padding(size, kernel_size, stride, dilation)
    elif padding == "VALID":
        before = after = 0
    else:
        before = after = padding
    if effective > size + before + after:
        raise ValueError(
            f"kernel_size {kernel_size} with dilation {dilation} spans {effective} cells, "
            f"more than the {size + before + after} cells of the padded input "
            f"(size {size}, padding {padding!r}): there is no valid window")
    output = conv_output_size(size, kernel_size, stride, padding, dilation)
    starts = [i * stride - before for i in range(output)]
    taps = [[start + j * dilation for j in range(kernel_size)] for start in starts]
    read = {cell for window in taps for cell in window}
    unused = [cell for cell in range(size) if cell not in read]
    return {"before": before, "after": after, "effective": effective, "output": output,
            "starts": starts, "taps": taps, "unused": unused}


def _describe(padding: str | int) -> str:
    return f"'{padding}'" if isinstance(padding, str) else f"P={padding}"


def draw_padding(size: int, kernel_size: int, stride: int = 1, padding: str | int = "VALID",
                 dilation: int = 1) -> Figure:
    """Draw a 1-D input with its padding and every window a kernel takes over it.

    The top row is the input (cells numbered from 0) between its zero padding
    (gray, unnumbered). Each row below is one window position, i.e. one output cell: the
    filled cells are the kernel taps it multiplies (with dilation there are
    gaps between them). Input cells that no tap ever reads are hatched: with
    ``'VALID'`` they are the leftover cells at the end that a stride skips.
    The title gives the padding TensorFlow chooses and the output size.

    Args:
        size: Input size ``W`` (1 to 40 cells).
        kernel_size: Kernel size ``F``.
        stride: Step ``S`` between windows.
        padding: ``"SAME"``, ``"VALID"`` or a number ``P`` of zeros on each side.
        dilation: Gap factor ``D`` between kernel taps.

    Returns:
        The figure, with one axes.

    Raises:
        TypeError: An argument is not an integer, or ``padding`` has the wrong type.
        ValueError: An argument is out of range, no window fits the padded input,
            or ``size`` is above 40.

    Examples:
        >>> fig = draw_padding(13, 6, stride=5, padding="SAME")
        >>> ax = fig.axes[0]
        >>> len([p for p in ax.patches if p.get_gid() == "window"])
        3
        >>> len([p for p in ax.patches if p.get_gid() == "padding"])
        3
    """
    plan = padding_plan(size, kernel_size, stride, padding, dilation)
    if size > MAX_STRIP_SIZE:
        raise ValueError(f"size must be at most {MAX_STRIP_SIZE} cells to be drawn, got {size}")
    padding = check_padding("padding", padding, allow_int=True)
    before, after, output = plan["before"], plan["after"], plan["output"]
    left, right = -before, size + after
    unused = set(plan["unused"])
    width_cells = right - left + 3
    fig = _new_figure(min(14.0, max(4.5, 0.38 * width_cells)), 0.9 + 0.36 * (output + 1.6))
    ax = fig.subplots()
    fontsize = VALUE_SIZE - 1 if right - left <= 24 else VALUE_SIZE - 4

    for cell in range(left, right):
        if cell < 0 or cell >= size:
            # No number in a padding cell: the input cells show their index, not a value.
            ax.add_patch(Rectangle((cell, 0), 1, 1, facecolor=PADDING_COLOR, edgecolor="#555555",
                                   linewidth=0.8, gid="padding"))
            continue
        ax.add_patch(Rectangle((cell, 0), 1, 1, facecolor="white", edgecolor="#555555",
                               linewidth=0.8, gid="input"))
        if cell in unused:
            ax.add_patch(Rectangle((cell, 0), 1, 1, facecolor="none", edgecolor="#999999",
                                   hatch="///", linewidth=0, gid="unused"))
        ax.text(cell + 0.5, 0.5, str(cell), ha="center", va="center", fontsize=fontsize)

    for index, (start, taps) in enumerate(zip(plan["starts"], plan["taps"])):
        top = 1.5 + index
        colour = WINDOW_COLORS[index % len(WINDOW_COLORS)]
        ax.add_patch(Rectangle((start, top), plan["effective"], 0.8, fill=False, edgecolor=colour,
                               linewidth=1.8, gid="window"))
        for tap in taps:
            ax.add_patch(Rectangle((tap + 0.08, top + 0.1), 0.84, 0.6, facecolor=colour,
                                   alpha=0.55, linewidth=0, gid="tap"))
        ax.text(right + 0.4, top + 0.4, f"y[{index}]", va="center", fontsize=fontsize,
                color=colour, gid="output")

    ax.set_xlim(left - 0.2, right + 2.6)
    ax.set_ylim(1.5 + output + 0.1, -0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    dilation_text = f", D={dilation}" if dilation != 1 else ""
    ax.set_title(f"W={size}, F={kernel_size}, S={stride}{dilation_text}, {_describe(padding)}"
                 f": P=({before}, {after}) → {output}", fontsize=TITLE_SIZE)
    return fig


def draw_padded_grid(size: int, kernel_size: int, stride: int = 1,
                     padding: str | int = "SAME", dilation: int = 1) -> Figure:
    """Draw a square input inside its zero padding, two windows, and the output grid.

    The first window (top-left output cell) is drawn solid and the next one to
    the right, one stride further, dashed, so the step between them is
    visible. TensorFlow's uneven ``'SAME'`` split shows as a thicker border at
    the bottom and right.

    Args:
        size: Height and width of the input (1 to 16 cells).
        kernel_size: Height and width of the kernel.
        stride: Step in both directions.
        padding: ``"SAME"``, ``"VALID"`` or a number ``P`` of zeros on each side.
        dilation: Gap factor between kernel taps.

    Returns:
        The figure, with two axes: the padded input and the output.

    Raises:
        TypeError: An argument is not an integer, or ``padding`` has the wrong type.
        ValueError: An argument is out of range, no window fits the padded input,
            or ``size`` is above 16.

    Examples:
        >>> fig = draw_padded_grid(5, 3, padding=1)
        >>> padded = [p for p in fig.axes[0].patches if p.get_gid() == "padding"]
        >>> len(padded), fig.axes[1].get_title()
        (24, 'y 5x5')
    """
    plan = padding_plan(size, kernel_size, stride, padding, dilation)
    if size > MAX_GRID_SIZE:
        raise ValueError(f"size must be at most {MAX_GRID_SIZE} cells to be drawn, got {size}")
    padding = check_padding("padding", padding, allow_int=True)
    before, after, output = plan["before"], plan["after"], plan["output"]
    total = before + size + after
    fig = _new_figure(1.0 + 0.42 * (total + output + 1), 0.9 + 0.42 * total)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[total, max(output, 1)])

    for r in range(-before, size + after):
        for c in range(-before, size + after):
            inside = 0 <= r < size and 0 <= c < size
            ax_in.add_patch(Rectangle((c, r), 1, 1, linewidth=0.6, edgecolor="#555555",
                                      facecolor="white" if inside else PADDING_COLOR,
                                      gid="input" if inside else "padding"))
    for index, style in ((0, "solid"), (1, "dashed")):
        if index >= output:
            break
        start = plan["starts"][index]
        top = plan["starts"][0]
        for tap_r in plan["taps"][0]:
            for tap_c in plan["taps"][index]:
                ax_in.add_patch(Rectangle((tap_c + 0.1, tap_r + 0.1), 0.8, 0.8,
                                          facecolor=WINDOW_COLORS[index], alpha=0.35,
                                          linewidth=0, gid="tap"))
        ax_in.add_patch(Rectangle((start, top), plan["effective"], plan["effective"], fill=False,
                                  edgecolor=WINDOW_COLORS[index], linewidth=2.2, linestyle=style,
                                  gid="window"))
    ax_in.set_xlim(-before - 0.2, size + after + 0.2)
    ax_in.set_ylim(size + after + 0.2, -before - 0.2)
    ax_in.set_aspect("equal")
    ax_in.set_axis_off()
    ax_in.set_title(f"x {size}x{size}, {_describe(padding)}: P=({before}, {after})",
                    fontsize=TITLE_SIZE)

    for r in range(output):
        for c in range(output):
            face = WINDOW_COLORS[c] if r == 0 and c < 2 else "white"
            ax_out.add_patch(Rectangle((c, r), 1, 1, linewidth=0.6, edgecolor="#555555",
                                       facecolor=face, alpha=0.6 if face != "white" else 1,
                                       gid="output"))
    # Same scale as the input panel, output drawn at the top.
    ax_out.set_xlim(-0.2, max(output, 1) + 0.2)
    ax_out.set_ylim(total - 0.2, -0.2)
    ax_out.set_aspect("equal")
    ax_out.set_axis_off()
    ax_out.set_title(f"y {output}x{output}", fontsize=TITLE_SIZE)
    dilation_text = f", D={dilation}" if dilation != 1 else ""
    fig.supxlabel(f"F={kernel_size}, S={stride}{dilation_text}",
                  fontsize=LABEL_SIZE)
    return fig
