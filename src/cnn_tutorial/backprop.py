"""The backward pass of a convolution and of a matrix product, written as forward ops.

The chain rule turns both gradients of a stride-1 convolution into
convolutions (the page "Benchmarks", section "Where the time went", measures
what that saves):

* the gradient for the **input** is the output gradient convolved with the
  kernel flipped in both spatial axes and with its two channel axes swapped,
  with ``k - 1 - p`` padding where the forward pass padded ``p``;
* the gradient for the **kernel** is the input convolved with the output
  gradient, where the batch axis plays the part of the channels: a
  ``C_in x H x W x N`` "image" and an ``H' x W' x N x C_out`` "kernel" give
  the ``C_in x k x k x C_out`` gradient.

For a dense layer the gradient for the input, ``dy @ w^T``, is computed as
``(w @ dy^T)^T``: the same numbers, in the order that reads the large weight
matrix once, row by row.

Why not let TensorFlow differentiate ``tf.nn.conv2d``? Its CPU kernels for
the two gradients (``Conv2DBackpropInput`` and ``Conv2DBackpropFilter``), and
``tf.matmul(dy, w, transpose_b=True)`` with a large ``w``, ran 1.5 to 3 times
slower than these forward ops of the same size on the benchmark machine
(``benchmarks/training_speed.py``). The values agree with TensorFlow's own
gradients to float32 rounding; ``tests/test_backprop.py`` checks that over
kernel sizes, paddings, channels and batch sizes.

Only stride 1 and dilation 1 are rewritten; [`cnn_tutorial.layers`][cnn_tutorial.layers] uses
plain ``tf.nn.conv2d`` (and TensorFlow's gradient) for any other stride.

Which is faster depends on the machine: on the AMD EPYC (Zen 3) where this was
written the forward ops made the training step 1.36 times faster; on an Intel
Xeon with AVX-512 TensorFlow's own gradient kernels (oneDNN) won, and the
forward ops made the step 0.71 times as fast. So the choice is a switch:

* ``"tensorflow"``: the layers call ``tf.nn.conv2d`` and ``tf.matmul`` and
  TensorFlow differentiates them;
* ``"forward"``: the layers use [`conv2d`][cnn_tutorial.backprop.conv2d] and [`matmul`][cnn_tutorial.backprop.matmul] (the same
  values, gradients as forward ops);
* ``"auto"`` (the default): [`autotune`][cnn_tutorial.backprop.autotune] times both on the machine at
  hand once (about a second; the answer is kept per CPU model and TensorFlow
  version in ``~/.cache/cnn_tutorial/autotune.json``) and picks
  ``"forward"`` only when it is clearly faster; on a GPU, TensorFlow's.

Set it with [`set_gradients`][cnn_tutorial.backprop.set_gradients], for a block with [`using_gradients`][cnn_tutorial.backprop.using_gradients],
or for a whole process with the environment variable
``CNN_TUTORIAL_GRADIENTS`` (``auto``, ``forward`` or ``tensorflow``). The
choice is read when a layer is first traced, so set it before training starts.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tensorflow as tf

from cnn_tutorial._validation import check_padding
from cnn_tutorial.arithmetic import same_padding

__all__ = [
    "GRADIENTS",
    "GRADIENTS_ENV",
    "autotune",
    "conv2d",
    "convolve",
    "gradients",
    "matmul",
    "multiply",
    "same_pads",
    "set_gradients",
    "using_gradients",
]

#: The values of the switch: see the module's description.
GRADIENTS = ("auto", "forward", "tensorflow")
#: Environment variable that sets the switch for a whole process.
GRADIENTS_ENV = "CNN_TUTORIAL_GRADIENTS"
#: ``forward`` must be at least this much faster to be chosen by ``auto``.
AUTOTUNE_MARGIN = 1.05

_requested: str | None = None   # set_gradients(); None: the environment variable, else "auto"
_autotuned: str | None = None   # autotune()'s answer, once per process


def _check_mode(name: str, mode: Any) -> str:
    if mode not in GRADIENTS:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, GRADIENTS))}, "
                         f"got {mode!r}")
    return mode


def set_gradients(mode: str) -> None:
    """Choose how the layers' convolutions and products are differentiated.

    Args:
        mode: ``"auto"``, ``"forward"`` or ``"tensorflow"`` (module description).

    Raises:
        ValueError: ``mode`` is none of those.

    Examples:
        >>> set_gradients("tensorflow"); gradients()
        'tensorflow'
        >>> set_gradients("forward"); gradients()
        'forward'
        >>> set_gradients("auto")
        >>> set_gradients("fast")
        Traceback (most recent call last):
        ...
        ValueError: mode must be one of 'auto', 'forward', 'tensorflow', got 'fast'
    """
    global _requested
    _requested = _check_mode("mode", mode)


def _requested_mode() -> str:
    if _requested is not None:
        return _requested
    return _check_mode(f"${GRADIENTS_ENV}", os.environ.get(GRADIENTS_ENV) or "auto")


def gradients() -> str:
    """The gradients in use: ``"forward"`` or ``"tensorflow"`` (``"auto"`` resolved).

    Examples:
        >>> with using_gradients("tensorflow"):
        ...     gradients()
        'tensorflow'
    """
    global _autotuned
    mode = _requested_mode()
    if mode != "auto":
        return mode
    if _autotuned is None:
        # A fresh thread runs eagerly and outside any tape, even when the question
        # comes while a tf.function is being traced or a GradientTape records.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            _autotuned = pool.submit(autotune).result()
    return _autotuned


@contextlib.contextmanager
def using_gradients(mode: str) -> Iterator[None]:
    """Use ``mode`` inside the ``with`` block (for tracing a step), then restore the switch.

    Examples:
        >>> with using_gradients("forward"):
        ...     gradients()
        'forward'
    """
    global _requested
    previous, _requested = _requested, _check_mode("mode", mode)
    try:
        yield
    finally:
        _requested = previous


def _autotune_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn_tutorial" / "autotune.json"


def _machine_key() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu} | {os.cpu_count()} CPUs | TensorFlow {tf.__version__}"


def _time_gradients(mode: str, repeats: int) -> float:
    """Median seconds of the gradients of the convnet's conv2 and fc layers at batch 128."""
    x = tf.random.stateless_normal([128, 14, 14, 32], seed=[1, 2])
    w = tf.random.stateless_normal([5, 5, 32, 64], seed=[3, 4])
    h = tf.random.stateless_normal([128, 3136], seed=[5, 6])
    v = tf.random.stateless_normal([3136, 1024], seed=[7, 8])
    with using_gradients(mode):
        @tf.function
        def step(x, w, h, v):
            with tf.GradientTape() as tape:
                tape.watch([x, w, h, v])
                loss = tf.reduce_sum(convolve(x, w, 1, "SAME")) + tf.reduce_sum(multiply(h, v))
            return tape.gradient(loss, [x, w, h, v])

        step(x, w, h, v)  # trace and warm up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = step(x, w, h, v)
            float(result[1][0, 0, 0, 0])  # wait for the result
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def autotune(measure: Callable[[str], float] | None = None, *,
             cache_file: str | os.PathLike | None = None) -> str:
    """Time both gradients on this machine and return the faster: ``"forward"`` or ``"tensorflow"``.

    With a GPU the answer is ``"tensorflow"`` without timing. Otherwise
    ``measure(mode)`` (default: the median of 5 runs of the gradients of the
    convnet's ``conv2`` and ``fc`` layers at batch 128) is called for both
    modes, and ``"forward"`` wins only when it is at least 5 % faster: when in
    doubt, TensorFlow's own gradients. The answer is kept in ``cache_file``
    (default ``~/.cache/cnn_tutorial/autotune.json``) under this CPU model
    and TensorFlow version; an unreadable or unwritable file only means
    timing again.

    Args:
        measure: Seconds for one mode (for tests); ``None`` times the real ops.
        cache_file: Where answers are kept; ``None`` for the default.

    Examples:
        >>> import tempfile, pathlib
        >>> kept = pathlib.Path(tempfile.mkdtemp()) / "autotune.json"
        >>> autotune({"forward": 0.8, "tensorflow": 1.0}.get, cache_file=kept)
        'forward'
        >>> autotune({"forward": 0.99, "tensorflow": 1.0}.get, cache_file=kept)  # kept answer
        'forward'
        >>> kept.unlink()
        >>> autotune({"forward": 0.99, "tensorflow": 1.0}.get, cache_file=kept)  # too close
        'tensorflow'
    """
    if tf.config.list_physical_devices("GPU"):
        return "tensorflow"
    path = Path(cache_file) if cache_file is not None else _autotune_file()
    key = _machine_key()
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    if not isinstance(kept, dict):
        kept = {}
    if kept.get(key) in ("forward", "tensorflow"):
        return kept[key]
    measure = measure or (lambda mode: _time_gradients(mode, repeats=5))
    seconds = {mode: measure(mode) for mode in ("tensorflow", "forward")}
    answer = "forward" if seconds["tensorflow"] >= AUTOTUNE_MARGIN * seconds["forward"] \
        else "tensorflow"
    kept[key] = answer
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                         suffix=".tmp", encoding="utf-8") as handle:
            json.dump(kept, handle, indent=1)
        os.replace(handle.name, path)
    except OSError:
        pass  # the answer still holds for this process
    return answer


