"""Hand-made 3x3 kernels and a function that applies them to a photo.

Convolution without training: pick a kernel by hand and look at what it does to
an image. The values are those of the lecture's ``kernels.py`` (Stanford CS 20,
lecture 7). See the chapter "Convolution by hand" (convolution.md); the
arguments ``strides`` and ``padding`` are explained in "Padding, stride and
output size" (padding-stride.md).

Two tables are provided, both read-only (a read-only mapping of arrays that
cannot be written to, so that no code can change them by accident):

* [`KERNELS`][cnn_tutorial.kernels.KERNELS]: the seven kernels the site uses, each a ``3 x 3`` float32
  array. ``"blur"`` is the lecture's gray box blur *divided by 9* so that it
  keeps the brightness of the image; ``"gaussian_blur"`` is the lecture's
  colour blur (already summing to 1); ``"edge"`` is the lecture's gray edge
  kernel (centre 4).
* [`LECTURE_KERNELS`][cnn_tutorial.kernels.LECTURE_KERNELS]: the lecture's kernels exactly as written, including
  the variants the site does not use by default: the box blur of ones
  (``"blur_gray"``, sums to 9, so it brightens the image nine-fold) and the
  colour edge kernel with centre 8 and all eight neighbours -1
  (``"edge_rgb"``). The lecture stored them as ``3 x 3 x in x out`` filters for
  ``tf.nn.conv2d``; here each is the ``3 x 3`` pattern that
  [`apply_kernel`][cnn_tutorial.kernels.apply_kernel] applies to every channel on its own.

Two functions show what ``tf.nn.conv2d`` computes and where it runs:
[`im2col`][cnn_tutorial.kernels.im2col] and [`conv2d_as_matmul`][cnn_tutorial.kernels.conv2d_as_matmul] write a convolution as one matrix
product (chapter "tf.nn.conv2d and its arguments", conv2d.md), and
[`data_format_support`][cnn_tutorial.kernels.data_format_support] asks a fresh TensorFlow process which data
formats its CPU kernels accept.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import numpy as np

from cnn_tutorial._validation import (
    MAX_INT32,
    check_choice,
    check_int,
    check_padding,
    check_pair,
    describe_array,
)

__all__ = ["KERNELS", "LECTURE_KERNELS", "MAX_SIDE", "SAMPLE_IMAGES", "apply_kernel",
           "conv2d_as_matmul", "data_format_support", "im2col", "load_sample_image"]


def _frozen(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    array.setflags(write=False)
    return array


_IDENTITY = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
_BOX = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
_GAUSSIAN = [[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125], [0.0625, 0.125, 0.0625]]
_SHARPEN = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
_EDGE_GRAY = [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]
_EDGE_RGB = [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
_TOP_SOBEL = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
_EMBOSS = [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]

KERNELS: Mapping[str, np.ndarray] = types.MappingProxyType({
    "identity": _frozen(_IDENTITY),
    "blur": _frozen([[v / 9 for v in row] for row in _BOX]),
    "gaussian_blur": _frozen(_GAUSSIAN),
    "sharpen": _frozen(_SHARPEN),
    "edge": _frozen(_EDGE_GRAY),
    "top_sobel": _frozen(_TOP_SOBEL),
    "emboss": _frozen(_EMBOSS),
})
"""The site's seven kernels: name -> read-only ``3 x 3`` float32 array."""

LECTURE_KERNELS: Mapping[str, np.ndarray] = types.MappingProxyType({
    "blur_rgb": _frozen(_GAUSSIAN),
    "blur_gray": _frozen(_BOX),
    "sharpen": _frozen(_SHARPEN),
    "edge_gray": _frozen(_EDGE_GRAY),
    "edge_rgb": _frozen(_EDGE_RGB),
    "top_sobel": _frozen(_TOP_SOBEL),
    "emboss": _frozen(_EMBOSS),
})
"""The lecture's kernels as written: name -> read-only ``3 x 3`` float32 array."""

