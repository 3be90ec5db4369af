"""Output sizes of convolution and pooling layers, and TensorFlow's 'SAME' padding.

The lecture writes the output size as ``(W - F + 2P) / S + 1``. Two details
make that formula exact:

* the division is a *floor* division: a window that would hang over the edge
  is dropped, so 7 cells, a 3-cell filter and stride 3 give ``⌊4/3⌋ + 1 = 2``;
* TensorFlow's ``"SAME"`` is not a fixed ``P``: the output has ``⌈W / S⌉``
  cells, and the padding needed for that is split with the smaller half before
  and the larger half after ([`same_padding`][cnn_tutorial.arithmetic.same_padding]).

A dilated kernel (``dilation`` > 1) spreads its ``F`` taps ``dilation`` cells
apart, so it covers ``dilation * (F - 1) + 1`` cells.

The second half of the module describes a whole stack of layers (output shape
and parameter count of each), e.g. the lecture's network
[`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK], for the ``cnn-tutorial shape`` command and the site.

See the chapters "Padding, stride and output size" (padding-stride.md),
"Pooling" (pooling.md) and "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Union

from cnn_tutorial._validation import _is_integer, check_int, check_padding

__all__ = [
    "Conv", "Dense", "Dropout", "Flatten", "LECTURE_NETWORK", "LayerCost", "LayerInfo", "Pool",
    "ReceptiveField", "conv_output_size", "describe_stack", "effective_kernel_size",
    "format_stack", "layer_costs", "parse_stack", "pool_output_size", "receptive_field",
    "receptive_window", "same_padding",
]


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """Number of cells a (possibly dilated) kernel covers: ``dilation * (F - 1) + 1``.

    Examples:
        >>> effective_kernel_size(3), effective_kernel_size(3, dilation=2)
        (3, 5)
    """
    kernel_size = check_int("kernel_size", kernel_size)
    dilation = check_int("dilation", dilation)
    return dilation * (kernel_size - 1) + 1


def _window_output(size: int, window: int, stride: int, padding: str | int,
                   window_name: str) -> int:
    if padding == "SAME":
        return -(-size // stride)  # ceil(size / stride)
    pad = 0 if padding == "VALID" else padding
    if size + 2 * pad < window:
        where = "the input" if pad == 0 else f"the input padded by {pad} on each side"
        raise ValueError(
            f"{window_name} covers {window} cells but {where} has only {size + 2 * pad}: "
            f"with padding={padding!r} the window must fit, so the output would be empty; "
            "use padding='SAME', more padding or a smaller window")
    return (size + 2 * pad - window) // stride + 1


def conv_output_size(size: int, kernel_size: int, stride: int = 1,
                     padding: str | int = "VALID", dilation: int = 1) -> int:
    """Output length of a convolution along one spatial axis.

    ``"VALID"`` and a number ``P`` of cells per side use
    ``⌊(W - F_eff + 2P) / S⌋ + 1`` with ``F_eff = dilation * (F - 1) + 1``;
    ``"SAME"`` gives ``⌈W / S⌉``, as ``tf.nn.conv2d`` does. See the chapter
    "Padding, stride and output size" (padding-stride.md).

    Args:
        size: Input length ``W`` (>= 1).
        kernel_size: Filter length ``F`` (>= 1).
        stride: Step ``S`` of the window (>= 1).
        padding: ``"SAME"``, ``"VALID"`` or a non-negative int of zeros per side.
        dilation: Spacing of the filter taps (>= 1).

    Returns:
        The output length (>= 1).

    Raises:
        ValueError: a size, stride or dilation below 1, an unknown padding, or
            a window that does not fit (the output would be empty).

    Examples:
        >>> conv_output_size(7, 3), conv_output_size(7, 3, stride=2)
        (5, 3)
        >>> conv_output_size(28, 5, padding=2), conv_output_size(28, 5, padding="SAME")
        (28, 28)
        >>> conv_output_size(13, 6, stride=5), conv_output_size(13, 6, stride=5, padding="SAME")
        (2, 3)
        >>> conv_output_size(4, 5)
        Traceback (most recent call last):
        ...
        ValueError: kernel_size (dilated) covers 5 cells but the input has only 4: with padding='VALID' the window must fit, so the output would be empty; use padding='SAME', more padding or a smaller window
    """
    size = check_int("size", size)
    stride = check_int("stride", stride)
    padding = check_padding("padding", padding, allow_int=True)
    window = effective_kernel_size(kernel_size, dilation)
    return _window_output(size, window, stride, padding, "kernel_size (dilated)")


def pool_output_size(size: int, pool_size: int, stride: int | None = None,
                     padding: str | int = "VALID") -> int:
    """Output length of a pooling layer along one spatial axis.

    The same arithmetic as [`conv_output_size`][cnn_tutorial.arithmetic.conv_output_size]; the stride defaults to the
    pool size (windows side by side), as in ``tf.keras.layers.MaxPooling2D``.
    See the chapter "Pooling" (pooling.md).

    Args:
        size: Input length (>= 1).
        pool_size: Window length (>= 1).
        stride: Step of the window (>= 1); ``None`` means ``pool_size``.
        padding: ``"SAME"``, ``"VALID"`` or a non-negative int per side.

    Returns:
        The output length (>= 1).

    Raises:
        ValueError: as [`conv_output_size`][cnn_tutorial.arithmetic.conv_output_size].

    Examples:
        >>> pool_output_size(28, 2), pool_output_size(7, 2), pool_output_size(7, 2, padding="SAME")
        (14, 3, 4)
        >>> pool_output_size(5, 3, stride=1)
        3
    """
    size = check_int("size", size)
    pool_size = check_int("pool_size", pool_size)
    stride = pool_size if stride is None else check_int("stride", stride)
    padding = check_padding("padding", padding, allow_int=True)
    return _window_output(size, pool_size, stride, padding, "pool_size")


def same_padding(size: int, kernel_size: int, stride: int = 1,
                 dilation: int = 1) -> tuple[int, int]:
    """The zeros TensorFlow adds before and after an axis for ``padding="SAME"``.

    The total is ``max((⌈W / S⌉ - 1) * S + F_eff - W, 0)``: just enough for
    ``⌈W / S⌉`` windows. TensorFlow puts ``total // 2`` before and the rest
    after, so an odd total leaves one more zero at the end. Padding the input
    with ``tf.pad`` by these amounts and using ``"VALID"`` gives exactly the
    ``"SAME"`` result. See the chapter "Padding, stride and output size"
    (padding-stride.md).

    Args:
        size: Input length ``W`` (>= 1).
        kernel_size: Filter (or pooling window) length ``F`` (>= 1).
        stride: Step ``S`` (>= 1).
        dilation: Spacing of the filter taps (>= 1).

    Returns:
        ``(before, after)``.

    Examples:
        >>> same_padding(28, 5), same_padding(13, 6, stride=5), same_padding(4, 2, stride=2)
        ((2, 2), (1, 2), (0, 0))
        >>> same_padding(7, 3, dilation=2)
        (2, 2)
    """
    size = check_int("size", size)
    stride = check_int("stride", stride)
    window = effective_kernel_size(kernel_size, dilation)
    total = max((-(-size // stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


# --------------------------------------------------------------------------
# Stacks of layers: shapes and parameter counts.
# --------------------------------------------------------------------------

def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    return name


@dataclasses.dataclass(frozen=True)
class Conv:
    """A 2-D convolution in a stack for [`describe_stack`][cnn_tutorial.arithmetic.describe_stack].

    Args:
        filters: Number of output channels (>= 1).
        kernel_size: Side of the square kernel (>= 1).
        stride: Step of the window (>= 1).
        padding: ``"SAME"``, ``"VALID"`` or a non-negative int per side.
        dilation: Spacing of the kernel taps (>= 1).
        name: Label shown in the table.

    Examples:
        >>> Conv(32, 5, name="conv1")
        Conv(filters=32, kernel_size=5, stride=1, padding='SAME', dilation=1, name='conv1')
    """

    filters: int
    kernel_size: int
    stride: int = 1
    padding: str | int = "SAME"
    dilation: int = 1
    name: str = "conv"

    def __post_init__(self) -> None:
        check_int("filters", self.filters)
        check_int("kernel_size", self.kernel_size)
        check_int("stride", self.stride)
        check_int("dilation", self.dilation)
        object.__setattr__(self, "padding", check_padding("padding", self.padding, True))
        _check_name(self.name)


@dataclasses.dataclass(frozen=True)
class Pool:
    """A max (or average) pooling layer in a stack for [`describe_stack`][cnn_tutorial.arithmetic.describe_stack].

    Args:
        pool_size: Side of the square window (>= 1).
        stride: Step of the window; ``None`` means ``pool_size``.
        padding: ``"SAME"``, ``"VALID"`` or a non-negative int per side.
        name: Label shown in the table.

    Examples:
        >>> Pool(2, name="pool1")
        Pool(pool_size=2, stride=None, padding='VALID', name='pool1')
    """

    pool_size: int = 2
    stride: int | None = None
    padding: str | int = "VALID"
    name: str = "pool"

    def __post_init__(self) -> None:
        check_int("pool_size", self.pool_size)
        if self.stride is not None:
            check_int("stride", self.stride)
        object.__setattr__(self, "padding", check_padding("padding", self.padding, True))
        _check_name(self.name)


@dataclasses.dataclass(frozen=True)
class Flatten:
    """Reshape ``H x W x C`` into ``H * W * C`` values (no parameters).

    Examples:
        >>> Flatten().name
        'flatten'
    """

    name: str = "flatten"

    def __post_init__(self) -> None:
        _check_name(self.name)


@dataclasses.dataclass(frozen=True)
class Dense:
    """A fully connected layer of ``units`` outputs (weights and biases).

    Examples:
        >>> Dense(10, name="logits")
        Dense(units=10, name='logits')
    """

    units: int
    name: str = "dense"

    def __post_init__(self) -> None:
        check_int("units", self.units)
        _check_name(self.name)


@dataclasses.dataclass(frozen=True)
class Dropout:
    """Dropout: zeroes some values while training; shape and parameters unchanged.

    Examples:
        >>> Dropout(0.25).rate
        0.25
    """

    rate: float = 0.25
    name: str = "dropout"

    def __post_init__(self) -> None:
        from cnn_tutorial._validation import check_rate

        check_rate("rate", self.rate)
        _check_name(self.name)


LayerSpec = Union[Conv, Pool, Flatten, Dense, Dropout]


class LayerInfo(NamedTuple):
    """One row of [`describe_stack`][cnn_tutorial.arithmetic.describe_stack]: a layer, its output shape and parameters.

    Examples:
        >>> LayerInfo("fc", "dense", (1024,), 3212288).params
        3212288
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


