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
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from cnn_tutorial._validation import check_padding
from cnn_tutorial.arithmetic import same_padding

__all__ = ["conv2d", "matmul", "same_pads"]


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
