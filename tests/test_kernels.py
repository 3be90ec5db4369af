"""cnn_tutorial.kernels: the lecture's kernels, apply_kernel and the sample photo."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from cnn_tutorial.arithmetic import same_padding
from cnn_tutorial.kernels import (
    KERNELS,
    LECTURE_KERNELS,
    SAMPLE_IMAGES,
    apply_kernel,
    load_sample_image,
)


def reference_correlation(image, kernel, stride=(1, 1), padding="SAME"):
    """Plain NumPy cross-correlation of every channel (the definition, by loops)."""
    image = np.asarray(image, np.float64)
    gray = image.ndim == 2
    if gray:
        image = image[:, :, None]
    kh, kw = kernel.shape
    if padding == "SAME":
        top, bottom = same_padding(image.shape[0], kh, stride[0])
        left, right = same_padding(image.shape[1], kw, stride[1])
        image = np.pad(image, ((top, bottom), (left, right), (0, 0)))
    rows = (image.shape[0] - kh) // stride[0] + 1
    cols = (image.shape[1] - kw) // stride[1] + 1
    out = np.zeros((rows, cols, image.shape[2]))
    for i in range(rows):
        for j in range(cols):
            window = image[i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw]
            out[i, j] = np.tensordot(kernel, window, axes=([0, 1], [0, 1]))
    return out[:, :, 0] if gray else out


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20180207)


# --- the kernel tables -----------------------------------------------------

def test_the_seven_kernels_are_3x3_float32():
    assert set(KERNELS) == {"identity", "blur", "gaussian_blur", "sharpen", "edge",
                            "top_sobel", "emboss"}
    for name, kernel in KERNELS.items():
        assert kernel.shape == (3, 3) and kernel.dtype == np.float32, name


def test_kernel_values_are_the_lectures():
    np.testing.assert_array_equal(KERNELS["gaussian_blur"], [[0.0625, 0.125, 0.0625],
                                                             [0.125, 0.25, 0.125],
                                                             [0.0625, 0.125, 0.0625]])
    np.testing.assert_allclose(KERNELS["blur"], np.full((3, 3), 1 / 9), rtol=1e-6)
    np.testing.assert_array_equal(KERNELS["sharpen"], [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(KERNELS["edge"], [[0, -1, 0], [-1, 4, -1], [0, -1, 0]])
    np.testing.assert_array_equal(KERNELS["top_sobel"], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    np.testing.assert_array_equal(KERNELS["emboss"], [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    np.testing.assert_array_equal(KERNELS["identity"], np.eye(3)[1][:, None] * np.eye(3)[1])
    # Blurs keep the brightness; sharpen keeps it too; edge kernels cancel out.
    for name in ("blur", "gaussian_blur", "sharpen", "identity"):
        assert KERNELS[name].sum() == pytest.approx(1.0), name
    for name in ("edge", "top_sobel"):
        assert KERNELS[name].sum() == 0, name


def test_lecture_variants_are_kept():
    assert LECTURE_KERNELS["blur_gray"].sum() == 9
    assert LECTURE_KERNELS["edge_rgb"][1, 1] == 8 and LECTURE_KERNELS["edge_rgb"].sum() == 0
    np.testing.assert_array_equal(LECTURE_KERNELS["blur_rgb"], KERNELS["gaussian_blur"])
    np.testing.assert_array_equal(LECTURE_KERNELS["edge_gray"], KERNELS["edge"])
    for kernel in LECTURE_KERNELS.values():
        assert kernel.shape == (3, 3) and kernel.dtype == np.float32


@pytest.mark.parametrize("table", [KERNELS, LECTURE_KERNELS, SAMPLE_IMAGES])
def test_tables_cannot_be_changed(table):
    name = next(iter(table))
    with pytest.raises(TypeError):
        table[name] = np.zeros((3, 3))
    with pytest.raises(TypeError):
        del table[name]


@pytest.mark.parametrize("table", [KERNELS, LECTURE_KERNELS])
def test_kernel_arrays_cannot_be_written(table):
    for kernel in table.values():
        with pytest.raises(ValueError, match="read-only"):
            kernel[1, 1] = 100.0


# --- apply_kernel ------------------------------------------------------------

@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2, 3, (1, 2), (3, 1)])
def test_apply_kernel_matches_a_numpy_cross_correlation(rng, padding, strides):
    image = rng.random((11, 9, 3), dtype=np.float32)
    # An asymmetric, even-sized kernel catches flipping and TF's uneven SAME split.
    kernel = rng.standard_normal((2, 4)).astype(np.float32)
    pair = strides if isinstance(strides, tuple) else (strides, strides)
    expected = reference_correlation(image, kernel, pair, padding)
    result = apply_kernel(image, kernel, strides=strides, padding=padding)
    assert result.dtype == np.float32 and result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)


def test_apply_kernel_gray_image_returns_gray(rng):
    image = rng.random((8, 10))
    result = apply_kernel(image, KERNELS["top_sobel"], strides=3)
    assert result.shape == (3, 4)
    np.testing.assert_allclose(
        result, reference_correlation(image, KERNELS["top_sobel"], (3, 3)), atol=1e-5)


def test_apply_kernel_is_not_a_flipped_convolution():
    image = np.zeros((3, 3), np.float32)
    image[0, 1] = 1.0  # bright above the centre
    assert apply_kernel(image, KERNELS["top_sobel"])[1, 1] == 2.0


def test_every_channel_is_filtered_on_its_own(rng):
    image = rng.random((6, 7, 4), dtype=np.float32)
    colour = apply_kernel(image, KERNELS["emboss"])
    for channel in range(4):
        np.testing.assert_allclose(colour[:, :, channel],
                                   apply_kernel(image[:, :, channel], KERNELS["emboss"]),
                                   atol=1e-6)


def test_uint8_images_are_scaled_to_0_1(rng):
    pixels = rng.integers(0, 256, (9, 9, 3), dtype=np.uint8)
    np.testing.assert_allclose(apply_kernel(pixels, KERNELS["sharpen"]),
                               apply_kernel(pixels / 255.0, KERNELS["sharpen"]), atol=1e-5)


def test_identity_returns_the_image_and_kernel_tables_stay_intact(rng):
    image = rng.random((5, 6, 3), dtype=np.float32)
    before = {name: kernel.copy() for name, kernel in KERNELS.items()}
    np.testing.assert_allclose(apply_kernel(image, KERNELS["identity"]), image, atol=1e-7)
    for name, kernel in KERNELS.items():
        np.testing.assert_array_equal(kernel, before[name])


def test_a_kernel_larger_than_the_image_works_with_same():
    image = np.ones((2, 2), np.float32)
    kernel = np.ones((5, 5), np.float32)
    np.testing.assert_allclose(apply_kernel(image, kernel),
                               reference_correlation(image, kernel), atol=1e-6)


def test_lists_and_integer_kernels_are_accepted():
    result = apply_kernel([[0.0, 1.0], [1.0, 0.0]], [[1, 2]], padding="VALID")
    assert result.tolist() == [[2.0], [1.0]]


@pytest.mark.parametrize("image, error, message", [
    (np.zeros(5, np.float32), ValueError, "image must be a gray H x W or a colour H x W x C"),
    (np.zeros((1, 5, 5, 3), np.float32), ValueError, r"got an array of shape \(1, 5, 5, 3\)"),
    (np.zeros((5, 5), np.int32), TypeError, "image must be a float array .* or a uint8"),
    (np.zeros((5, 5), bool), TypeError, "dtype bool"),
    (np.zeros((0, 5), np.float32), ValueError, "at least one row"),
    ("photo.png", TypeError, "image must be a float array"),
])
def test_bad_images(image, error, message):
    with pytest.raises(error, match=message):
        apply_kernel(image, KERNELS["blur"])


@pytest.mark.parametrize("kernel, error, message", [
    (np.ones(3), ValueError, r"kernel must be a 2-D array .* shape \(3,\)"),
    (np.ones((3, 3, 1, 1)), ValueError, "kernel must be a 2-D array"),
    (np.ones((0, 3)), ValueError, "kernel must be a 2-D array"),
    ("sharpen", TypeError, r"use KERNELS\['sharpen'\]"),
    (np.array([["a", "b"]]), TypeError, "kernel must be a 2-D array of numbers"),
    (np.array([[1.0, np.nan]]), ValueError, "finite"),
])
def test_bad_kernels(kernel, error, message):
    with pytest.raises(error, match=message):
        apply_kernel(np.zeros((5, 5), np.float32), kernel)


@pytest.mark.parametrize("strides, error", [
    (0, ValueError), (-1, ValueError), ((1, 0), ValueError), ((1, 2, 3), ValueError),
    (1.5, TypeError), (True, TypeError), ("2", TypeError),
])
def test_bad_strides(strides, error):
    with pytest.raises(error, match="^strides must be an integer >= 1"):
        apply_kernel(np.zeros((5, 5), np.float32), KERNELS["blur"], strides=strides)


@pytest.mark.parametrize("padding, error", [("FULL", ValueError), (1, TypeError),
                                            (None, TypeError)])
def test_bad_padding(padding, error):
    with pytest.raises(error, match="^padding must be 'SAME' or 'VALID'"):
        apply_kernel(np.zeros((5, 5), np.float32), KERNELS["blur"], padding=padding)


def test_valid_padding_with_a_kernel_larger_than_the_image_is_refused():
    with pytest.raises(ValueError, match=r"kernel 3 x 3 is larger than image 2 x 5"):
        apply_kernel(np.zeros((2, 5), np.float32), KERNELS["blur"], padding="VALID")


# --- load_sample_image -------------------------------------------------------

@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test: the photo must ship with the package."""
    def refuse(*args, **kwargs):
        raise AssertionError("load_sample_image tried to use the network")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_sample_image_is_a_colour_photo_in_0_1(no_network):
    photo = load_sample_image()
    assert photo.shape == (512, 512, 3) and photo.dtype == np.float32
    assert 0.0 <= photo.min() < 0.05 and 0.95 < photo.max() <= 1.0
    assert photo.std() > 0.1  # a real photograph, not a flat test card