LECTURE_NETWORK: tuple[LayerSpec, ...] = (
    Conv(32, 5, name="conv1"),
    Pool(2, name="pool1"),
    Conv(64, 5, name="conv2"),
    Pool(2, name="pool2"),
    Flatten(name="flatten"),
    Dense(1024, name="fc"),
    Dropout(0.25, name="dropout"),
    Dense(10, name="logits"),
)
"""The lecture's convnet for MNIST (see the chapter convnet-mnist.md)."""


def _check_input_shape(input_shape: Any) -> tuple[int, ...]:
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3)
            or not all(_is_integer(v) and v >= 1 for v in input_shape)):
        raise ValueError(
            "input_shape must be (height, width, channels) or (features,) of integers >= 1, "
            f"got {input_shape!r}")
    return tuple(int(v) for v in input_shape)


def describe_stack(layers: Iterable[LayerSpec],
                   input_shape: Sequence[int] = (28, 28, 1)) -> list[LayerInfo]:
    """Output shape and parameter count of every layer of a stack.

    A convolution has ``F * F * C_in * filters`` weights and ``filters``
    biases; a dense layer ``n_in * units + units``. Shapes leave out the batch
    axis. See the chapter "A convnet on MNIST" (convnet-mnist.md).

    Args:
        layers: [`Conv`][cnn_tutorial.arithmetic.Conv], [`Pool`][cnn_tutorial.arithmetic.Pool], [`Flatten`][cnn_tutorial.arithmetic.Flatten], [`Dense`][cnn_tutorial.arithmetic.Dense]
            and [`Dropout`][cnn_tutorial.arithmetic.Dropout] objects, in order (e.g. [`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK]).
        input_shape: ``(height, width, channels)`` of one image.

    Returns:
        One [`LayerInfo`][cnn_tutorial.arithmetic.LayerInfo] per layer.

    Raises:
        ValueError: a window does not fit, a convolution or pooling layer
            follows a flat input, or a dense layer meets an unflattened one.

    Examples:
        >>> for row in describe_stack(LECTURE_NETWORK, (28, 28, 1)):
        ...     print(row.name, row.output_shape, row.params)
        conv1 (28, 28, 32) 832
        pool1 (14, 14, 32) 0
        conv2 (14, 14, 64) 51264
        pool2 (7, 7, 64) 0
        flatten (3136,) 0
        fc (1024,) 3212288
        dropout (1024,) 0
        logits (10,) 10250
        >>> sum(row.params for row in describe_stack(LECTURE_NETWORK))
        3274634
    """
    shape = _check_input_shape(input_shape)
    rows = []
    for index, layer in enumerate(layers):
        where = f"layer {index} ({getattr(layer, 'name', type(layer).__name__)})"
        if isinstance(layer, (Conv, Pool)):
            if len(shape) != 3:
                raise ValueError(f"{where} needs a height x width x channels input, "
                                 f"got the flat shape {shape}")
            height, width, channels = shape
            try:
                if isinstance(layer, Conv):
                    out = [conv_output_size(s, layer.kernel_size, layer.stride, layer.padding,
                                            layer.dilation) for s in (height, width)]
                    shape = (out[0], out[1], layer.filters)
                    params = layer.kernel_size ** 2 * channels * layer.filters + layer.filters
                    kind = "conv"
                else:
                    out = [pool_output_size(s, layer.pool_size, layer.stride, layer.padding)
                           for s in (height, width)]
                    shape, params, kind = (out[0], out[1], channels), 0, "pool"
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
        elif isinstance(layer, Flatten):
            size = 1
            for value in shape:
                size *= value
            shape, params, kind = (size,), 0, "flatten"
        elif isinstance(layer, Dense):
            if len(shape) != 1:
                raise ValueError(f"{where} needs a flat input; add Flatten() before it "
                                 f"(input shape {shape})")
            params = shape[0] * layer.units + layer.units
            shape, kind = (layer.units,), "dense"
        elif isinstance(layer, Dropout):
            params, kind = 0, "dropout"
        else:
            raise TypeError(f"{where} must be Conv, Pool, Flatten, Dense or Dropout, "
                            f"got {layer!r}")
        rows.append(LayerInfo(layer.name, kind, shape, params))
    return rows