def same_pads(k_size: int, padding: str) -> tuple[int, int]:
    """Rows (or columns) that a stride-1 ``tf.nn.conv2d`` pads before and after.

    TensorFlow's ``"SAME"`` pads ``k_size - 1`` in all, the odd one after.

    Examples:
        >>> same_pads(5, "SAME"), same_pads(4, "SAME"), same_pads(5, "VALID")
        ((2, 2), (1, 2), (0, 0))
    """
    if check_padding("padding", padding) == "VALID":
        return 0, 0
    # arithmetic.same_padding's rule; at stride 1 the input size does not matter.
    return same_padding(k_size, k_size)


def _padding_arg(pads: list[tuple[int, int]]) -> Any:
    """``tf.nn.conv2d``'s ``padding`` for spatial ``pads``: "VALID", "SAME" or explicit."""
    if all(p == (0, 0) for p in pads):
        return "VALID"
    return [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]


def conv2d(inputs: Any, kernel: Any, padding: str = "SAME") -> tf.Tensor:
    """``tf.nn.conv2d(inputs, kernel, 1, padding)`` whose gradients are convolutions too.

    Args:
        inputs: ``N x H x W x C_in`` float tensor.
        kernel: ``kh x kw x C_in x C_out`` float tensor with a static shape.
        padding: ``"SAME"`` or ``"VALID"``.

    Returns:
        The ``N x H' x W' x C_out`` convolution, equal to ``tf.nn.conv2d``'s.

    Raises:
        ValueError: ``padding`` is neither ``"SAME"`` nor ``"VALID"``, or the
            kernel's shape is not known.

    Examples:
        >>> x = tf.random.stateless_normal([2, 6, 6, 3], seed=[1, 2])
        >>> w = tf.random.stateless_normal([3, 3, 3, 4], seed=[3, 4])
        >>> with tf.GradientTape(persistent=True) as tape:
        ...     tape.watch([x, w])
        ...     ours = tf.reduce_sum(conv2d(x, w, "SAME") ** 2)
        ...     theirs = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2)
        >>> [bool(tf.reduce_all(tf.abs(a - b) < 1e-3))
        ...  for a, b in zip(tape.gradient(ours, [x, w]), tape.gradient(theirs, [x, w]))]
        [True, True]
    """
    padding = check_padding("padding", padding)
    inputs = tf.convert_to_tensor(inputs)
    kernel = tf.convert_to_tensor(kernel, dtype_hint=inputs.dtype)
    if not kernel.shape.is_fully_defined() or kernel.shape.rank != 4:
        raise ValueError(f"kernel must have a known 4-D shape, got {kernel.shape}")
    k_h, k_w = int(kernel.shape[0]), int(kernel.shape[1])
    pads = [same_pads(k_h, padding), same_pads(k_w, padding)]

    @tf.custom_gradient
    def convolve(x, w):
        def gradient(dy):
            # Input: full correlation with the flipped, channel-swapped kernel.
            flipped = tf.transpose(tf.reverse(w, axis=[0, 1]), [0, 1, 3, 2])
            back_pads = [(k_h - 1 - pads[0][0], k_h - 1 - pads[0][1]),
                         (k_w - 1 - pads[1][0], k_w - 1 - pads[1][1])]
            dx = tf.nn.conv2d(dy, flipped, 1, _padding_arg(back_pads))
            # Kernel: the batch axis becomes the channel axis of both operands.
            x_t = tf.transpose(x, [3, 1, 2, 0])
            dy_t = tf.transpose(dy, [1, 2, 0, 3])
            dw = tf.transpose(tf.nn.conv2d(x_t, dy_t, 1, _padding_arg(pads)), [1, 2, 0, 3])
            return dx, dw

        return tf.nn.conv2d(x, w, 1, _padding_arg(pads)), gradient

    return convolve(inputs, kernel)