def test_gray_sample_image_uses_luminance_weights(no_network):
    colour, gray = load_sample_image(), load_sample_image(gray=True)
    assert gray.shape == (512, 512) and gray.dtype == np.float32
    np.testing.assert_allclose(gray, colour @ np.array([0.2989, 0.5870, 0.1140]), atol=1e-5)


@pytest.mark.parametrize("name, shape", [("astronaut", (512, 512, 3)),
                                         ("chelsea", (300, 451, 3)),
                                         ("coffee", (400, 600, 3))])
def test_every_listed_photo_loads(no_network, name, shape):
    assert load_sample_image(name=name).shape == shape


def test_resize_takes_the_central_square_and_is_deterministic(no_network):
    small = load_sample_image(size=28, name="coffee")
    assert small.shape == (28, 28, 3) and small.dtype == np.float32
    assert 0.0 <= small.min() and small.max() <= 1.0
    np.testing.assert_array_equal(small, load_sample_image(size=28, name="coffee"))
    # The central 400 x 400 square, averaged down, keeps the square's mean colour.
    square = load_sample_image(name="coffee")[:, 100:500]
    np.testing.assert_allclose(small.mean(axis=(0, 1)), square.mean(axis=(0, 1)), atol=0.01)
    assert load_sample_image(gray=True, size=64).shape == (64, 64)
    np.testing.assert_array_equal(load_sample_image(size=512), load_sample_image())