def format_stack(rows: Sequence[LayerInfo], input_shape: Sequence[int] = (28, 28, 1)) -> str:
    """A plain-text table of [`describe_stack`][cnn_tutorial.arithmetic.describe_stack]'s rows, with a total line.

    Examples:
        >>> print(format_stack(describe_stack(LECTURE_NETWORK[:2])))
        layer    kind     output shape    parameters
        input             28 x 28 x 1              0
        conv1    conv     28 x 28 x 32           832
        pool1    pool     14 x 14 x 32             0
        total                                    832
    """
    shape = _check_input_shape(input_shape)
    table = [("layer", "kind", "output shape", "parameters"),
             ("input", "", " x ".join(map(str, shape)), "0")]
    table += [(r.name, r.kind, " x ".join(map(str, r.output_shape)), str(r.params))
              for r in rows]
    table.append(("total", "", "", str(sum(r.params for r in rows))))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = [f"{a:<{widths[0]}}    {b:<{widths[1]}}    {c:<{widths[2]}}    {d:>{widths[3]}}"
             for a, b, c, d in table]
    return "\n".join(line.rstrip() for line in lines)


def parse_stack(text: str) -> tuple[LayerSpec, ...]:
    """Read a stack written as comma-separated layers (for the command line).

    The forms are ``conv:FILTERS:KERNEL[:STRIDE[:PADDING]]``,
    ``pool:SIZE[:STRIDE[:PADDING]]``, ``flatten``, ``dense:UNITS`` and
    ``dropout[:RATE]``; ``lecture`` stands for [`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK].
    Layers are named ``conv1``, ``pool1``, ... in order.

    Raises:
        ValueError: an unknown layer or a bad number, naming the item.

    Examples:
        >>> [layer.name for layer in parse_stack("conv:8:3:1:valid, pool:2, flatten, dense:10")]
        ['conv1', 'pool1', 'flatten1', 'dense1']
        >>> parse_stack("lecture") == LECTURE_NETWORK
        True
        >>> parse_stack("conv:8")
        Traceback (most recent call last):
        ...
        ValueError: layer 'conv:8' must be conv:FILTERS:KERNEL[:STRIDE[:PADDING]]
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"layers must be a non-empty string such as "
                         f"'conv:32:5,pool:2,flatten,dense:10', got {text!r}")
    if text.strip().lower() == "lecture":
        return LECTURE_NETWORK
    forms = {"conv": ("conv:FILTERS:KERNEL[:STRIDE[:PADDING]]", 2, 4),
             "pool": ("pool:SIZE[:STRIDE[:PADDING]]", 1, 3),
             "flatten": ("flatten", 0, 0),
             "dense": ("dense:UNITS", 1, 1),
             "dropout": ("dropout[:RATE]", 0, 1)}
    counts: dict[str, int] = {}
    layers: list[LayerSpec] = []
    for item in (part.strip() for part in text.split(",")):
        kind, *args = [piece.strip() for piece in item.split(":")]
        kind = kind.lower()
        if kind not in forms:
            raise ValueError(f"layer {item!r} must start with one of "
                             f"{', '.join(forms)}")
        usage, least, most = forms[kind]
        if not least <= len(args) <= most:
            raise ValueError(f"layer {item!r} must be {usage}")
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}"
        try:
            if kind == "dropout":
                layers.append(Dropout(float(args[0]) if args else 0.25, name=name))
                continue
            numbers = []
            for position, arg in enumerate(args):
                last = position == len(args) - 1 and position == most - 1
                if last and kind in ("conv", "pool") and not arg.lstrip("-").isdigit():
                    numbers.append(arg)  # the padding string
                else:
                    numbers.append(int(arg))
            if kind == "conv":
                filters, kernel, *rest = numbers
                stride = rest[0] if rest else 1
                padding = rest[1] if len(rest) > 1 else "SAME"
                layers.append(Conv(filters, kernel, stride, padding, name=name))
            elif kind == "pool":
                size, *rest = numbers
                stride = rest[0] if rest else None
                padding = rest[1] if len(rest) > 1 else "VALID"
                layers.append(Pool(size, stride, padding, name=name))
            elif kind == "dense":
                layers.append(Dense(numbers[0], name=name))
            else:
                layers.append(Flatten(name=name))
        except (TypeError, ValueError) as error:
            raise ValueError(f"layer {item!r} must be {usage}: {error}") from None
    return tuple(layers)


# --------------------------------------------------------------------------
# Receptive fields: how much of the input one output value depends on.
# --------------------------------------------------------------------------


class ReceptiveField(NamedTuple):
    """One row of [`receptive_field`][cnn_tutorial.arithmetic.receptive_field].

    Attributes:
        name: The layer's name.
        size: Side, in input pixels, of the square one output value of this
            layer depends on (its receptive field).
        jump: Input pixels between two neighbouring output values of this layer
            (the product of the strides so far).

    Examples:
        >>> ReceptiveField("conv1", 5, 1).size
        5
    """

    name: str
    size: int
    jump: int


def _window_layers(layers: Iterable[LayerSpec]) -> list[tuple[str, int, int, str | int]]:
    """``(name, window, stride, padding)`` of each Conv/Pool; Dropout is skipped."""
    windows = []
    for index, layer in enumerate(layers):
        if isinstance(layer, Conv):
            windows.append((layer.name, effective_kernel_size(layer.kernel_size, layer.dilation),
                            layer.stride, layer.padding))
        elif isinstance(layer, Pool):
            windows.append((layer.name, layer.pool_size, layer.stride or layer.pool_size,
                            layer.padding))
        elif isinstance(layer, Dropout):
            continue
        elif isinstance(layer, (Flatten, Dense)):
            raise TypeError(
                f"layer {index} ({layer.name}) is {type(layer).__name__}: after it every value "
                "depends on the whole input; pass only the convolution and pooling layers "
                "(e.g. LECTURE_NETWORK[:4])")
        else:
            raise TypeError(f"layer {index} must be Conv, Pool or Dropout, got {layer!r}")
    return windows


def receptive_field(layers: Iterable[LayerSpec]) -> list[ReceptiveField]:
    """Receptive field of every convolution and pooling layer of a stack.

    The lecture calls a filter's size ``F`` "the receptive field size of
    filter": one output value of a single layer depends on ``F x F`` input
    pixels. Stacked, the field grows. A layer with window ``F`` (dilated:
    ``(F - 1)·D + 1``) and stride ``S`` on top of a field of size ``r`` and
    jump ``j`` (input pixels between neighbouring values below it) sees
    ``r + (F - 1)·j`` pixels, and its own values are ``j·S`` pixels apart.
    Padding does not change the size; near the border part of the field
    falls on padding zeros. See the chapter "Padding, stride and output size"
    (padding-stride.md).

    Args:
        layers: [`Conv`][cnn_tutorial.arithmetic.Conv], [`Pool`][cnn_tutorial.arithmetic.Pool] (and [`Dropout`][cnn_tutorial.arithmetic.Dropout], which
            changes nothing) objects in order, e.g. ``LECTURE_NETWORK[:4]``.

    Returns:
        One [`ReceptiveField`][cnn_tutorial.arithmetic.ReceptiveField] per convolution or pooling layer.

    Raises:
        TypeError: a layer is not Conv, Pool or Dropout (a Flatten or Dense
            layer depends on the whole input).

    Examples:
        >>> [(row.name, row.size, row.jump) for row in receptive_field(LECTURE_NETWORK[:4])]
        [('conv1', 5, 1), ('pool1', 6, 2), ('conv2', 14, 2), ('pool2', 16, 4)]
        >>> [row.size for row in receptive_field([Conv(64, 3), Conv(64, 3)])]
        [3, 5]
        >>> receptive_field(LECTURE_NETWORK)
        Traceback (most recent call last):
        ...
        TypeError: layer 4 (flatten) is Flatten: after it every value depends on the whole input; pass only the convolution and pooling layers (e.g. LECTURE_NETWORK[:4])
    """
    size, jump, rows = 1, 1, []
    for name, window, stride, _ in _window_layers(layers):
        size += (window - 1) * jump
        jump *= stride
        rows.append(ReceptiveField(name, size, jump))
    return rows


def receptive_window(layers: Iterable[LayerSpec], index: int,
                     input_size: int) -> tuple[int, int]:
    """First and last input pixel (along one axis) that output ``index`` depends on.

    Follows the windows back from the last layer to the input, with
    TensorFlow's padding (``'SAME'`` puts the smaller half before). Pixels
    below 0 or from ``input_size`` on are padding zeros.

    Args:
        layers: As for [`receptive_field`][cnn_tutorial.arithmetic.receptive_field].
        index: Position of the output value along the axis (>= 0).
        input_size: Input length along the axis (>= 1).

    Returns:
        ``(first, last)``, inclusive; ``last - first + 1`` is the field's size.

    Raises:
        TypeError: as [`receptive_field`][cnn_tutorial.arithmetic.receptive_field].
        ValueError: ``index`` is outside the last layer's output.

    Examples:
        >>> receptive_window(LECTURE_NETWORK[:4], 3, 28)  # the middle of pool2's 7 x 7
        (6, 21)
        >>> receptive_window(LECTURE_NETWORK[:1], 0, 28)  # conv1's corner: 2 padding zeros
        (-2, 2)
    """
    windows = _window_layers(layers)
    size = check_int("input_size", input_size)
    sizes = [size]
    for name, window, stride, padding in windows:
        sizes.append(_window_output(sizes[-1], window, stride, padding, name))
    index = check_int("index", index, minimum=0)
    if index >= sizes[-1]:
        raise ValueError(f"index must be below the output size {sizes[-1]}, got {index}")
    first = last = index
    for (name, window, stride, padding), below in zip(reversed(windows), reversed(sizes[:-1])):
        if padding == "SAME":
            before = max((-(-below // stride) - 1) * stride + window - below, 0) // 2
        else:
            before = 0 if padding == "VALID" else padding
        first, last = first * stride - before, last * stride - before + window - 1
    return first, last


class LayerCost(NamedTuple):
    """One row of [`layer_costs`][cnn_tutorial.arithmetic.layer_costs]: what a layer computes and stores for one image.

    Examples:
        >>> LayerCost("fc", "dense", 1024, 3211264).multiply_adds
        3211264
    """

    name: str
    kind: str
    output_values: int
    multiply_adds: int


def layer_costs(layers: Iterable[LayerSpec],
                input_shape: Sequence[int] = (28, 28, 1)) -> list[LayerCost]:
    """Multiply-adds and output values of every layer, for one image's forward pass.

    A convolution computes ``F * F * C_in`` multiply-adds for each of its
    ``H_out * W_out * filters`` outputs; a dense layer ``n_in`` for each of its
    ``units``. Biases (one addition per output), ReLU and pooling (comparisons)
    are not multiply-adds and are not counted. ``output_values`` is the size of
    the layer's output: times 4 bytes (float32) and the batch size, it is the
    memory that output takes. See the chapter "A convnet on MNIST"
    (convnet-mnist.md#cost).

    Args:
        layers: As for [`describe_stack`][cnn_tutorial.arithmetic.describe_stack] (e.g. [`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK]).
        input_shape: ``(height, width, channels)`` of one image.

    Returns:
        One [`LayerCost`][cnn_tutorial.arithmetic.LayerCost] per layer.

    Raises:
        ValueError, TypeError: as [`describe_stack`][cnn_tutorial.arithmetic.describe_stack].

    Examples:
        >>> for row in layer_costs(LECTURE_NETWORK):
        ...     print(f"{row.name:<8}{row.output_values:>8,}{row.multiply_adds:>12,}")
        conv1     25,088     627,200
        pool1      6,272           0
        conv2     12,544  10,035,200
        pool2      3,136           0
        flatten    3,136           0
        fc         1,024   3,211,264
        dropout    1,024           0
        logits        10      10,240
        >>> sum(row.multiply_adds for row in layer_costs(LECTURE_NETWORK))
        13883904
    """
    layers = list(layers)
    rows = describe_stack(layers, input_shape)
    costs = []
    shape = _check_input_shape(input_shape)
    for layer, row in zip(layers, rows):
        values = 1
        for size in row.output_shape:
            values *= size
        if isinstance(layer, Conv):
            multiply_adds = values * layer.kernel_size ** 2 * shape[2]
        elif isinstance(layer, Dense):
            multiply_adds = values * shape[0]
        else:
            multiply_adds = 0
        costs.append(LayerCost(row.name, row.kind, values, multiply_adds))
        shape = row.output_shape
    return costs