def matmul(inputs: Any, weights: Any) -> tf.Tensor:
    """``inputs @ weights`` (``N x in`` by ``in x out``) with a faster input gradient.

    Args:
        inputs: ``N x in`` float tensor.
        weights: ``in x out`` float tensor.

    Returns:
        The ``N x out`` product, equal to ``tf.matmul``'s.

    Examples:
        >>> x = tf.random.stateless_normal([4, 6], seed=[1, 2])
        >>> w = tf.random.stateless_normal([6, 3], seed=[3, 4])
        >>> with tf.GradientTape(persistent=True) as tape:
        ...     tape.watch([x, w])
        ...     ours = tf.reduce_sum(tf.sin(matmul(x, w)))
        ...     theirs = tf.reduce_sum(tf.sin(tf.matmul(x, w)))
        >>> [bool(tf.reduce_all(tf.abs(a - b) < 1e-5))
        ...  for a, b in zip(tape.gradient(ours, [x, w]), tape.gradient(theirs, [x, w]))]
        [True, True]
    """
    inputs = tf.convert_to_tensor(inputs)
    weights = tf.convert_to_tensor(weights, dtype_hint=inputs.dtype)

    @tf.custom_gradient
    def product(x, w):
        def gradient(dy):
            dx = tf.transpose(tf.matmul(w, dy, transpose_b=True))
            dw = tf.matmul(x, dy, transpose_a=True)
            return dx, dw

        return tf.matmul(x, w), gradient

    return product(inputs, weights)