@pytest.mark.parametrize("kwargs, error, message", [
    ({"size": 0}, ValueError, "size must be an integer >= 1"),
    ({"size": 28.0}, TypeError, "size must be an integer >= 1"),
    ({"name": "lena"}, ValueError, "name must be one of 'astronaut', 'chelsea', 'coffee'"),
    ({"gray": "yes"}, TypeError, "gray must be True or False"),
])
def test_bad_sample_image_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        load_sample_image(**kwargs)


def test_huge_strides_and_sizes_are_refused_by_name():
    """10**20 overflowed inside TensorFlow ("Can't convert Python sequence")."""
    from cnn_tutorial.kernels import MAX_SIDE

    image = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match=r"^strides must be an integer >= 1 and <= 2147483647"):
        apply_kernel(image, KERNELS["blur"], strides=10**20)
    with pytest.raises(ValueError, match=r"^strides must be an integer >= 1 and <= "):
        apply_kernel(image, KERNELS["blur"], strides=(1, 10**20))
    with pytest.raises(ValueError, match=rf"^size must be an integer >= 1 and <= {MAX_SIDE}"):
        load_sample_image(size=10**20)


# --- im2col, conv2d_as_matmul, data_format_support ------------------------------------------

from cnn_tutorial.kernels import conv2d_as_matmul, data_format_support, im2col  # noqa: E402