SAMPLE_IMAGES: Mapping[str, str] = types.MappingProxyType({
    "astronaut": "Eileen Collins, NASA Great Images database; public domain",
    "chelsea": "Chelsea the cat, by Stefan van der Walt; CC0",
    "coffee": "Coffee cup, by Rachel Michetti (Pikolo Espresso Bar); CC0",
})
"""Photographs bundled with scikit-image that
[`load_sample_image`][cnn_tutorial.kernels.load_sample_image] offers, with their licence
(from scikit-image's ``skimage.data`` documentation)."""

#: The largest ``size`` [`load_sample_image`][cnn_tutorial.kernels.load_sample_image] resizes to (a 3-channel
#: float32 photo of 8192 x 8192 already takes 768 MiB).
MAX_SIDE = 8192

# ITU-R BT.601 luma weights, the ones tf.image.rgb_to_grayscale uses.
_LUMA = np.array([0.2989, 0.5870, 0.1140], dtype=np.float32)


def _as_image(image: Any) -> np.ndarray:
    """Check ``image`` and return it as float32 ``H x W x C`` (uint8 scaled to [0, 1])."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / np.float32(255)
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
    else:
        raise TypeError(
            "image must be a float array (values in [0, 1]) or a uint8 array "
            f"(values 0..255), got {describe_array(array)}")
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    elif array.ndim != 3:
        raise ValueError(
            "image must be a gray H x W or a colour H x W x C array, "
            f"got {describe_array(array)}")
    if min(array.shape) < 1:
        raise ValueError(f"image must have at least one row, column and channel, "
                         f"got {describe_array(array)}")
    return array


def _as_kernel(kernel: Any) -> np.ndarray:
    if isinstance(kernel, str):
        raise TypeError(
            f"kernel must be a 2-D array of numbers, got the string {kernel!r}; "
            f"use KERNELS[{kernel!r}] for a named kernel")
    array = np.asarray(kernel)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.floating)
                                     or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"kernel must be a 2-D array of numbers, got {describe_array(array)}")
    if array.ndim != 2 or min(array.shape) < 1:
        raise ValueError(
            f"kernel must be a 2-D array of numbers (rows x columns), got {describe_array(array)}")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError("kernel must contain only finite numbers")
    return array


def apply_kernel(image: Any, kernel: Any, strides: int | tuple[int, int] = 1,
                 padding: str = "SAME") -> np.ndarray:
    """Filter every channel of an image on its own with one 2-D kernel.

    The work is done by ``tf.nn.conv2d`` with the channels moved into the batch
    axis, so each channel meets the same ``kh x kw x 1 x 1`` filter and no
    channels are mixed (what ``tf.nn.depthwise_conv2d`` does with a tiled
    filter). Like every convolution in TensorFlow this is a cross-correlation:
    the kernel is *not* flipped, so ``KERNELS["top_sobel"]`` answers positively
    where the image is brighter above than below. Values are not clipped: edge
    kernels give negative numbers, and the caller chooses how to show them.

    See the chapter "Convolution by hand" (convolution.md) and, for ``strides``
    and ``padding``, "Padding, stride and output size" (padding-stride.md).

    Args:
        image: A gray ``H x W`` or colour ``H x W x C`` image, either float with
            values in [0, 1] or uint8 with values 0..255 (scaled to [0, 1]).
        kernel: A 2-D array of numbers, e.g. ``KERNELS["sharpen"]``; any size.
        strides: Step of the window, an int or a ``(rows, columns)`` pair, >= 1.
        padding: ``"SAME"`` (output ``ceil(size / stride)``, zeros added around
            the image) or ``"VALID"`` (only where the kernel fits inside).

    Returns:
        A float32 NumPy array, ``H' x W'`` for a gray image and ``H' x W' x C``
            for a colour one.

    Raises:
        TypeError: ``image`` or ``kernel`` has the wrong dtype.
        ValueError: wrong rank, a stride below 1, an unknown padding, or
            ``padding="VALID"`` with a kernel larger than the image.

    Examples:
        >>> import numpy as np
        >>> image = np.zeros((5, 5), np.float32)
        >>> image[2, 2] = 1.0
        >>> apply_kernel(image, KERNELS["edge"])[1:4, 1:4].tolist()
        [[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]
        >>> photo = load_sample_image(size=64)
        >>> apply_kernel(photo, KERNELS["blur"], strides=3).shape
        (22, 22, 3)
        >>> apply_kernel(photo, KERNELS["blur"], padding="VALID").shape
        (62, 62, 3)
    """
    array = _as_image(image)
    weights = _as_kernel(kernel)
    stride_rows, stride_cols = check_pair("strides", strides, maximum=MAX_INT32)
    padding = check_padding("padding", padding)
    height, width, _ = array.shape
    if padding == "VALID" and (weights.shape[0] > height or weights.shape[1] > width):
        raise ValueError(
            f"with padding='VALID' the kernel must fit inside the image: kernel "
            f"{weights.shape[0]} x {weights.shape[1]} is larger than image {height} x {width}; "
            "use padding='SAME' or a smaller kernel")
    import tensorflow as tf  # imported late: `import cnn_tutorial.kernels` stays light

    # Channels become the batch: C x H x W x 1, each filtered by the same kernel.
    batch = tf.constant(np.ascontiguousarray(np.transpose(array, (2, 0, 1))[..., np.newaxis]))
    filters = tf.constant(weights[:, :, np.newaxis, np.newaxis])
    result = tf.nn.conv2d(batch, filters, strides=[1, stride_rows, stride_cols, 1],
                          padding=padding)
    output = np.transpose(result.numpy()[..., 0], (1, 2, 0))
    if np.ndim(image) == 2:
        output = output[:, :, 0]
    return np.ascontiguousarray(output, dtype=np.float32)


def load_sample_image(gray: bool = False, size: int | None = None,
                      name: str = "astronaut") -> np.ndarray:
    """Return a real photograph bundled with scikit-image, as float32 in [0, 1].

    Nothing is downloaded: the photographs ship inside the installed
    ``scikit-image`` package. The default, ``"astronaut"``, is the portrait of
    the astronaut Eileen Collins from NASA's Great Images database, in the
    public domain; ``"chelsea"`` (a cat) and ``"coffee"`` (a cup) are CC0 (see
    [`SAMPLE_IMAGES`][cnn_tutorial.kernels.SAMPLE_IMAGES]). See the chapter "Convolution by hand"
    (convolution.md).

    Args:
        gray: Return ``H x W`` luminance (ITU-R BT.601 weights 0.2989, 0.5870,
            0.1140, as ``tf.image.rgb_to_grayscale``) instead of ``H x W x 3``.
        size: When given, the central square of the photo resized to
            ``size x size`` (bilinear with antialiasing; deterministic).
        name: Which photograph, a key of [`SAMPLE_IMAGES`][cnn_tutorial.kernels.SAMPLE_IMAGES].

    Returns:
        A float32 array with values in [0, 1]: ``H x W x 3``, or ``H x W`` when
            ``gray`` is true (the astronaut is 512 x 512).

    Raises:
        ValueError: ``size`` is below 1 or ``name`` is unknown.

    Examples:
        >>> photo = load_sample_image()
        >>> photo.shape, photo.dtype.name
        ((512, 512, 3), 'float32')
        >>> small = load_sample_image(gray=True, size=28)
        >>> small.shape, 0.0 <= float(small.min()) <= float(small.max()) <= 1.0
        ((28, 28), True)
    """
    check_choice("name", name, tuple(SAMPLE_IMAGES))
    if size is not None:
        size = check_int("size", size, maximum=MAX_SIDE)
    if not isinstance(gray, (bool, np.bool_)):
        raise TypeError(f"gray must be True or False, got {gray!r}")
    import skimage.data

    pixels = getattr(skimage.data, name)().astype(np.float32) / np.float32(255)
    if size is not None:
        import tensorflow as tf

        height, width, _ = pixels.shape
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        square = pixels[top:top + side, left:left + side]
        if side != size:
            square = tf.image.resize(square, (size, size), method="bilinear",
                                     antialias=True).numpy()
        pixels = np.clip(square, 0.0, 1.0)
    if gray:
        pixels = np.clip(pixels @ _LUMA, 0.0, 1.0)
    return np.ascontiguousarray(pixels, dtype=np.float32)


def _check_batch(name: str, value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 4 or not np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_:
        raise ValueError(f"{name} must be a 4-D array of numbers, got {describe_array(value)}")
    return array.astype(np.float32, copy=False)


def im2col(images: Any, kernel_size: int, stride: int = 1, padding: str = "VALID") -> np.ndarray:
    """Every window of a batch of images as one row of a matrix ("image to columns").

    Window ``(n, i, j)`` (image ``n``, output row ``i``, column ``j``) becomes
    row ``(n·H' + i)·W' + j``; its ``F·F·C`` values are in the order of
    ``filters.reshape(-1, C_out)`` (kernel row, kernel column, channel), so
    that ``im2col(x, F) @ filters.reshape(-1, C_out)`` is the convolution
    ([`conv2d_as_matmul`][cnn_tutorial.kernels.conv2d_as_matmul]). ``'SAME'`` pads as TensorFlow does
    ([`same_padding`][cnn_tutorial.arithmetic.same_padding]). See the chapter
    "tf.nn.conv2d and its arguments" (conv2d.md).

    Args:
        images: ``N x H x W x C`` numbers.
        kernel_size: Side ``F`` of the square window (>= 1).
        stride: Step of the window in both directions (>= 1).
        padding: ``"SAME"`` or ``"VALID"``.

    Returns:
        A float32 array of shape ``(N·H'·W', F·F·C)``.

    Raises:
        ValueError: ``images`` is not 4-D, a size or stride below 1, an unknown
            padding, or a ``'VALID'`` window larger than the image.

    Examples:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
        >>> columns = im2col(x, 3)
        >>> columns.shape
        (4, 9)
        >>> columns[0].tolist()  # the top-left 3 x 3 window, row by row
        [0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 8.0, 9.0, 10.0]
    """
    from cnn_tutorial.arithmetic import conv_output_size, same_padding

    array = _check_batch("images", images)
    kernel_size = check_int("kernel_size", kernel_size)
    stride = check_int("stride", stride, maximum=MAX_INT32)
    padding = check_padding("padding", padding)
    _, height, width, _ = array.shape
    pads = [(0, 0), (0, 0), (0, 0), (0, 0)]
    if padding == "SAME":
        pads[1] = same_padding(height, kernel_size, stride)
        pads[2] = same_padding(width, kernel_size, stride)
    elif kernel_size > min(height, width):
        raise ValueError(
            f"with padding='VALID' the kernel must fit inside the image: kernel_size "
            f"{kernel_size} is larger than image {height} x {width}; use padding='SAME'")
    out_h = conv_output_size(height, kernel_size, stride, padding)
    out_w = conv_output_size(width, kernel_size, stride, padding)
    padded = np.pad(array, pads)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel_size, kernel_size),
                                                       axis=(1, 2))
    windows = windows[:, ::stride, ::stride][:, :out_h, :out_w]  # N x H' x W' x C x F x F
    windows = np.transpose(windows, (0, 1, 2, 4, 5, 3))         # N x H' x W' x F x F x C
    return np.ascontiguousarray(windows.reshape(-1, kernel_size * kernel_size * array.shape[3]))


def conv2d_as_matmul(images: Any, filters: Any, stride: int = 1,
                     padding: str = "VALID") -> np.ndarray:
    """``tf.nn.conv2d`` computed as one matrix product: ``im2col(images) @ filters``.

    Each row of [`im2col`][cnn_tutorial.kernels.im2col] is one window; each column of
    ``filters.reshape(F·F·C_in, C_out)`` is one kernel; so each entry of the
    product is one output value, the weighted sum of one window with one
    kernel. See the chapter "tf.nn.conv2d and its arguments" (conv2d.md).

    Args:
        images: ``N x H x W x C_in`` numbers.
        filters: ``F x F x C_in x C_out`` numbers (a square kernel).
        stride: Step of the window in both directions (>= 1).
        padding: ``"SAME"`` or ``"VALID"``.

    Returns:
        A float32 ``N x H' x W' x C_out`` array, what ``tf.nn.conv2d`` returns.

    Raises:
        ValueError: wrong ranks, a kernel that is not square, or channel counts
            that do not match; and the errors of [`im2col`][cnn_tutorial.kernels.im2col].

    Examples:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
        >>> w = np.ones((3, 3, 1, 1), np.float32)  # sums of 3 x 3 windows
        >>> conv2d_as_matmul(x, w)[0, :, :, 0].tolist()
        [[45.0, 54.0], [81.0, 90.0]]
    """
    array = _check_batch("images", images)
    weights = _check_batch("filters", filters)
    if weights.shape[0] != weights.shape[1]:
        raise ValueError(f"filters must be square (F x F x C_in x C_out), got {weights.shape}")
    if weights.shape[2] != array.shape[3]:
        raise ValueError(f"filters must have {array.shape[3]} input channels (the images' C), "
                         f"got {weights.shape[2]}")
    from cnn_tutorial.arithmetic import conv_output_size

    columns = im2col(array, weights.shape[0], stride, padding)
    out_h = conv_output_size(array.shape[1], weights.shape[0], stride, padding)
    out_w = conv_output_size(array.shape[2], weights.shape[0], stride, padding)
    product = columns @ weights.reshape(-1, weights.shape[3])
    return product.reshape(array.shape[0], out_h, out_w, weights.shape[3])


_FORMAT_PROBE = r"""
import json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
try:
    from tensorflow.python.util import _pywrap_util_port
    onednn = bool(_pywrap_util_port.IsMklEnabled())
except (ImportError, AttributeError):
    onednn = None
x = tf.zeros([1, 3, 8, 8])  # N x C x H x W
ops = {
    "conv2d": lambda: tf.nn.conv2d(x, tf.zeros([3, 3, 3, 4]), 1, "SAME", data_format="NCHW"),
    "max_pool2d": lambda: tf.nn.max_pool2d(x, 2, 2, "VALID", data_format="NCHW"),
    "bias_add": lambda: tf.nn.bias_add(x, tf.zeros([3]), data_format="NCHW"),
}
result = {"onednn": onednn, "gpus": len(tf.config.list_physical_devices("GPU")), "NCHW": {}}
for name, op in ops.items():
    try:
        result["NCHW"][name] = "ran on " + op().device.split("device:")[-1]
    except (tf.errors.UnimplementedError, tf.errors.InvalidArgumentError) as error:
        message = str(error).split("}} ")[-1].split(" [Op:")[0]
        result["NCHW"][name] = type(error).__name__ + ": " + message
print(json.dumps(result))
"""


def data_format_support(onednn_opts: str | None = None) -> dict[str, Any]:
    """Ask a fresh TensorFlow process whether ``NCHW`` conv2d, pooling and bias_add run.

    oneDNN is read when TensorFlow starts, so each setting needs its own
    process: this runs one with ``TF_ENABLE_ONEDNN_OPTS`` set to
    ``onednn_opts`` (``None`` keeps this process's environment). The answer
    is what that process reports, never a guess: whether oneDNN is on
    (TensorFlow's own ``IsMklEnabled``; ``None`` if it cannot be read), how
    many GPUs it sees, and for each op the device it ran on or the error it
    raised. See the chapter "tf.nn.conv2d and its arguments" (conv2d.md).

    Args:
        onednn_opts: ``"1"``, ``"0"`` or ``None``.

    Returns:
        ``{"onednn": bool | None, "gpus": int, "NCHW": {op: "ran on CPU:0" or
        "ErrorName: message"}}``.

    Raises:
        ValueError: ``onednn_opts`` is not ``"0"``, ``"1"`` or ``None``.
        RuntimeError: the process failed (its last line of stderr is shown).

    Examples:
        >>> report = data_format_support()  # doctest: +SKIP
        >>> report["NCHW"]["conv2d"]  # doctest: +SKIP
        'ran on CPU:0'
    """
    import json
    import os
    import subprocess
    import sys

    if onednn_opts not in (None, "0", "1"):
        raise ValueError(f"onednn_opts must be '0', '1' or None, got {onednn_opts!r}")
    env = dict(os.environ)
    if onednn_opts is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = onednn_opts
    done = subprocess.run([sys.executable, "-c", _FORMAT_PROBE], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"the TensorFlow probe exited with {done.returncode}: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])