def convolve(inputs: Any, kernel: Any, stride: int, padding: str) -> tf.Tensor:
    """``tf.nn.conv2d`` at ``stride``, differentiated as the switch says (what the layers call).

    Examples:
        >>> x = tf.ones([1, 4, 4, 1]); w = tf.ones([3, 3, 1, 1])
        >>> with using_gradients("forward"):
        ...     a = convolve(x, w, 1, "VALID")
        >>> b = tf.nn.conv2d(x, w, 1, "VALID")
        >>> a.numpy().ravel().tolist() == b.numpy().ravel().tolist() == [9.0] * 4
        True
    """
    if stride == 1 and gradients() == "forward":
        return conv2d(inputs, kernel, padding)
    return tf.nn.conv2d(inputs, kernel, strides=[1, stride, stride, 1], padding=padding)


def multiply(inputs: Any, weights: Any) -> tf.Tensor:
    """``tf.matmul(inputs, weights)``, differentiated as the switch says (what the layers call).

    Examples:
        >>> with using_gradients("tensorflow"):
        ...     multiply(tf.ones([1, 2]), tf.ones([2, 3])).numpy().tolist()
        [[2.0, 2.0, 2.0]]
    """
    if gradients() == "forward":
        return matmul(inputs, weights)
    return tf.matmul(inputs, weights)