@pytest.mark.parametrize("size, kernel, stride, padding, channels", [
    (7, 3, 1, "VALID", 1), (7, 3, 2, "SAME", 3), (13, 6, 5, "SAME", 2), (8, 4, 3, "VALID", 2),
    (28, 5, 1, "SAME", 1), (5, 5, 1, "VALID", 4), (6, 1, 1, "VALID", 3)])
def test_conv2d_as_matmul_equals_tf_conv2d(size, kernel, stride, padding, channels):
    import tensorflow as tf

    rng = np.random.default_rng(size * 100 + kernel)
    x = rng.normal(size=(2, size, size + 1, channels)).astype(np.float32)
    w = rng.normal(size=(kernel, kernel, channels, 5)).astype(np.float32)
    expected = tf.nn.conv2d(x, w, strides=stride, padding=padding).numpy()
    got = conv2d_as_matmul(x, w, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert im2col(x, kernel, stride, padding).shape == (
        2 * expected.shape[1] * expected.shape[2], kernel * kernel * channels)


def test_im2col_rows_are_the_windows_in_filter_order():
    x = np.arange(2 * 5 * 5 * 2, dtype=np.float32).reshape(2, 5, 5, 2)
    columns = im2col(x, 3, stride=2)
    # Row (n, i, j) = window at (2i, 2j) of image n, flattened as (row, column, channel).
    assert columns.shape == (2 * 2 * 2, 18)
    np.testing.assert_array_equal(columns[2 * 2 + 1], x[1, 0:3, 2:5, :].ravel())


@pytest.mark.parametrize("call, error, message", [
    (lambda: im2col(np.zeros((5, 5)), 3), ValueError, "images must be a 4-D array of numbers"),
    (lambda: im2col(np.zeros((1, 2, 2, 1)), 3), ValueError, "kernel must fit inside the image"),
    (lambda: im2col(np.zeros((1, 5, 5, 1)), 3, padding="same!"), ValueError, "padding must be"),
    (lambda: im2col(np.zeros((1, 5, 5, 1)), 0), ValueError, "kernel_size must be an integer"),
    (lambda: conv2d_as_matmul(np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 1, 4))), ValueError,
     "filters must have 2 input channels"),
    (lambda: conv2d_as_matmul(np.zeros((1, 5, 5, 1)), np.zeros((3, 2, 1, 4))), ValueError,
     "filters must be square"),
    (lambda: data_format_support("off"), ValueError, "onednn_opts must be '0', '1' or None"),
])
def test_im2col_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.slow
def test_data_format_support_reports_both_onednn_settings():
    on, off = data_format_support("1"), data_format_support("0")
    assert on["onednn"] is True and off["onednn"] is False
    assert on["gpus"] == off["gpus"]
    if on["gpus"] == 0:  # what a CPU does; a GPU would run NCHW either way
        assert on["NCHW"] == {"conv2d": "ran on CPU:0", "max_pool2d": "ran on CPU:0",
                              "bias_add": "ran on CPU:0"}
        assert off["NCHW"]["conv2d"].startswith(
            "UnimplementedError: The Conv2D op currently only supports the NHWC tensor format")
        assert off["NCHW"]["bias_add"] == "ran on CPU:0"
